/* Reverses the letters of every word in the input and keeps the words, spaces and line breaks
 * in place. A word is a run of characters other than spaces, tabs and line breaks. Without
 * input it reverses a built-in sentence. */
#include <stdio.h>

#define MAX_WORD 256

static const char default_text[] = "Hello, world!\nhullvm runs C\n";

int main(void) {
    const char *fallback = NULL;
    int c = getchar();
    if (c == EOF) {
        fallback = default_text;
        c = *fallback++;
    }
    char word[MAX_WORD];
    int length = 0;
    while (c != EOF && c != '\0') {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            while (length > 0) {
                putchar(word[--length]);
            }
            putchar(c);
        } else {
            if (length == MAX_WORD) {
                /* A word longer than the buffer is reversed in pieces. */
                while (length > 0) {
                    putchar(word[--length]);
                }
            }
            word[length++] = (char)c;
        }
        c = fallback ? *fallback++ : getchar();
    }
    while (length > 0) {
        putchar(word[--length]);
    }
    return 0;
}
