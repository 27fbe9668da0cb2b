/* Character classes of the ASCII "C" locale. Each takes an unsigned char value or EOF. */
#ifndef HULLVM_CTYPE_H
#define HULLVM_CTYPE_H

/* Range checks use one unsigned comparison: c - low wraps to a large value when c < low. */
static inline int isdigit(int c) { return (unsigned)c - '0' < 10; }
static inline int islower(int c) { return (unsigned)c - 'a' < 26; }
static inline int isupper(int c) { return (unsigned)c - 'A' < 26; }
static inline int isalpha(int c) { return islower(c) || isupper(c); }
static inline int isalnum(int c) { return isalpha(c) || isdigit(c); }
static inline int isxdigit(int c) {
    return isdigit(c) || (unsigned)c - 'a' < 6 || (unsigned)c - 'A' < 6;
}
static inline int isspace(int c) { return c == ' ' || (unsigned)c - '\t' < 5; }
static inline int isprint(int c) { return (unsigned)c - ' ' < 95; }
static inline int ispunct(int c) { return isprint(c) && c != ' ' && !isalnum(c); }
static inline int tolower(int c) { return isupper(c) ? c + ('a' - 'A') : c; }
static inline int toupper(int c) { return islower(c) ? c - ('a' - 'A') : c; }

#endif
