/* Standard input and output for hullvm programs.
 *
 * The host moves one byte per call: putchar writes a byte to the output and getchar reads the
 * next input byte, or returns EOF at the end of input. There are no files. stdin, stdout and
 * stderr are the only streams, and stdout and stderr are the same output byte stream, so
 * fprintf(stderr, ...) writes to it in order with printf. Functions that take a FILE * ignore
 * which stream they are given.
 *
 * printf and its family: the conversions d i u x X o c s p and %%, the flags - + space 0 #, a
 * width and a precision given as digits or as *, and the length modifiers hh h l ll j z t.
 * long, size_t and pointers are 32 bits; ll and j take a 64-bit argument. There is no float
 * formatting (%f %e %g %a) and no %n. An unsupported conversion is printed as written.
 *
 * scanf and its family: the conversions d i u x X o c s [set] and %%, with a width, * to skip
 * the assignment and the length modifiers hh h l ll j z t. A number that does not fit wraps
 * around. They return the number of assigned values, or EOF when the input ends before the
 * first conversion.
 */
#ifndef HULLVM_STDIO_H
#define HULLVM_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define BUFSIZ 1024

typedef struct __hullvm_file FILE;
#define stdin ((FILE *)1)
#define stdout ((FILE *)2)
#define stderr ((FILE *)3)

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

/* ungetc keeps one byte; a second call before the next read replaces it. */
int ungetc(int c, FILE *stream);
int puts(const char *s);
int fputs(const char *s, FILE *stream);
int fputc(int c, FILE *stream);
int putc(int c, FILE *stream);
int fgetc(FILE *stream);
int getc(FILE *stream);
char *fgets(char *s, int size, FILE *stream);
/* Output is not buffered, so fflush only returns 0. */
int fflush(FILE *stream);

/* The macros skip a call; the functions above remain for taking their address. */
#define putc(c, stream) ((void)(stream), putchar(c))
#define fputc(c, stream) ((void)(stream), putchar(c))
#define getc(stream) ((void)(stream), getchar())
#define fgetc(stream) ((void)(stream), getchar())

int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
int sprintf(char *s, const char *format, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *s, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int vprintf(const char *format, va_list args);
int vfprintf(FILE *stream, const char *format, va_list args);
int vsprintf(char *s, const char *format, va_list args);
int vsnprintf(char *s, size_t size, const char *format, va_list args);

int scanf(const char *format, ...) __attribute__((format(scanf, 1, 2)));
int fscanf(FILE *stream, const char *format, ...) __attribute__((format(scanf, 2, 3)));
int sscanf(const char *s, const char *format, ...) __attribute__((format(scanf, 2, 3)));
int vscanf(const char *format, va_list args);
int vfscanf(FILE *stream, const char *format, va_list args);
int vsscanf(const char *s, const char *format, va_list args);

#endif
