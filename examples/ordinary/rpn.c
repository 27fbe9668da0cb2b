/* Reverse Polish notation calculator: each input line is an expression such as "3 4 + 2 *".
 * Numbers may be decimal, hexadecimal (0x1F) or octal (017). Operators: + - * / % and
 * "dup", "swap". Prints the value of each line, or an error for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_SIZE 32

static long long stack[STACK_SIZE];
static int depth;

static int push(long long value) {
    if (depth == STACK_SIZE) {
        return 0;
    }
    stack[depth++] = value;
    return 1;
}

static const char *evaluate(char *line, long long *result) {
    depth = 0;
    for (char *token = strtok(line, " \t\n"); token; token = strtok(NULL, " \t\n")) {
        char *end;
        long long number = strtoll(token, &end, 0);
        if (end != token && *end == '\0') {
            if (!push(number)) {
                return "stack overflow";
            }
            continue;
        }
        if (strcmp(token, "dup") == 0) {
            if (depth < 1 || !push(stack[depth - 1])) {
                return "cannot dup";
            }
            continue;
        }
        if (depth < 2) {
            return "stack underflow";
        }
        long long b = stack[--depth];
        long long a = stack[--depth];
        if (strcmp(token, "swap") == 0) {
            push(b);
            push(a);
            continue;
        }
        if (strlen(token) != 1 || !strchr("+-*/%", token[0])) {
            return "unknown token";
        }
        switch (token[0]) {
        case '+': a += b; break;
        case '-': a -= b; break;
        case '*': a *= b; break;
        case '/':
        case '%':
            if (b == 0) {
                return "division by zero";
            }
            a = token[0] == '/' ? a / b : a % b;
            break;
        }
        push(a);
    }
    if (depth != 1) {
        return depth ? "too many values" : "empty expression";
    }
    *result = stack[0];
    return NULL;
}

static void run_line(const char *program, const char *text) {
    char line[200];
    strncpy(line, text, sizeof line - 1);
    line[sizeof line - 1] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (line[strspn(line, " \t")] == '\0') {
        return;
    }
    char copy[200];
    strcpy(copy, line);
    long long value;
    const char *error = evaluate(copy, &value);
    if (error) {
        printf("%s: %s: %s\n", program, line, error);
    } else {
        printf("%s = %lld\n", line, value);
    }
}

int main(int argc, char **argv) {
    (void)argc;
    static const char *default_lines[] = {"3 4 + 2 *", "1 0x10 swap - dup *", "7 0 /", "2 +"};
    char line[200];
    int lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        run_line(argv[0], line);
        lines++;
    }
    if (lines == 0) {
        for (int i = 0; i < 4; i++) {
            run_line(argv[0], default_lines[i]);
        }
    }
    return 0;
}
