/* Adds two non-negative decimal integers of up to MAX_DIGITS digits each, given separated by
 * whitespace (on one line or two), and prints the sum. */
#include <stdio.h>
#include <string.h>

#define MAX_DIGITS 1000

static char first[MAX_DIGITS + 1];
static char second[MAX_DIGITS + 1];
static char sum[MAX_DIGITS + 2];

/* Reads one number into digits as a string. Returns its length, 0 at the end of input, or -1
 * when the number is too long or contains something other than digits. */
static int read_number(char *digits) {
    int c;
    do {
        c = getchar();
    } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
    int length = 0;
    while (c >= '0' && c <= '9') {
        if (length == MAX_DIGITS) {
            return -1;
        }
        digits[length++] = (char)c;
        c = getchar();
    }
    digits[length] = '\0';
    if (c != EOF && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return -1;
    }
    return length;
}

int main(void) {
    int first_length = read_number(first);
    int second_length = first_length > 0 ? read_number(second) : 0;
    if (first_length == 0) {
        strcpy(first, "123456789012345678901234567890");
        strcpy(second, "987654321098765432109876543210");
        first_length = (int)strlen(first);
        second_length = (int)strlen(second);
    }
    if (first_length < 0 || second_length <= 0) {
        printf("expected two non-negative integers of at most %d digits\n", MAX_DIGITS);
        return 1;
    }

    /* Add from the last digits up, so sum collects the digits in reverse order. */
    int i = first_length - 1;
    int j = second_length - 1;
    int carry = 0;
    int length = 0;
    while (i >= 0 || j >= 0 || carry) {
        int digit = carry;
        if (i >= 0) {
            digit += first[i--] - '0';
        }
        if (j >= 0) {
            digit += second[j--] - '0';
        }
        carry = digit >= 10;
        if (carry) {
            digit -= 10;
        }
        sum[length++] = (char)('0' + digit);
    }
    /* Drop leading zeros such as those of 000 + 0, but keep one digit. */
    while (length > 1 && sum[length - 1] == '0') {
        length--;
    }
    while (length > 0) {
        putchar(sum[--length]);
    }
    putchar('\n');
    return 0;
}
