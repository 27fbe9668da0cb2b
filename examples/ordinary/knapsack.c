/* 0/1 knapsack by dynamic programming: reads the capacity, the number of items and each
 * item's weight and value, then prints the best total value and the items that reach it. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int capacity, n;
    int *weight, *value;
    if (scanf("%d %d", &capacity, &n) == 2) {
        if (capacity < 0 || capacity > 1000 || n < 0 || n > 100) {
            fprintf(stderr, "capacity must be 0..1000 and items 0..100\n");
            return 1;
        }
        weight = malloc(n * sizeof(int));
        value = malloc(n * sizeof(int));
        for (int i = 0; i < n; i++) {
            if (scanf("%d %d", &weight[i], &value[i]) != 2) {
                fprintf(stderr, "item %d: expected weight and value\n", i + 1);
                return 1;
            }
        }
    } else {
        static int default_weight[] = {12, 2, 1, 1, 4};
        static int default_value[] = {4, 2, 1, 2, 10};
        capacity = 15;
        n = 5;
        weight = default_weight;
        value = default_value;
    }
    /* best[w] is the best value with weight at most w; took[i][w] records whether item i is
     * in the best choice for weight w after the first i + 1 items. */
    int *best = calloc(capacity + 1, sizeof(int));
    char **took = malloc(n * sizeof(char *));
    for (int i = 0; i < n; i++) {
        took[i] = calloc(capacity + 1, 1);
        for (int w = capacity; w >= weight[i]; w--) {
            int with = best[w - weight[i]] + value[i];
            if (with > best[w]) {
                best[w] = with;
                took[i][w] = 1;
            }
        }
    }
    printf("best value: %d\n", best[capacity]);
    int w = capacity, total_weight = 0;
    printf("items:");
    for (int i = n - 1; i >= 0; i--) {
        if (took[i][w]) {
            printf(" %d(w=%d,v=%d)", i + 1, weight[i], value[i]);
            w -= weight[i];
            total_weight += weight[i];
        }
    }
    printf("\ntotal weight: %d of %d\n", total_weight, capacity);
    return 0;
}
