/* The C library of hullvm programs.
 *
 * Every executed instruction costs the machine work, and i32 multiplication, division, shifts
 * and bitwise operations run as helper loops there, so these functions avoid them where an
 * addition, subtraction or comparison does the job.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void __hullvm_exit(int status)
    __attribute__((noreturn, import_module("hullvm"), import_name("exit")));

/* The first byte after static data, which the linker defines. */
extern unsigned char __heap_base;

int __hullvm_pushback;

/* Hides x from the optimizer, and the empty assembly emits no instruction. Clang then cannot
 * prove that two copies are equal and fold x + x into a shift. Nor can it turn a branch on a
 * sign into bit operations, which the machine runs as helper loops. */
#define OPAQUE(x) __asm__("" : "+r"(x))

/* Returns the byte at p. Hiding the loaded value keeps clang from carrying it through a loop
 * as an 8-bit value, which it would widen with a mask of 255 at every use. */
static inline int load_byte(const unsigned char *p) {
    int byte = *p;
    OPAQUE(byte);
    return byte;
}

/* Returns 10 * value using additions only. */
static unsigned times_ten(unsigned value) {
    unsigned copy = value;
    OPAQUE(copy);
    unsigned twice = value + copy;
    unsigned twice_copy = twice;
    OPAQUE(twice_copy);
    unsigned four_times = twice + twice_copy;
    unsigned four_times_copy = four_times;
    OPAQUE(four_times_copy);
    return four_times + four_times_copy + twice;
}

/* External definitions of the inline functions in stdio.h. */
extern inline int putchar(int c);
extern inline int getchar(void);

/* ---- stdio ---- */

int ungetc(int c, FILE *stream) {
    (void)stream;
    if (c == EOF) {
        return EOF;
    }
    __hullvm_pushback = (unsigned char)c + 1;
    return (unsigned char)c;
}

int fputs(const char *s, FILE *stream) {
    (void)stream;
    /* Bytes are read as unsigned char here and below, because -mcpu=mvp code has no
     * sign-extension instructions and extends a signed char with two shifts. */
    const unsigned char *next = (const unsigned char *)s;
    for (int c = load_byte(next); c; c = load_byte(++next)) {
        putchar(c);
    }
    return 0;
}

int puts(const char *s) {
    fputs(s, stdout);
    putchar('\n');
    return 0;
}

char *fgets(char *s, int size, FILE *stream) {
    (void)stream;
    if (size <= 0) {
        return NULL;
    }
    int length = 0;
    while (length < size - 1) {
        int c = getchar();
        if (c == EOF) {
            if (length == 0) {
                return NULL;
            }
            break;
        }
        s[length++] = (char)c;
        if (c == '\n') {
            break;
        }
    }
    s[length] = '\0';
    return s;
}

/* Powers of the base from the largest that fits in 32 bits down to 1. */
static const unsigned decimal_powers[] = {
    1000000000u, 100000000u, 10000000u, 1000000u, 100000u, 10000u, 1000u, 100u, 10u, 1u};
static const unsigned hex_powers[] = {
    0x10000000u, 0x1000000u, 0x100000u, 0x10000u, 0x1000u, 0x100u, 0x10u, 1u};

/* Writes the digits of value into out without a terminator and returns their count. Each digit
 * is found by subtracting its power of the base, at most 15 times, in place of a division. */
__attribute__((noinline)) static int format_unsigned(char *out, unsigned value,
                                                     const unsigned *power, const char *digits) {
    /* Skip the powers above value, but never the final 1, so that 0 prints as "0". */
    unsigned at_least_one = value ? value : 1u;
    while (*power > at_least_one) {
        power++;
    }
    int count = 0;
    for (;;) {
        unsigned place = *power++;
        int digit = 0;
        while (value >= place) {
            value -= place;
            digit++;
        }
        out[count++] = digits[digit];
        if (place == 1) {
            return count;
        }
    }
}

static void put_repeated(int c, int count) {
    for (; count > 0; count--) {
        putchar(c);
    }
}

enum { PAD_LEFT_WITH_SPACES, PAD_LEFT_WITH_ZEROS, PAD_RIGHT_WITH_SPACES };

int vprintf(const char *format, va_list args) {
    const unsigned char *f = (const unsigned char *)format;
    int written = 0;
    for (int c = *f; c; c = *++f) {
        if (c != '%') {
            putchar(c);
            written++;
            continue;
        }
        c = *++f;
        int padding_mode = PAD_LEFT_WITH_SPACES;
        for (;; c = *++f) {
            if (c == '-') {
                padding_mode = PAD_RIGHT_WITH_SPACES;
            } else if (c == '0') {
                /* '-' overrides '0' in either order. */
                if (padding_mode != PAD_RIGHT_WITH_SPACES) {
                    padding_mode = PAD_LEFT_WITH_ZEROS;
                }
            } else {
                break;
            }
        }
        int width = 0;
        while (isdigit(c)) {
            width = (int)times_ten((unsigned)width) + (c - '0');
            c = *++f;
        }
        if (c == 'l' || c == 'z') {
            c = *++f;
        }

        char buffer[12];
        const char *text = buffer;
        int length = 1;
        int negative = 0;
        /* Without this, clang narrows the switch to 8 bits and masks c with 255 first. */
        OPAQUE(c);
        switch (c) {
        case 'd':
        case 'i': {
            int value = va_arg(args, int);
            unsigned magnitude = (unsigned)value;
            if (value < 0) {
                negative = 1;
                OPAQUE(magnitude);
                magnitude = 0u - magnitude;
            }
            length = format_unsigned(buffer, magnitude, decimal_powers, "0123456789");
            break;
        }
        case 'u':
            length = format_unsigned(buffer, va_arg(args, unsigned), decimal_powers, "0123456789");
            break;
        case 'x':
            length = format_unsigned(buffer, va_arg(args, unsigned), hex_powers,
                                     "0123456789abcdef");
            break;
        case 'X':
            length = format_unsigned(buffer, va_arg(args, unsigned), hex_powers,
                                     "0123456789ABCDEF");
            break;
        case 'c':
            buffer[0] = (char)va_arg(args, int);
            break;
        case 's':
            text = va_arg(args, const char *);
            if (!text) {
                text = "(null)";
            }
            length = (int)strlen(text);
            break;
        case '%':
            buffer[0] = '%';
            break;
        case '\0':
            /* A lone '%' ends the format. */
            return written;
        default:
            /* An unsupported conversion is printed as written, so the output shows it. */
            buffer[0] = '%';
            buffer[1] = (char)c;
            length = 2;
            break;
        }

        int padding = width - length - negative;
        if (padding < 0) {
            padding = 0;
        }
        written += padding + negative + length;
        if (padding_mode == PAD_LEFT_WITH_SPACES) {
            put_repeated(' ', padding);
        }
        if (negative) {
            putchar('-');
        }
        if (padding_mode == PAD_LEFT_WITH_ZEROS) {
            put_repeated('0', padding);
        }
        for (int i = 0; i < length; i++) {
            putchar(text[i]);
        }
        if (padding_mode == PAD_RIGHT_WITH_SPACES) {
            put_repeated(' ', padding);
        }
    }
    return written;
}

int printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int written = vprintf(format, args);
    va_end(args);
    return written;
}

/* ungetc for bytes that getchar returned, which need no masking to unsigned char. */
static void push_back(int c) {
    if (c != EOF) {
        __hullvm_pushback = c + 1;
    }
}

/* Returns the first input byte that is not whitespace, or EOF. */
static int skip_whitespace(void) {
    int c;
    do {
        c = getchar();
    } while (isspace(c));
    return c;
}

int scanf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    const unsigned char *f = (const unsigned char *)format;
    int assigned = 0;
    int c = 0;
    for (int directive = *f; directive; directive = *++f) {
        if (isspace(directive)) {
            push_back(skip_whitespace());
            continue;
        }
        if (directive != '%') {
            c = getchar();
            if (c != directive) {
                push_back(c);
                break;
            }
            continue;
        }
        /* Hiding each loaded byte keeps clang from merging the two loads into one 8-bit value
         * that it then masks with 255. */
        directive = *++f;
        OPAQUE(directive);
        if (directive == 'l' || directive == 'z') {
            directive = *++f;
            OPAQUE(directive);
        }
        if (directive == 'c') {
            c = getchar();
            if (c == EOF) {
                break;
            }
            *va_arg(args, char *) = (char)c;
            assigned++;
            continue;
        }
        c = skip_whitespace();
        if (directive == '%') {
            if (c != '%') {
                push_back(c);
                break;
            }
            continue;
        }
        if (directive == 's') {
            if (c == EOF) {
                break;
            }
            char *out = va_arg(args, char *);
            while (c != EOF && !isspace(c)) {
                *out++ = (char)c;
                c = getchar();
            }
            *out = '\0';
            push_back(c);
            assigned++;
            continue;
        }
        if (directive != 'd' && directive != 'i' && directive != 'u') {
            /* An unsupported conversion stops the scan like a matching failure. */
            push_back(c);
            break;
        }
        int negative = c == '-';
        if (c == '-' || c == '+') {
            c = getchar();
        }
        if (!isdigit(c)) {
            push_back(c);
            break;
        }
        unsigned value = 0;
        while (isdigit(c)) {
            value = times_ten(value) + (unsigned)(c - '0');
            c = getchar();
        }
        push_back(c);
        if (negative) {
            OPAQUE(value);
            value = 0u - value;
        }
        *va_arg(args, unsigned *) = value;
        assigned++;
    }
    va_end(args);
    if (assigned == 0 && c == EOF) {
        return EOF;
    }
    return assigned;
}

/* ---- stdlib ---- */

void exit(int status) {
    __hullvm_exit(status);
}

void abort(void) {
    __builtin_trap();
}

int abs(int n) {
    if (n < 0) {
        OPAQUE(n);
        n = -n;
    }
    return n;
}

int atoi(const char *s) {
    const unsigned char *next = (const unsigned char *)s;
    while (isspace(*next)) {
        next++;
    }
    int negative = 0;
    if (*next == '-') {
        negative = 1;
        next++;
    } else if (*next == '+') {
        next++;
    }
    unsigned value = 0;
    while (isdigit(*next)) {
        value = times_ten(value) + (unsigned)(*next++ - '0');
    }
    if (negative) {
        OPAQUE(value);
        value = 0u - value;
    }
    return (int)value;
}

static uintptr_t heap_next = (uintptr_t)&__heap_base;

#define PAGE_SIZE 65536u

void *malloc(size_t size) {
    uintptr_t start = (heap_next + 7) & ~(uintptr_t)7;
    uintptr_t end_of_memory = __builtin_wasm_memory_size(0) * PAGE_SIZE;
    if (size > end_of_memory - start) {
        /* Grow the memory by the pages the block lacks; memory.grow returns -1 when the
         * memory would pass its maximum. */
        uintptr_t missing = size - (end_of_memory - start);
        uintptr_t pages = missing / PAGE_SIZE + (missing % PAGE_SIZE != 0);
        if (size > SIZE_MAX - start || __builtin_wasm_memory_grow(0, pages) == SIZE_MAX) {
            return NULL;
        }
    }
    heap_next = start + size;
    return (void *)start;
}

void *calloc(size_t count, size_t size) {
    if (size) {
        /* Hiding the limit keeps clang from rewriting this check as a 64-bit multiplication. */
        size_t max_count = SIZE_MAX / size;
        OPAQUE(max_count);
        if (count > max_count) {
            return NULL;
        }
    }
    /* Memory past __heap_base starts zeroed and malloc never hands out a byte twice, so every
     * block it returns is still zero. */
    return malloc(count * size);
}

void free(void *block) {
    (void)block;
}

/* ---- string ---- */

size_t strlen(const char *s) {
    const char *end = s;
    while (*end) {
        end++;
    }
    return (size_t)(end - s);
}

int strcmp(const char *a, const char *b) {
    const unsigned char *left = (const unsigned char *)a;
    const unsigned char *right = (const unsigned char *)b;
    int c = load_byte(left);
    while (c && c == *right) {
        c = load_byte(++left);
        right++;
    }
    return c - *right;
}

int strncmp(const char *a, const char *b, size_t n) {
    const unsigned char *left = (const unsigned char *)a;
    const unsigned char *right = (const unsigned char *)b;
    for (; n; n--, left++, right++) {
        if (*left != *right || !*left) {
            return *left - *right;
        }
    }
    return 0;
}

char *strcpy(char *destination, const char *source) {
    char *out = destination;
    while ((*out++ = *source++)) {
    }
    return destination;
}

char *strcat(char *destination, const char *source) {
    strcpy(destination + strlen(destination), source);
    return destination;
}

char *strchr(const char *s, int c) {
    const unsigned char *next = (const unsigned char *)s;
    int target = (unsigned char)c;
    for (;; next++) {
        int byte = load_byte(next);
        if (byte == target) {
            return (char *)next;
        }
        if (!byte) {
            return NULL;
        }
    }
}

void *memcpy(void *destination, const void *source, size_t n) {
    unsigned char *out = destination;
    const unsigned char *in = source;
    /* Unrolled copies would compute n % 4 with an i32.and, which the machine runs as a loop. */
#pragma clang loop unroll(disable)
    while (n--) {
        *out++ = *in++;
    }
    return destination;
}

void *memmove(void *destination, const void *source, size_t n) {
    unsigned char *out = destination;
    const unsigned char *in = source;
    if (out <= in) {
        return memcpy(destination, source, n);
    }
#pragma clang loop unroll(disable)
    while (n--) {
        out[n] = in[n];
    }
    return destination;
}

void *memset(void *destination, int c, size_t n) {
    unsigned char *out = destination;
#pragma clang loop unroll(disable)
    while (n--) {
        *out++ = (unsigned char)c;
    }
    return destination;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *left = a;
    const unsigned char *right = b;
    for (; n; n--, left++, right++) {
        if (*left != *right) {
            return *left - *right;
        }
    }
    return 0;
}
