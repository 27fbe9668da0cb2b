/* Run-length encoding: each input line is encoded as count-and-character pairs ("aaab" is
 * "3a1b"), decoded again and checked. Prints the encoding and the compression ratio. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the encoding of text into out, which holds size bytes; returns its length. */
static int encode(const char *text, char *out, size_t size) {
    int length = 0;
    out[0] = '\0';
    for (size_t i = 0; text[i];) {
        size_t run = 1;
        while (text[i + run] == text[i]) {
            run++;
        }
        int n = snprintf(out + length, size - (size_t)length, "%zu%c", run, text[i]);
        if (n < 0 || (size_t)(length + n) >= size) {
            return -1;
        }
        length += n;
        i += run;
    }
    return length;
}

/* Returns a newly allocated decoding of code, or NULL if it is malformed. */
static char *decode(const char *code) {
    size_t capacity = 16, length = 0;
    char *out = malloc(capacity);
    while (out && *code) {
        char *end;
        unsigned long run = strtoul(code, &end, 10);
        if (end == code || run == 0 || !*end) {
            free(out);
            return NULL;
        }
        while (length + run + 1 > capacity) {
            capacity *= 2;
            char *grown = realloc(out, capacity);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        memset(out + length, *end, run);
        length += run;
        code = end + 1;
    }
    if (out) {
        out[length] = '\0';
    }
    return out;
}

static void process(const char *text) {
    char code[256];
    int n = encode(text, code, sizeof code);
    if (n < 0) {
        printf("too long to encode\n");
        return;
    }
    char *back = decode(code);
    int ok = back && strcmp(back, text) == 0;
    size_t length = strlen(text);
    printf("%s -> %s (%d/%zu = %d%%)%s\n", text, code, n, length,
           length ? (int)(100 * (size_t)n / length) : 0, ok ? "" : " MISMATCH");
    free(back);
}

int main(void) {
    char line[128];
    int lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        process(line);
        lines++;
    }
    if (!lines) {
        process("aaaabbbcca");
        process("WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWBWWWWWWWWWWWWWW");
        process("abc");
    }
    return 0;
}
