/* General utilities for hullvm programs: exit, integer helpers and a bump allocator. */
#ifndef HULLVM_STDLIB_H
#define HULLVM_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Stops the program, and the host reports status as the exit code. */
__attribute__((noreturn)) void exit(int status);
/* Stops the program with the WebAssembly trap 'unreachable'. */
__attribute__((noreturn)) void abort(void);

int abs(int n);
int atoi(const char *s);

/* malloc returns 8-byte aligned blocks from the memory after the end of static data. It grows
 * linear memory with memory.grow when a block does not fit, and returns NULL when the memory
 * would pass its maximum. free does nothing, so memory is never reused. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *block);

#endif
