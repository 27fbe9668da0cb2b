/* Tests each number in the input (default: a built-in list) for primality with the
 * deterministic Miller-Rabin test for 32-bit numbers, whose modular products need 64-bit
 * unsigned arithmetic, and prints the 64-bit square of each prime. */
#include <stdint.h>
#include <stdio.h>

static uint64_t mul_mod(uint64_t a, uint64_t b, uint64_t m) {
    return a * b % m;
}

static uint64_t pow_mod(uint64_t base, uint32_t exponent, uint64_t m) {
    uint64_t result = 1;
    base %= m;
    while (exponent) {
        if (exponent & 1) {
            result = mul_mod(result, base, m);
        }
        base = mul_mod(base, base, m);
        exponent >>= 1;
    }
    return result;
}

static int is_prime(uint32_t n) {
    static const uint32_t witnesses[] = {2, 7, 61};
    if (n < 2) {
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (n == witnesses[i]) {
            return 1;
        }
        if (n % witnesses[i] == 0) {
            return 0;
        }
    }
    uint32_t d = n - 1;
    int s = 0;
    while ((d & 1) == 0) {
        d >>= 1;
        s++;
    }
    for (int i = 0; i < 3; i++) {
        uint64_t x = pow_mod(witnesses[i], d, n);
        if (x == 1 || x == n - 1) {
            continue;
        }
        int composite = 1;
        for (int r = 1; r < s && composite; r++) {
            x = mul_mod(x, x, n);
            composite = x != n - 1;
        }
        if (composite) {
            return 0;
        }
    }
    return 1;
}

static void print_u64(uint64_t value) {
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (count) {
        putchar(digits[--count]);
    }
}

static void report(uint32_t n) {
    printf("%u ", n);
    if (is_prime(n)) {
        printf("is prime, squared ");
        print_u64((uint64_t)n * n);
        putchar('\n');
    } else {
        printf("is composite\n");
    }
}

int main(void) {
    unsigned n;
    int count = 0;
    while (scanf("%u", &n) == 1) {
        report(n);
        count++;
    }
    if (count == 0) {
        static const uint32_t defaults[] = {97, 561, 4294967291u};
        for (int i = 0; i < 3; i++) {
            report(defaults[i]);
        }
    }
    return 0;
}
