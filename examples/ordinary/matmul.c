/* Matrix multiplication: reads n, then two n x n matrices of integers, and prints their
 * product and its trace. Without input it multiplies two built-in 3 x 3 matrices. */
#include <stdio.h>
#include <stdlib.h>

static long *read_matrix(int n, const long *fallback, int use_fallback) {
    long *m = malloc(sizeof(long) * n * n);
    if (!m) {
        return NULL;
    }
    for (int i = 0; i < n * n; i++) {
        if (use_fallback) {
            m[i] = fallback[i];
        } else if (scanf("%ld", &m[i]) != 1) {
            fprintf(stderr, "expected %d numbers\n", n * n);
            exit(1);
        }
    }
    return m;
}

int main(void) {
    static const long a_default[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const long b_default[] = {9, 8, 7, 6, 5, 4, 3, 2, -1};
    int n = 3;
    int use_default = scanf("%d", &n) != 1;
    if (use_default) {
        n = 3;
    } else if (n < 1 || n > 8) {
        fprintf(stderr, "n must be between 1 and 8\n");
        return 1;
    }
    long *a = read_matrix(n, a_default, use_default);
    long *b = read_matrix(n, b_default, use_default);
    long *c = calloc(n * n, sizeof(long));
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < n; k++) {
            long aik = a[i * n + k];
            for (int j = 0; j < n; j++) {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    long trace = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            printf("%6ld", c[i * n + j]);
        }
        putchar('\n');
        trace += c[i * n + i];
    }
    printf("trace = %ld\n", trace);
    free(a);
    free(b);
    free(c);
    return 0;
}
