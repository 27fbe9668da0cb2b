/* Prints the Fibonacci numbers F(0) to F(n), n from input (default 30), modulo 2**32. */
#include <stdio.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) {
        n = 30;
    }
    unsigned current = 0;
    unsigned next = 1;
    for (int i = 0; i <= n; i++) {
        printf(i ? " %u" : "%u", current);
        unsigned following = current + next;
        current = next;
        next = following;
    }
    putchar('\n');
    return 0;
}
