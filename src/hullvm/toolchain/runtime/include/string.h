/* String and memory functions for hullvm programs. */
#ifndef HULLVM_STRING_H
#define HULLVM_STRING_H

#include <stddef.h>

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *destination, const char *source);
char *strcat(char *destination, const char *source);
char *strchr(const char *s, int c);

void *memcpy(void *destination, const void *source, size_t n);
void *memmove(void *destination, const void *source, size_t n);
void *memset(void *destination, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
