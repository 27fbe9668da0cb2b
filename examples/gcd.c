/* Prints the greatest common divisor of each pair of non-negative integers in the input, by
 * Euclid's algorithm. Without input it uses three built-in pairs. */
#include <stdio.h>

static unsigned gcd(unsigned a, unsigned b) {
    while (b != 0) {
        unsigned remainder = a % b;
        a = b;
        b = remainder;
    }
    return a;
}

int main(void) {
    unsigned a;
    unsigned b;
    int pairs = 0;
    while (scanf("%u %u", &a, &b) == 2) {
        printf("gcd(%u, %u) = %u\n", a, b, gcd(a, b));
        pairs++;
    }
    if (pairs == 0) {
        static const unsigned defaults[][2] = {{48, 18}, {1071, 462}, {17, 5}};
        for (int i = 0; i < 3; i++) {
            a = defaults[i][0];
            b = defaults[i][1];
            printf("gcd(%u, %u) = %u\n", a, b, gcd(a, b));
        }
    }
    return 0;
}
