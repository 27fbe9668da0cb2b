/* Standard input and output for hullvm programs.
 *
 * The host moves one byte per call: putchar writes a byte to stdout and getchar reads the next
 * input byte, or returns EOF at the end of input. stdin and stdout are the only streams, and
 * every function that takes a FILE * ignores which of the two it is given.
 */
#ifndef HULLVM_STDIO_H
#define HULLVM_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

typedef struct __hullvm_file FILE;
#define stdin ((FILE *)1)
#define stdout ((FILE *)2)

void __hullvm_putchar(int c) __attribute__((import_module("hullvm"), import_name("putchar")));
int __hullvm_getchar(void) __attribute__((import_module("hullvm"), import_name("getchar")));

/* One plus the byte that ungetc pushed back, or 0 when none is pending. */
extern int __hullvm_pushback;

/* putchar and getchar are C99 inline definitions, so calls compile to the host import. libc.c
 * provides the external definitions for calls that are not inlined. */
inline int putchar(int c) {
    __hullvm_putchar(c);
    return (unsigned char)c;
}

inline int getchar(void) {
    int pending = __hullvm_pushback;
    if (pending) {
        __hullvm_pushback = 0;
        return pending - 1;
    }
    return __hullvm_getchar();
}

int ungetc(int c, FILE *stream);
int puts(const char *s);
int fputs(const char *s, FILE *stream);
char *fgets(char *s, int size, FILE *stream);

#define putc(c, stream) putchar(c)
#define fputc(c, stream) putchar(c)
#define getc(stream) getchar()
#define fgetc(stream) getchar()

/* Conversions: %d %i %u %x %X %c %s %%, with the flags '-' and '0', a decimal width and the
 * length modifiers 'l' and 'z', which change nothing because long and size_t are 32 bits. */
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *format, va_list args);

/* Conversions: %d %i %u (decimal only), %s, %c and %%. Whitespace in the format skips any
 * amount of input whitespace. Returns the number of assigned values, or EOF when the input
 * ends before the first one. */
int scanf(const char *format, ...) __attribute__((format(scanf, 1, 2)));

#endif
