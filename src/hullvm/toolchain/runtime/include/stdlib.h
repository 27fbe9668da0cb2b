/* General utilities for hullvm programs: exit, number parsing, sorting, random numbers and
 * memory allocation. */
#ifndef HULLVM_STDLIB_H
#define HULLVM_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 32767

typedef struct {
    int quot;
    int rem;
} div_t;
typedef struct {
    long quot;
    long rem;
} ldiv_t;

/* Stops the program, and the host reports status as the exit code. */
__attribute__((noreturn)) void exit(int status);
/* Stops the program with the WebAssembly trap 'unreachable'. */
__attribute__((noreturn)) void abort(void);

int abs(int n);
long labs(long n);
long long llabs(long long n);
div_t div(int numerator, int denominator);
ldiv_t ldiv(long numerator, long denominator);

/* atoi and atol wrap around when the number does not fit. */
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
/* Base 0 reads a 0x prefix as hexadecimal and a leading 0 as octal; bases 2 to 36 are read
 * as given, and base 16 also skips a 0x prefix. A number that does not fit gives the nearest
 * limit (LONG_MAX, ULONG_MAX, ...) and sets errno to ERANGE. strtoul and strtoull negate a
 * number with a minus sign in the unsigned type. long is 32 bits and long long 64. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);

/* qsort is a heapsort: no recursion, no extra memory and not stable. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compare)(const void *, const void *));

/* A linear congruential generator: state = state * 1103515245 + 12345, and rand returns
 * bits 16 to 30 of the state. The state starts at 1, so every run gets the same sequence
 * unless srand changes it. */
int rand(void);
void srand(unsigned seed);

/* malloc returns 8-byte aligned blocks from the memory after the end of static data, each
 * after an 8-byte header that holds its size rounded up to a multiple of 8. It grows linear
 * memory with memory.grow when a block does not fit, and returns NULL when the memory would
 * pass its maximum. free puts a block on a list for its size (one list per size up to 256
 * bytes, one list for all larger blocks), and malloc takes a block from those lists before
 * new memory: the exact size for small blocks, the first large enough for large ones.
 * Blocks are never split or merged. realloc grows the last block of the heap in place and
 * otherwise moves the contents to a new block when they do not fit. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *block, size_t size);
void free(void *block);

#endif
