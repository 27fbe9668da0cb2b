/* Histogram: reads integer scores from 0 to 99 (or draws 20 with rand when there is no
 * input), counts them in buckets of ten and draws a bar of stars for each bucket, with the
 * mean and the most common bucket. */
#include <stdio.h>
#include <stdlib.h>

#define BUCKETS 10

int main(void) {
    int counts[BUCKETS] = {0};
    int score, n = 0;
    long sum = 0;
    int scanned;
    while ((scanned = scanf("%d", &score)) == 1) {
        if (score < 0 || score > 99) {
            fprintf(stderr, "score %d out of range\n", score);
            continue;
        }
        counts[score / 10]++;
        sum += score;
        n++;
    }
    if (scanned == 0) {
        fprintf(stderr, "input is not a number\n");
        return EXIT_FAILURE;
    }
    if (n == 0) {
        srand(2024);
        for (; n < 20; n++) {
            /* The sum of two draws leans toward the middle. */
            score = rand() % 50 + rand() % 50;
            counts[score / 10]++;
            sum += score;
        }
    }
    int most = 0;
    for (int b = 0; b < BUCKETS; b++) {
        printf("%2d-%-2d |%-*.*s| %d\n", b * 10, b * 10 + 9, n, counts[b],
               "****************************************************************", counts[b]);
        if (counts[b] > counts[most]) {
            most = b;
        }
    }
    printf("n = %d, mean = %ld.%ld, most common: %d-%d\n", n, sum / n, sum * 10 / n % 10,
           most * 10, most * 10 + 9);
    return 0;
}
