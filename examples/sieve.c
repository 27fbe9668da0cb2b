/* Prints the primes up to n (default 100, at most MAX_N) by the sieve of Eratosthenes, then
 * their count. */
#include <stdio.h>

#define MAX_N 100000

static char is_composite[MAX_N + 1];

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) {
        n = 100;
    }
    if (n < 0 || n > MAX_N) {
        printf("n must be between 0 and %d\n", MAX_N);
        return 1;
    }
    int count = 0;
    for (int i = 2; i <= n; i++) {
        if (is_composite[i]) {
            continue;
        }
        printf(count ? " %d" : "%d", i);
        count++;
        /* Smaller primes already crossed out the multiples of i below i * i. Comparing i with
         * n / i avoids computing an i * i that would overflow int. */
        if (i <= n / i) {
            for (int multiple = i * i; multiple <= n; multiple += i) {
                is_composite[multiple] = 1;
            }
        }
    }
    printf("\n%d primes\n", count);
    return 0;
}
