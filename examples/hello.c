/* Greets the name on the first input line, or the world when there is no input. */
#include <stdio.h>

int main(void) {
    char name[64];
    int length = 0;
    int c;
    while (length < 63 && (c = getchar()) != EOF && c != '\n') {
        name[length++] = (char)c;
    }
    name[length] = '\0';
    printf("Hello, %s!\n", length ? name : "world");
    return 0;
}
