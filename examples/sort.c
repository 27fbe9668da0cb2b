/* Reads up to MAX_COUNT integers, sorts them by insertion sort and prints them in ascending
 * order. Without input it sorts a built-in list. */
#include <stdio.h>

#define MAX_COUNT 1000

static int numbers[MAX_COUNT];

int main(void) {
    int count = 0;
    while (count < MAX_COUNT && scanf("%d", &numbers[count]) == 1) {
        count++;
    }
    if (count == 0) {
        static const int default_numbers[] = {31, -4, 15, 9, 26, -5, 3, 58, 97, 0, 9, 32};
        count = sizeof default_numbers / sizeof default_numbers[0];
        for (int i = 0; i < count; i++) {
            numbers[i] = default_numbers[i];
        }
    }

    for (int i = 1; i < count; i++) {
        int value = numbers[i];
        int j = i;
        while (j > 0 && numbers[j - 1] > value) {
            numbers[j] = numbers[j - 1];
            j--;
        }
        numbers[j] = value;
    }

    for (int i = 0; i < count; i++) {
        printf(i ? " %d" : "%d", numbers[i]);
    }
    putchar('\n');
    return 0;
}
