/* Sorting records: reads lines "name age score", sorts them with qsort by score (highest
 * first), then age, then name, checks the order against a bubble sort of the same records,
 * and prints the ranking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[20];
    int age;
    int score;
} record;

static int compare_records(const void *a, const void *b) {
    const record *x = a, *y = b;
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->age != y->age) {
        return x->age < y->age ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static void bubble_sort(record *r, int n) {
    for (int pass = 0; pass < n - 1; pass++) {
        int swapped = 0;
        for (int i = 0; i < n - 1 - pass; i++) {
            if (compare_records(&r[i], &r[i + 1]) > 0) {
                record t = r[i];
                r[i] = r[i + 1];
                r[i + 1] = t;
                swapped = 1;
            }
        }
        if (!swapped) {
            break;
        }
    }
}

int main(void) {
    record *records = NULL;
    int n = 0, capacity = 0;
    char line[100];
    while (fgets(line, sizeof line, stdin)) {
        record r;
        if (sscanf(line, "%19s %d %d", r.name, &r.age, &r.score) != 3) {
            fprintf(stderr, "skipping: %s", line);
            continue;
        }
        if (n == capacity) {
            capacity = capacity ? 2 * capacity : 4;
            records = realloc(records, capacity * sizeof(record));
        }
        records[n++] = r;
    }
    if (n == 0) {
        static const record defaults[] = {
            {"dana", 31, 88}, {"ali", 25, 92}, {"bo", 25, 88}, {"cy", 40, 75}, {"eve", 22, 92},
        };
        n = sizeof defaults / sizeof defaults[0];
        records = malloc(sizeof defaults);
        memcpy(records, defaults, sizeof defaults);
    }
    record *copy = malloc(n * sizeof(record));
    memcpy(copy, records, n * sizeof(record));
    qsort(records, n, sizeof(record), compare_records);
    bubble_sort(copy, n);
    int same = memcmp(records, copy, n * sizeof(record)) == 0;
    printf("%-4s %-10s %3s %5s\n", "rank", "name", "age", "score");
    for (int i = 0; i < n; i++) {
        printf("%4d %-10s %3d %5d\n", i + 1, records[i].name, records[i].age, records[i].score);
    }
    printf("qsort and bubble sort %s\n", same ? "agree" : "DISAGREE");
    free(copy);
    free(records);
    return same ? 0 : 1;
}
