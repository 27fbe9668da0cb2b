/* Evaluates lines of the form "a op b" with 32-bit integers, where op is one of + - * / %,
 * by calling the operation through a table of function pointers. Without input it evaluates
 * three built-in lines. */
#include <stdio.h>

typedef int (*operation)(int, int);

static int add(int a, int b) { return a + b; }
static int subtract(int a, int b) { return a - b; }
static int multiply(int a, int b) { return a * b; }
static int divide(int a, int b) { return b ? a / b : 0; }
static int modulo(int a, int b) { return b ? a % b : 0; }

static const char symbols[] = "+-*/%";
static const operation operations[] = {add, subtract, multiply, divide, modulo};

static void evaluate(int a, char symbol, int b) {
    for (int i = 0; symbols[i]; i++) {
        if (symbols[i] == symbol) {
            printf("%d %c %d = %d\n", a, symbol, b, operations[i](a, b));
            return;
        }
    }
    printf("unknown operator %c\n", symbol);
}

int main(void) {
    int a;
    int b;
    char symbol;
    int lines = 0;
    while (scanf("%d %c %d", &a, &symbol, &b) == 3) {
        evaluate(a, symbol, b);
        lines++;
    }
    if (lines == 0) {
        evaluate(6, '*', 7);
        evaluate(-17, '/', 5);
        evaluate(100, '%', 7);
    }
    return 0;
}
