/* String tokenizer: splits each input line into numbers, identifiers, strings in double
 * quotes and operators, and prints one token per line with its kind and column. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum kind { NUMBER, IDENTIFIER, STRING, OPERATOR, ERROR };
static const char *const kind_names[] = {"number", "ident", "string", "op", "error"};

/* Two-character operators, tried before single characters. */
static const char *const long_operators[] = {"==", "!=", "<=", ">=", "&&", "||", "++", "--"};

/* Returns the length of the token at s and its kind in *kind. */
static int scan_token(const char *s, enum kind *kind) {
    int n = 0;
    if (isdigit((unsigned char)s[0])) {
        while (isdigit((unsigned char)s[n])) {
            n++;
        }
        *kind = NUMBER;
        return n;
    }
    if (isalpha((unsigned char)s[0]) || s[0] == '_') {
        while (isalnum((unsigned char)s[n]) || s[n] == '_') {
            n++;
        }
        *kind = IDENTIFIER;
        return n;
    }
    if (s[0] == '"') {
        const char *close = strchr(s + 1, '"');
        if (!close) {
            *kind = ERROR;
            return (int)strlen(s);
        }
        *kind = STRING;
        return (int)(close - s) + 1;
    }
    for (size_t i = 0; i < sizeof long_operators / sizeof *long_operators; i++) {
        if (strncmp(s, long_operators[i], 2) == 0) {
            *kind = OPERATOR;
            return 2;
        }
    }
    *kind = strchr("+-*/%=<>!&|(){};,", s[0]) ? OPERATOR : ERROR;
    return 1;
}

static int tokenize(const char *line, int line_number) {
    int tokens = 0;
    const char *p = line;
    while (*p) {
        p += strspn(p, " \t\r\n");
        if (!*p) {
            break;
        }
        enum kind kind;
        int n = scan_token(p, &kind);
        printf("%d:%-3d %-6s %.*s\n", line_number, (int)(p - line) + 1, kind_names[kind], n, p);
        p += n;
        tokens++;
    }
    return tokens;
}

int main(void) {
    char line[160];
    int line_number = 0, total = 0;
    while (fgets(line, sizeof line, stdin)) {
        total += tokenize(line, ++line_number);
    }
    if (line_number == 0) {
        total = tokenize("if (count >= 10) name = \"big\"; x++ # y", 1);
    }
    printf("%d tokens\n", total);
    return 0;
}
