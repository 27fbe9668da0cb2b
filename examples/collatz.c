/* Prints the Collatz sequence from n (default 27) down to 1 and the number of steps taken. */
#include <limits.h>
#include <stdio.h>

int main(void) {
    unsigned n;
    if (scanf("%u", &n) != 1) {
        n = 27;
    }
    if (n == 0) {
        printf("n must be positive\n");
        return 1;
    }
    int steps = 0;
    printf("%u", n);
    while (n != 1) {
        if (n % 2 == 0) {
            n = n / 2;
        } else if (n <= (UINT_MAX - 1) / 3) {
            n = 3 * n + 1;
        } else {
            printf("\n3n + 1 overflows 32 bits after %d steps\n", steps);
            return 1;
        }
        printf(" %u", n);
        steps++;
    }
    printf("\nsteps: %d\n", steps);
    return 0;
}
