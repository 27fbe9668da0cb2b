/* Prime factorization with long long: prints each number from the input as a product of
 * prime powers, e.g. 360 = 2^3 * 3^2 * 5. */
#include <stdio.h>

static void factor(long long n) {
    printf("%lld =", n);
    if (n < 2) {
        printf(" %lld\n", n);
        return;
    }
    const char *separator = " ";
    for (long long d = 2; d * d <= n; d += d == 2 ? 1 : 2) {
        int power = 0;
        while (n % d == 0) {
            n /= d;
            power++;
        }
        if (power) {
            printf(power > 1 ? "%s%lld^%d" : "%s%lld", separator, d, power);
            separator = " * ";
        }
    }
    if (n > 1) {
        printf("%s%lld", separator, n);
    }
    putchar('\n');
}

int main(void) {
    long long n;
    int count = 0;
    while (scanf("%lld", &n) == 1) {
        factor(n);
        count++;
    }
    if (count == 0) {
        factor(360);
        factor(6469693230LL);
    }
    return 0;
}
