/* The C library of hullvm programs.
 *
 * Every executed instruction costs the machine work, and i32 multiplication, division, shifts
 * and bitwise operations on two variables run as helper loops there, so these functions avoid
 * them where an addition, subtraction or comparison does the job. The same operations with a
 * constant operand are short straight-line code. i64 values run as pairs of 32-bit words, so
 * the 64-bit paths below are taken only for arguments and results that need them.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void __hullvm_exit(int status)
    __attribute__((noreturn, import_module("hullvm"), import_name("exit")));

/* The first byte after static data, which the linker defines. */
extern unsigned char __heap_base;

int __hullvm_pushback;
int errno;

/* Hides x from the optimizer, and the empty assembly emits no instruction. Clang then cannot
 * prove that two copies are equal and fold x + x into a shift. Nor can it turn a branch on a
 * sign into bit operations, which the machine runs as helper loops. */
#define OPAQUE(x) __asm__("" : "+r"(x))

/* The readers and writers below are inlined into scanf's and printf's loops, so that their
 * state structs become local variables there instead of memory, which costs the machine more
 * per access. */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

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

/* Returns 10 * value using 64-bit additions only. */
static unsigned long long times_ten_wide(unsigned long long value) {
    unsigned long long copy = value;
    OPAQUE(copy);
    unsigned long long twice = value + copy;
    unsigned long long twice_copy = twice;
    OPAQUE(twice_copy);
    unsigned long long four_times = twice + twice_copy;
    unsigned long long four_times_copy = four_times;
    OPAQUE(four_times_copy);
    return four_times + four_times_copy + twice;
}

/* External definitions of the inline functions in stdio.h. */
extern inline int putchar(int c);
extern inline int getchar(void);

/* ---- reading characters and numbers, shared by scanf, sscanf and strtol ---- */

/* The source that scanf and strtol read: a string, or the input through getchar when next is
 * NULL. A field of scanf with a width may take at most limit more bytes. */
struct reader {
    const unsigned char *next;
    int limit;
    int ended; /* set when the input or the string has ended */
};

/* ungetc for bytes that getchar returned, which need no masking to unsigned char. */
static void push_back(int c) {
    if (c != EOF) {
        __hullvm_pushback = c + 1;
    }
}

/* Returns the next byte, or EOF at the end of the input or of the field's width. */
ALWAYS_INLINE int read_char(struct reader *in) {
    if (!in->limit) {
        return EOF;
    }
    int c;
    if (in->next) {
        c = load_byte(in->next);
        if (!c) {
            in->ended = 1;
            return EOF;
        }
        in->next++;
    } else {
        c = getchar();
        if (c == EOF) {
            in->ended = 1;
            return EOF;
        }
    }
    in->limit--;
    return c;
}

/* Puts back the byte that read_char returned last; EOF puts back nothing. */
ALWAYS_INLINE void unread_char(struct reader *in, int c) {
    if (c == EOF) {
        return;
    }
    in->limit++;
    if (in->next) {
        in->next--;
    } else {
        push_back(c);
    }
}

/* isspace written as comparisons. For isspace on a byte, clang otherwise tests a bit of a mask
 * with a variable shift. */
static int is_space(int c) {
    if (c == ' ') {
        return 1;
    }
    OPAQUE(c);
    return (unsigned)c - '\t' < 5;
}

/* Returns the first byte that is not whitespace, or EOF. */
ALWAYS_INLINE int skip_whitespace(struct reader *in) {
    int c;
    do {
        c = read_char(in);
    } while (is_space(c));
    return c;
}

/* Returns the value of c as a digit in bases up to 36, or 36 for any other byte. */
static unsigned digit_value(int c) {
    if (isdigit(c)) {
        return (unsigned)(c - '0');
    }
    if (islower(c)) {
        return (unsigned)(c - 'a' + 10);
    }
    if (isupper(c)) {
        return (unsigned)(c - 'A' + 10);
    }
    return 36;
}

/* The largest values that can be multiplied by each base from 2 to 36 without overflow. */
#define CUTOFFS(max)                                                                        \
    {                                                                                       \
        0, 0, max / 2, max / 3, max / 4, max / 5, max / 6, max / 7, max / 8, max / 9,       \
        max / 10, max / 11, max / 12, max / 13, max / 14, max / 15, max / 16, max / 17,     \
        max / 18, max / 19, max / 20, max / 21, max / 22, max / 23, max / 24, max / 25,     \
        max / 26, max / 27, max / 28, max / 29, max / 30, max / 31, max / 32, max / 33,     \
        max / 34, max / 35, max / 36                                                        \
    }
static const unsigned cutoff[] = CUTOFFS(0xFFFFFFFFu);
static const unsigned long long cutoff_wide[] = CUTOFFS(0xFFFFFFFFFFFFFFFFull);

/* Returns value * base. Bases 8, 10 and 16 avoid the multiplication helper. */
static unsigned times_base(unsigned value, unsigned base) {
    if (base == 10) {
        return times_ten(value);
    }
    OPAQUE(value);
    if (base == 16) {
        return value << 4;
    }
    if (base == 8) {
        return value << 3;
    }
    return value * base;
}

static unsigned long long times_base_wide(unsigned long long value, unsigned base) {
    if (base == 10) {
        return times_ten_wide(value);
    }
    OPAQUE(value);
    if (base == 16) {
        return value << 4;
    }
    if (base == 8) {
        return value << 3;
    }
    return value * base;
}

/* An integer as read_integer found it: its magnitude, in value or, for a 64-bit field, in
 * wide_value, whether a minus sign came first, and whether the magnitude did not fit (it then
 * keeps the last value that did). */
struct number {
    unsigned value;
    unsigned long long wide_value;
    int negative;
    int overflow;
};

/* Reads an optional sign and the digits of an integer in base: 2 to 36, or 0 to take base 16
 * after 0x or 0X, base 8 after another leading 0 and base 10 otherwise. Base 16 also skips a
 * 0x prefix. A 0x that no hexadecimal digit follows is read as the number 0. Returns the
 * number of digits read, which is 0 when the input contains no number. */
ALWAYS_INLINE int read_integer(struct reader *in, unsigned base, int wide,
                               struct number *number) {
    number->value = 0;
    number->wide_value = 0;
    number->overflow = 0;
    int c = read_char(in);
    number->negative = c == '-';
    if (c == '-' || c == '+') {
        c = read_char(in);
    }
    int digits = 0;
    if (c == '0' && (base == 0 || base == 16)) {
        digits = 1;
        c = read_char(in);
        if (c == 'x' || c == 'X') {
            int after = read_char(in);
            if (digit_value(after) < 16) {
                base = 16;
                c = after;
            } else {
                /* A string gets both bytes back; the input keeps only one pushed-back byte, so
                 * the x stays read there. */
                unread_char(in, after);
                if (in->next) {
                    unread_char(in, c);
                }
                return digits;
            }
        } else if (base == 0) {
            base = 8;
        }
    }
    if (base == 0) {
        base = 10;
    }
    unsigned digit;
    if (base == 10 && !wide) {
        /* The common case, without the table of limits and the choice of multiplication. */
        unsigned value = 0;
        while (isdigit(c)) {
            digit = (unsigned)(c - '0');
            if (value < 429496729u) {
                value = times_ten(value) + digit;
            } else if (value == 429496729u && digit <= 5) {
                value = 4294967290u + digit;
            } else {
                number->overflow = 1;
            }
            digits++;
            c = read_char(in);
        }
        number->value = value;
    } else if (wide) {
        unsigned long long limit = cutoff_wide[base];
        unsigned long long value = 0;
        while ((digit = digit_value(c)) < base) {
            if (value > limit) {
                number->overflow = 1;
            } else {
                unsigned long long product = times_base_wide(value, base);
                unsigned long long sum = product + digit;
                if (sum < product) {
                    number->overflow = 1;
                } else {
                    value = sum;
                }
            }
            digits++;
            c = read_char(in);
        }
        number->wide_value = value;
    } else {
        unsigned limit = cutoff[base];
        unsigned value = 0;
        while ((digit = digit_value(c)) < base) {
            if (value > limit) {
                number->overflow = 1;
            } else {
                unsigned product = times_base(value, base);
                unsigned sum = product + digit;
                if (sum < product) {
                    number->overflow = 1;
                } else {
                    value = sum;
                }
            }
            digits++;
            c = read_char(in);
        }
        number->value = value;
    }
    unread_char(in, c);
    return digits;
}

/* ---- stdio ---- */

int ungetc(int c, FILE *stream) {
    (void)stream;
    if (c == EOF) {
        return EOF;
    }
    __hullvm_pushback = (unsigned char)c + 1;
    return (unsigned char)c;
}

#undef putc
#undef fputc
#undef getc
#undef fgetc

int fputc(int c, FILE *stream) {
    (void)stream;
    return putchar(c);
}

int putc(int c, FILE *stream) {
    (void)stream;
    return putchar(c);
}

int fgetc(FILE *stream) {
    (void)stream;
    return getchar();
}

int getc(FILE *stream) {
    (void)stream;
    return getchar();
}

int fflush(FILE *stream) {
    (void)stream;
    return 0;
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

/* Powers of each base from the largest that fits in 32 or 64 bits down to 1, in the order
 * decimal, hexadecimal, octal. */
static const unsigned decimal_powers[] = {
    1000000000u, 100000000u, 10000000u, 1000000u, 100000u, 10000u, 1000u, 100u, 10u, 1u};
static const unsigned hex_powers[] = {
    0x10000000u, 0x1000000u, 0x100000u, 0x10000u, 0x1000u, 0x100u, 0x10u, 1u};
static const unsigned octal_powers[] = {
    010000000000u, 01000000000u, 0100000000u, 010000000u, 01000000u, 0100000u, 010000u, 01000u,
    0100u, 010u, 1u};
static const unsigned long long decimal_powers_wide[] = {
    10000000000000000000ull, 1000000000000000000ull, 100000000000000000ull,
    10000000000000000ull, 1000000000000000ull, 100000000000000ull, 10000000000000ull,
    1000000000000ull, 100000000000ull, 10000000000ull, 1000000000ull, 100000000ull,
    10000000ull, 1000000ull, 100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull};
static const unsigned long long hex_powers_wide[] = {
    0x1000000000000000ull, 0x100000000000000ull, 0x10000000000000ull, 0x1000000000000ull,
    0x100000000000ull, 0x10000000000ull, 0x1000000000ull, 0x100000000ull, 0x10000000ull,
    0x1000000ull, 0x100000ull, 0x10000ull, 0x1000ull, 0x100ull, 0x10ull, 1ull};
static const unsigned long long octal_powers_wide[] = {
    01000000000000000000000ull, 0100000000000000000000ull, 010000000000000000000ull,
    01000000000000000000ull, 0100000000000000000ull, 010000000000000000ull,
    01000000000000000ull, 0100000000000000ull, 010000000000000ull, 01000000000000ull,
    0100000000000ull, 010000000000ull, 01000000000ull, 0100000000ull, 010000000ull,
    01000000ull, 0100000ull, 010000ull, 01000ull, 0100ull, 010ull, 1ull};
static const unsigned *const powers[] = {decimal_powers, hex_powers, octal_powers};
static const unsigned long long *const powers_wide[] = {
    decimal_powers_wide, hex_powers_wide, octal_powers_wide};

enum { DECIMAL, HEX, OCTAL };

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

/* format_unsigned for values of 2**32 and more. */
__attribute__((noinline)) static int format_unsigned_wide(char *out, unsigned long long value,
                                                          const unsigned long long *power,
                                                          const char *digits) {
    while (*power > value) {
        power++;
    }
    int count = 0;
    for (;;) {
        unsigned long long place = *power++;
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

/* The destination of formatted output: putchar, or buffer, which takes at most room more
 * bytes. count is the number of bytes produced, stored or not. */
struct sink {
    int to_buffer;
    char *buffer;
    size_t room;
    int count;
};

ALWAYS_INLINE void emit(struct sink *out, int c) {
    out->count++;
    if (!out->to_buffer) {
        putchar(c);
    } else if (out->room) {
        *out->buffer++ = (char)c;
        out->room--;
    }
}

/* Writes c to putchar or into the buffer, without counting it. */
ALWAYS_INLINE void put_byte(struct sink *out, int to_buffer, int c) {
    if (!to_buffer) {
        putchar(c);
    } else if (out->room) {
        *out->buffer++ = (char)c;
        out->room--;
    }
}

ALWAYS_INLINE void put_repeated(struct sink *out, int to_buffer, int c, int count) {
    /* Hiding count keeps clang from joining the loop's first test with the caller's tests by
     * bitwise or. */
    OPAQUE(count);
    for (; count > 0; count--) {
        put_byte(out, to_buffer, c);
    }
}

/* One converted argument as printf writes it: padding, a prefix of up to two bytes, zeros,
 * then the text, with the padding last instead when left is set. */
struct field {
    int left;
    int padding;
    int prefix_first;
    int prefix_second;
    int prefix_length;
    int zeros;
    const unsigned char *text;
    int length;
};

ALWAYS_INLINE void put_field(struct sink *out, int to_buffer, const struct field *field) {
    if (!field->left) {
        put_repeated(out, to_buffer, ' ', field->padding);
    }
    if (field->prefix_length) {
        put_byte(out, to_buffer, field->prefix_first);
        if (field->prefix_length > 1) {
            put_byte(out, to_buffer, field->prefix_second);
        }
    }
    put_repeated(out, to_buffer, '0', field->zeros);
    for (int i = 0; i < field->length; i++) {
        put_byte(out, to_buffer, load_byte(field->text + i));
    }
    if (field->left) {
        put_repeated(out, to_buffer, ' ', field->padding);
    }
}

/* Argument sizes that the length modifiers select. */
enum { SIZE_INT, SIZE_CHAR, SIZE_SHORT, SIZE_LONG_LONG };

/* Reads a decimal number at *f and leaves *f after it. */
static int read_count(const unsigned char **f) {
    const unsigned char *next = *f;
    unsigned value = 0;
    for (int c = load_byte(next); isdigit(c); c = load_byte(++next)) {
        value = times_ten(value) + (unsigned)(c - '0');
    }
    *f = next;
    return (int)value;
}

/* What a byte of a printf conversion specification means. One table load classifies it, where
 * a chain of comparisons would cost the machine a step per comparison and clang would turn
 * parts of it into shifts and rotates. */
enum {
    SPEC_OTHER, /* 0, so that bytes missing from the table are unsupported */
    SPEC_SIGNED,
    SPEC_UNSIGNED,
    SPEC_CHAR,
    SPEC_STRING,
    SPEC_HEX,
    SPEC_HEX_UPPER,
    SPEC_OCTAL,
    SPEC_POINTER,
    SPEC_PERCENT,
    SPEC_LENGTH_H,
    SPEC_LENGTH_L,
    SPEC_LENGTH_J,
    SPEC_LENGTH_Z,
    SPEC_FLAG_MINUS,
    SPEC_FLAG_PLUS,
    SPEC_FLAG_SPACE,
    SPEC_FLAG_HASH,
    SPEC_FLAG_ZERO,
};

static const unsigned char spec_class[256] = {
    ['d'] = SPEC_SIGNED,      ['i'] = SPEC_SIGNED,       ['u'] = SPEC_UNSIGNED,
    ['c'] = SPEC_CHAR,        ['s'] = SPEC_STRING,       ['x'] = SPEC_HEX,
    ['X'] = SPEC_HEX_UPPER,   ['o'] = SPEC_OCTAL,        ['p'] = SPEC_POINTER,
    ['%'] = SPEC_PERCENT,     ['h'] = SPEC_LENGTH_H,     ['l'] = SPEC_LENGTH_L,
    ['j'] = SPEC_LENGTH_J,    ['z'] = SPEC_LENGTH_Z,     ['t'] = SPEC_LENGTH_Z,
    ['-'] = SPEC_FLAG_MINUS,  ['+'] = SPEC_FLAG_PLUS,    [' '] = SPEC_FLAG_SPACE,
    ['#'] = SPEC_FLAG_HASH,   ['0'] = SPEC_FLAG_ZERO,
};

/* Moves *f past the length modifier at it, whose class is spec (hh, h, l, ll, j, z or t), and
 * returns the size of the argument it names. */
static int read_length(const unsigned char **f, int spec) {
    int size = SIZE_INT;
    if (spec == SPEC_LENGTH_H) {
        size = SIZE_SHORT;
        if (load_byte(++*f) == 'h') {
            size = SIZE_CHAR;
            ++*f;
        }
    } else if (spec == SPEC_LENGTH_L) {
        if (load_byte(++*f) == 'l') {
            size = SIZE_LONG_LONG;
            ++*f;
        }
    } else {
        if (spec == SPEC_LENGTH_J) {
            size = SIZE_LONG_LONG;
        }
        ++*f;
    }
    return size;
}

/* Formats to putchar when buffer is NULL, else into buffer, which takes at most room more
 * bytes, and returns the number of bytes produced, stored or not. */
static int format_to(char *buffer, size_t room, const char *format, va_list args) {
    struct sink sink = {buffer != NULL, buffer, room, 0};
    struct sink *out = &sink;
    const unsigned char *f = (const unsigned char *)format;
    for (int c = load_byte(f); c; c = load_byte(++f)) {
        if (c != '%') {
            if (!sink.to_buffer) {
                /* Text up to the next '%' goes straight to putchar. */
                const unsigned char *run = f;
                do {
                    putchar(c);
                    c = load_byte(++f);
                    OPAQUE(c);
                } while (c != '%' && c);
                sink.count += (int)(f - run);
                if (!c) {
                    break;
                }
            } else {
                emit(out, c);
                continue;
            }
        }
        c = load_byte(++f);
        int spec = spec_class[c];
        int left = 0, zero = 0, plus = 0, space = 0, alternate = 0;
        for (; spec >= SPEC_FLAG_MINUS; spec = spec_class[c]) {
            if (spec == SPEC_FLAG_MINUS) {
                left = 1;
            } else if (spec == SPEC_FLAG_PLUS) {
                plus = 1;
            } else if (spec == SPEC_FLAG_SPACE) {
                space = 1;
            } else if (spec == SPEC_FLAG_HASH) {
                alternate = 1;
            } else {
                zero = 1;
            }
            c = load_byte(++f);
        }
        int width = 0;
        int precision = -1;
        if (spec == SPEC_OTHER) {
            /* A width or a precision. */
            if (c == '*') {
                width = va_arg(args, int);
                if (width < 0) {
                    /* A negative width argument is the '-' flag and its magnitude. */
                    left = 1;
                    OPAQUE(width);
                    width = 0 - width;
                }
                c = load_byte(++f);
            } else {
                width = read_count(&f);
                c = load_byte(f);
            }
            if (c == '.') {
                /* A precision overrides '0' for integers, the only conversions '0' affects. */
                zero = 0;
                c = load_byte(++f);
                if (c == '*') {
                    precision = va_arg(args, int);
                    if (precision < 0) {
                        precision = -1;
                    }
                    c = load_byte(++f);
                } else {
                    precision = read_count(&f);
                    c = load_byte(f);
                }
            }
            spec = spec_class[c];
        }
        /* '-' overrides '0'. */
        if (left) {
            zero = 0;
        }
        int size = SIZE_INT;
        if (spec >= SPEC_LENGTH_H) {
            size = read_length(&f, spec);
            c = load_byte(f);
            spec = spec_class[c];
        }

        char buffer[24];
        const char *text = buffer;
        int length = 1;
        /* The sign or space, then "0x" or "0X", before any zeros of the precision. */
        int prefix_first = 0, prefix_second = 0, prefix_length = 0;
        int is_number = 1;
        int base = DECIMAL;
        const char *digits = "0123456789abcdef";
        unsigned value = 0;
        unsigned long long wide_value = 0;
        int wide = 0;
        switch (spec) {
        case SPEC_SIGNED: {
            int negative;
            if (size == SIZE_LONG_LONG) {
                long long signed_value = va_arg(args, long long);
                negative = signed_value < 0;
                wide_value = (unsigned long long)signed_value;
                if (negative) {
                    OPAQUE(wide_value);
                    wide_value = 0 - wide_value;
                }
                wide = 1;
            } else {
                int signed_value = va_arg(args, int);
                if (size == SIZE_CHAR) {
                    signed_value = (signed char)signed_value;
                } else if (size == SIZE_SHORT) {
                    signed_value = (short)signed_value;
                }
                negative = signed_value < 0;
                value = (unsigned)signed_value;
                if (negative) {
                    OPAQUE(value);
                    value = 0u - value;
                }
            }
            if (negative) {
                prefix_first = '-';
            } else if (plus) {
                prefix_first = '+';
            } else if (space) {
                prefix_first = ' ';
            }
            prefix_length = prefix_first != 0;
            break;
        }
        case SPEC_HEX_UPPER:
        case SPEC_HEX:
        case SPEC_OCTAL:
        case SPEC_UNSIGNED:
            if (spec == SPEC_HEX_UPPER) {
                digits = "0123456789ABCDEF";
                base = HEX;
            } else if (spec == SPEC_HEX) {
                base = HEX;
            } else if (spec == SPEC_OCTAL) {
                base = OCTAL;
            }
            if (size == SIZE_LONG_LONG) {
                wide_value = va_arg(args, unsigned long long);
                wide = 1;
            } else {
                value = va_arg(args, unsigned);
                if (size == SIZE_CHAR) {
                    value = (unsigned char)value;
                } else if (size == SIZE_SHORT) {
                    value = (unsigned short)value;
                }
            }
            /* '#' prefixes 0x to a hexadecimal number other than 0. The tests are counted
             * instead of joined with &&, which clang compiles to bitwise ands. */
            int hex_prefix = alternate + (base == HEX);
            OPAQUE(hex_prefix);
            if (hex_prefix + (wide ? wide_value != 0 : value != 0) == 3) {
                prefix_first = '0';
                prefix_second = c;
                prefix_length = 2;
            }
            break;
        case SPEC_POINTER:
            value = (unsigned)(uintptr_t)va_arg(args, void *);
            base = HEX;
            prefix_first = '0';
            prefix_second = 'x';
            prefix_length = 2;
            break;
        case SPEC_CHAR:
            buffer[0] = (char)va_arg(args, int);
            is_number = 0;
            break;
        case SPEC_STRING:
            text = va_arg(args, const char *);
            if (!text) {
                text = "(null)";
            }
            /* With a precision, the string need not end within it. */
            length = (int)(precision < 0 ? strlen(text) : strnlen(text, (size_t)precision));
            is_number = 0;
            break;
        case SPEC_PERCENT:
            emit(out, '%');
            continue;
        default:
            if (!c) {
                /* A '%' at the end ends the format. */
                return sink.count;
            }
            /* An unsupported conversion is printed as written, so the output shows it. */
            emit(out, '%');
            emit(out, c);
            continue;
        }

        int zeros = 0;
        if (is_number) {
            if (wide && (unsigned)(wide_value >> 32)) {
                length = format_unsigned_wide(buffer, wide_value, powers_wide[base], digits);
            } else {
                if (wide) {
                    value = (unsigned)wide_value;
                }
                /* A precision of 0 prints no digits for the value 0. */
                int any_digits = precision;
                if (value) {
                    any_digits = 1;
                }
                OPAQUE(any_digits);
                length = any_digits ? format_unsigned(buffer, value, powers[base], digits) : 0;
            }
            if (precision > length) {
                zeros = precision - length;
            }
            if (alternate && base == OCTAL && !zeros) {
                /* '#' makes an octal number start with 0. */
                int first = length ? load_byte((const unsigned char *)buffer) : 0;
                if (first != '0') {
                    zeros = 1;
                }
            }
            if (zero) {
                int fill = width - prefix_length - length;
                if (fill > zeros) {
                    zeros = fill;
                }
            }
        }
        int padding = width - prefix_length - zeros - length;
        if (padding < 0) {
            padding = 0;
        }
        sink.count += padding + prefix_length + zeros + length;
        struct field field = {left,  padding,         prefix_first, prefix_second,
                              prefix_length, zeros, (const unsigned char *)text, length};
        /* Two copies of the output code, so that the one for putchar tests no buffer. */
        if (sink.to_buffer) {
            put_field(out, 1, &field);
        } else {
            put_field(out, 0, &field);
        }
    }
    return sink.count;
}

int vprintf(const char *format, va_list args) {
    return format_to(NULL, 0, format, args);
}

int vfprintf(FILE *stream, const char *format, va_list args) {
    (void)stream;
    return format_to(NULL, 0, format, args);
}

int vsnprintf(char *s, size_t size, const char *format, va_list args) {
    /* A NULL buffer of size 0 only counts the bytes, so a one-byte dummy replaces it. */
    char dummy;
    int count = format_to(size ? s : &dummy, size ? size - 1 : 0, format, args);
    if (size) {
        s[(size_t)count < size - 1 ? (size_t)count : size - 1] = '\0';
    }
    return count;
}

int vsprintf(char *s, const char *format, va_list args) {
    return vsnprintf(s, SIZE_MAX, format, args);
}

int printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = format_to(NULL, 0, format, args);
    va_end(args);
    return count;
}

int fprintf(FILE *stream, const char *format, ...) {
    (void)stream;
    va_list args;
    va_start(args, format);
    int count = format_to(NULL, 0, format, args);
    va_end(args);
    return count;
}

int sprintf(char *s, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = vsnprintf(s, SIZE_MAX, format, args);
    va_end(args);
    return count;
}

int snprintf(char *s, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = vsnprintf(s, size, format, args);
    va_end(args);
    return count;
}

/* Returns whether c is in the scanset between set and end, the text of a %[...] conversion
 * after any '^'. a-z names a range unless the '-' comes first or last. */
static int in_scanset(const unsigned char *set, const unsigned char *end, int c) {
    for (const unsigned char *p = set; p < end; p++) {
        int first = load_byte(p);
        if (p + 2 < end && p[1] == '-') {
            if (c >= first && c <= p[2]) {
                return 1;
            }
            p += 2;
        } else if (c == first) {
            return 1;
        }
    }
    return 0;
}

/* Reads from the string s, or from the input when s is NULL. */
static int scan(const char *s, const char *format, va_list args) {
    struct reader reader = {(const unsigned char *)s, INT_MAX, 0};
    struct reader *in = &reader;
    const unsigned char *f = (const unsigned char *)format;
    int assigned = 0;
    int converted = 0;
    for (int directive = load_byte(f); directive; directive = load_byte(++f)) {
        in->limit = INT_MAX;
        if (is_space(directive)) {
            unread_char(in, skip_whitespace(in));
            continue;
        }
        if (directive != '%') {
            int c = read_char(in);
            if (c != directive) {
                unread_char(in, c);
                break;
            }
            continue;
        }
        directive = load_byte(++f);
        int suppress = directive == '*';
        if (suppress) {
            directive = load_byte(++f);
        }
        int width = read_count(&f);
        directive = load_byte(f);
        int spec = spec_class[directive];
        int size = SIZE_INT;
        if (spec >= SPEC_LENGTH_H && spec <= SPEC_LENGTH_Z) {
            size = read_length(&f, spec);
            directive = load_byte(f);
            spec = spec_class[directive];
        }
        if (!directive) {
            break;
        }
        if (spec == SPEC_PERCENT) {
            int c = skip_whitespace(in);
            if (c != '%') {
                unread_char(in, c);
                break;
            }
            continue;
        }
        if (spec != SPEC_CHAR && directive != '[') {
            unread_char(in, skip_whitespace(in));
        }
        if (width) {
            in->limit = width;
        }
        if (spec == SPEC_CHAR) {
            if (!width) {
                in->limit = 1;
            }
            char *out = suppress ? NULL : va_arg(args, char *);
            int count = 0;
            for (int c = read_char(in); c != EOF; c = read_char(in)) {
                if (out) {
                    out[count] = (char)c;
                }
                count++;
            }
            if (!count) {
                break;
            }
        } else if (spec == SPEC_STRING || directive == '[') {
            const unsigned char *set = f;
            const unsigned char *set_end = f;
            int negated = 0;
            if (directive == '[') {
                set = f + 1;
                negated = *set == '^';
                set += negated;
                /* A ']' first in the set is a member, not the end. */
                set_end = *set == ']' ? set + 1 : set;
                while (*set_end && *set_end != ']') {
                    set_end++;
                }
                if (!*set_end) {
                    break;
                }
                f = set_end;
            }
            char *out = suppress ? NULL : va_arg(args, char *);
            int count = 0;
            int c;
            for (c = read_char(in); c != EOF; c = read_char(in)) {
                int accepted = directive == 's' ? !is_space(c)
                                                : in_scanset(set, set_end, c) != negated;
                if (!accepted) {
                    break;
                }
                if (out) {
                    out[count] = (char)c;
                }
                count++;
            }
            unread_char(in, c);
            if (!count) {
                break;
            }
            if (out) {
                out[count] = '\0';
            }
        } else {
            unsigned base;
            if (spec == SPEC_SIGNED) {
                /* %i takes the base from the number's prefix, like strtol with base 0. */
                base = directive == 'i' ? 0 : 10;
            } else if (spec == SPEC_UNSIGNED) {
                base = 10;
            } else if (spec == SPEC_HEX || spec == SPEC_HEX_UPPER) {
                base = 16;
            } else if (spec == SPEC_OCTAL) {
                base = 8;
            } else {
                /* An unsupported conversion stops the scan like a matching failure. */
                break;
            }
            struct number number;
            if (!read_integer(in, base, size == SIZE_LONG_LONG, &number)) {
                break;
            }
            if (!suppress) {
                if (size == SIZE_LONG_LONG) {
                    unsigned long long value = number.wide_value;
                    if (number.negative) {
                        value = 0 - value;
                    }
                    *va_arg(args, unsigned long long *) = value;
                } else {
                    unsigned value = number.value;
                    if (number.negative) {
                        OPAQUE(value);
                        value = 0u - value;
                    }
                    if (size == SIZE_CHAR) {
                        *va_arg(args, unsigned char *) = (unsigned char)value;
                    } else if (size == SIZE_SHORT) {
                        *va_arg(args, unsigned short *) = (unsigned short)value;
                    } else {
                        *va_arg(args, unsigned *) = value;
                    }
                }
            }
        }
        converted++;
        assigned += !suppress;
    }
    if (!converted && in->ended) {
        return EOF;
    }
    return assigned;
}

int vscanf(const char *format, va_list args) {
    return scan(NULL, format, args);
}

int vfscanf(FILE *stream, const char *format, va_list args) {
    (void)stream;
    return vscanf(format, args);
}

int vsscanf(const char *s, const char *format, va_list args) {
    return scan(s, format, args);
}

int scanf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = vscanf(format, args);
    va_end(args);
    return count;
}

int fscanf(FILE *stream, const char *format, ...) {
    (void)stream;
    va_list args;
    va_start(args, format);
    int count = vscanf(format, args);
    va_end(args);
    return count;
}

int sscanf(const char *s, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int count = vsscanf(s, format, args);
    va_end(args);
    return count;
}

/* ---- stdlib ---- */

void exit(int status) {
    __hullvm_exit(status);
}

void abort(void) {
    __builtin_trap();
}

void __hullvm_assert_fail(const char *condition, const char *file, int line) {
    printf("Assertion failed: %s, file %s, line %d\n", condition, file, line);
    abort();
}

int abs(int n) {
    if (n < 0) {
        OPAQUE(n);
        n = -n;
    }
    return n;
}

long labs(long n) {
    return abs((int)n);
}

long long llabs(long long n) {
    if (n < 0) {
        OPAQUE(n);
        n = -n;
    }
    return n;
}

div_t div(int numerator, int denominator) {
    div_t result = {numerator / denominator, numerator % denominator};
    return result;
}

ldiv_t ldiv(long numerator, long denominator) {
    ldiv_t result = {numerator / denominator, numerator % denominator};
    return result;
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
        /* Without this, clang joins the two sign tests with a bitwise or. */
        OPAQUE(next);
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

long atol(const char *s) {
    return atoi(s);
}

/* Reads the number that strtol and its family take: leading whitespace, a sign and digits.
 * Sets *end to the byte after the number, or to s when there is none. Returns 0 for a base
 * outside 0 and 2 to 36. */
static int parse_number(const char *s, char **end, int base, int wide, struct number *number) {
    struct reader in = {(const unsigned char *)s, INT_MAX, 0};
    int digits = 0;
    number->value = 0;
    number->wide_value = 0;
    number->negative = 0;
    number->overflow = 0;
    if (base == 0 || (base >= 2 && base <= 36)) {
        unread_char(&in, skip_whitespace(&in));
        digits = read_integer(&in, (unsigned)base, wide, number);
    }
    if (end) {
        *end = (char *)(digits ? (const char *)in.next : s);
    }
    return digits;
}

long strtol(const char *s, char **end, int base) {
    struct number number;
    parse_number(s, end, base, 0, &number);
    unsigned value = number.value;
    if (number.negative) {
        if (number.overflow || value > 0x80000000u) {
            errno = ERANGE;
            return LONG_MIN;
        }
        OPAQUE(value);
        return (long)(0u - value);
    }
    if (number.overflow || value > 0x7FFFFFFFu) {
        errno = ERANGE;
        return LONG_MAX;
    }
    return (long)value;
}

unsigned long strtoul(const char *s, char **end, int base) {
    struct number number;
    parse_number(s, end, base, 0, &number);
    if (number.overflow) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    unsigned value = number.value;
    if (number.negative) {
        OPAQUE(value);
        value = 0u - value;
    }
    return value;
}

long long strtoll(const char *s, char **end, int base) {
    struct number number;
    parse_number(s, end, base, 1, &number);
    unsigned long long value = number.wide_value;
    if (number.negative) {
        if (number.overflow || value > 0x8000000000000000ull) {
            errno = ERANGE;
            return LLONG_MIN;
        }
        return (long long)(0 - value);
    }
    if (number.overflow || value > 0x7FFFFFFFFFFFFFFFull) {
        errno = ERANGE;
        return LLONG_MAX;
    }
    return (long long)value;
}

unsigned long long strtoull(const char *s, char **end, int base) {
    struct number number;
    parse_number(s, end, base, 1, &number);
    if (number.overflow) {
        errno = ERANGE;
        return ULLONG_MAX;
    }
    unsigned long long value = number.wide_value;
    return number.negative ? 0 - value : value;
}

long long atoll(const char *s) {
    return strtoll(s, NULL, 10);
}

/* Swaps the size bytes at a and b, a word at a time when words is set. */
static void swap_elements(unsigned char *a, unsigned char *b, size_t size, int words) {
    if (words) {
        unsigned *left = (unsigned *)a;
        unsigned *right = (unsigned *)b;
        for (size_t n = size; n; n -= 4) {
            unsigned word = *left;
            *left++ = *right;
            *right++ = word;
        }
        return;
    }
#pragma clang loop unroll(disable)
    for (size_t n = size; n; n--) {
        unsigned char byte = *a;
        *a++ = *b;
        *b++ = byte;
    }
}

/* Moves the element at byte offset root down the heap of the elements before byte offset end
 * until neither child is larger. Offsets stay in bytes, so the children of the element at
 * offset r are at 2r + size and 2r + 2 size, and no index is multiplied by the size. */
static void sift_down(unsigned char *base, size_t root, size_t end, size_t size,
                      int (*compare)(const void *, const void *), int words) {
    for (;;) {
        size_t child = root + root + size;
        if (child >= end) {
            return;
        }
        if (child + size < end && compare(base + child, base + child + size) < 0) {
            child += size;
        }
        if (compare(base + root, base + child) >= 0) {
            return;
        }
        swap_elements(base + root, base + child, size, words);
        root = child;
    }
}

void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *)) {
    if (count < 2 || !size) {
        return;
    }
    unsigned char *bytes = base;
    /* A sum instead of two tests, with one part hidden, keeps clang from joining them with a
     * bitwise or. */
    size_t size_remainder = size & 3;
    OPAQUE(size_remainder);
    int words = size_remainder + ((uintptr_t)base & 3) == 0;
    size_t end = count * size;
    /* Build the heap from the last parent up, then move the largest element to the end. */
    size_t root = (count >> 1) * size;
    while (root) {
        root -= size;
        sift_down(bytes, root, end, size, compare, words);
    }
    while (end > size) {
        end -= size;
        swap_elements(bytes, bytes + end, size, words);
        sift_down(bytes, 0, end, size, compare, words);
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compare)(const void *, const void *)) {
    const unsigned char *low = base;
    while (count) {
        size_t half = count >> 1;
        const unsigned char *middle = low + half * size;
        int order = compare(key, middle);
        if (!order) {
            return (void *)middle;
        }
        if (order > 0) {
            low = middle + size;
            count -= half + 1;
        } else {
            count = half;
        }
    }
    return NULL;
}

static unsigned rand_state = 1;

int rand(void) {
    rand_state = rand_state * 1103515245u + 12345u;
    return (int)((rand_state >> 16) & RAND_MAX);
}

void srand(unsigned seed) {
    rand_state = seed;
}

/* ---- memory allocation ---- */

#define PAGE_SIZE 65536u
/* No block can be larger than the machine's 4 MiB of addresses. The bound keeps the size
 * arithmetic below from overflowing. */
#define MAX_MEMORY_BYTES 0x400000u
#define HEADER_SIZE 8u
/* Freed blocks of up to this many bytes go to the list for their exact size. */
#define SMALL_LIMIT 256u

/* The end of the heap: every block lies below it, and every byte from it on is still zero. */
static uintptr_t heap_next = (uintptr_t)&__heap_base;
/* Heads of the lists of freed blocks, linked through their first word: small_free[k] contains
 * blocks of 8 k bytes, and large_free blocks of more than SMALL_LIMIT bytes. */
static void *small_free[SMALL_LIMIT / 8 + 1];
static void *large_free;

/* The rounded size of a block is in the header word before it. */
static size_t *block_size(void *block) {
    return (size_t *)((unsigned char *)block - HEADER_SIZE);
}

/* Returns a block of at least size bytes. *reused is set when it comes from a free list and
 * may contain old bytes. */
static void *allocate(size_t size, int *reused) {
    *reused = 0;
    if (size > MAX_MEMORY_BYTES) {
        return NULL;
    }
    size_t rounded = size ? (size + 7) & ~(size_t)7 : 8;
    if (rounded <= SMALL_LIMIT) {
        void **head = &small_free[rounded >> 3];
        void *block = *head;
        if (block) {
            *head = *(void **)block;
            *reused = 1;
            return block;
        }
    } else {
        for (void **link = &large_free; *link; link = (void **)*link) {
            void *block = *link;
            if (*block_size(block) >= rounded) {
                *link = *(void **)block;
                *reused = 1;
                return block;
            }
        }
    }
    uintptr_t block = ((heap_next + 7) & ~(uintptr_t)7) + HEADER_SIZE;
    uintptr_t end_of_memory = __builtin_wasm_memory_size(0) * PAGE_SIZE;
    if (block + rounded > end_of_memory) {
        /* Grow the memory by the pages the block lacks; memory.grow returns -1 when the
         * memory would pass its maximum. */
        uintptr_t missing = block + rounded - end_of_memory;
        uintptr_t pages = (missing + (PAGE_SIZE - 1)) / PAGE_SIZE;
        if (__builtin_wasm_memory_grow(0, pages) == SIZE_MAX) {
            return NULL;
        }
    }
    *block_size((void *)block) = rounded;
    heap_next = block + rounded;
    return (void *)block;
}

void *malloc(size_t size) {
    int reused;
    return allocate(size, &reused);
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
    int reused;
    size_t total = count * size;
    void *block = allocate(total, &reused);
    /* Memory past the end of the heap starts zeroed, so only a reused block needs clearing. */
    if (block && reused) {
        memset(block, 0, total);
    }
    return block;
}

void free(void *block) {
    if (!block) {
        return;
    }
    size_t size = *block_size(block);
    void **head = size <= SMALL_LIMIT ? &small_free[size >> 3] : &large_free;
    *(void **)block = *head;
    *head = block;
}

void *realloc(void *block, size_t size) {
    if (!block) {
        return malloc(size);
    }
    if (!size) {
        free(block);
        return NULL;
    }
    size_t *old_size = block_size(block);
    size_t capacity = *old_size;
    if (size <= capacity) {
        return block;
    }
    if ((uintptr_t)block + capacity == heap_next && size <= MAX_MEMORY_BYTES) {
        /* The last block grows in place over the zeroed memory after it. */
        size_t rounded = (size + 7) & ~(size_t)7;
        uintptr_t end_of_memory = __builtin_wasm_memory_size(0) * PAGE_SIZE;
        uintptr_t end = (uintptr_t)block + rounded;
        if (end <= end_of_memory ||
            __builtin_wasm_memory_grow(0, (end - end_of_memory + (PAGE_SIZE - 1)) / PAGE_SIZE) !=
                SIZE_MAX) {
            *old_size = rounded;
            heap_next = end;
            return block;
        }
        return NULL;
    }
    void *moved = malloc(size);
    if (!moved) {
        return NULL;
    }
    /* Both blocks are 8-byte aligned and capacity is a multiple of 8, so words copy it. */
    unsigned *out = moved;
    const unsigned *in = block;
    for (size_t n = capacity; n; n -= 4) {
        *out++ = *in++;
    }
    free(block);
    return moved;
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

size_t strnlen(const char *s, size_t max) {
    size_t length = 0;
    while (length < max && s[length]) {
        length++;
    }
    return length;
}

char *strncpy(char *destination, const char *source, size_t n) {
    char *out = destination;
    /* Copy up to n bytes of source, then fill the rest of the n bytes with zeros. */
    for (; n && *source; n--) {
        *out++ = *source++;
    }
    for (; n; n--) {
        *out++ = '\0';
    }
    return destination;
}

char *strncat(char *destination, const char *source, size_t n) {
    char *out = destination + strlen(destination);
    for (; n && *source; n--) {
        *out++ = *source++;
    }
    *out = '\0';
    return destination;
}

char *strrchr(const char *s, int c) {
    const unsigned char *next = (const unsigned char *)s;
    const unsigned char *found = NULL;
    int target = (unsigned char)c;
    for (;; next++) {
        int byte = load_byte(next);
        if (byte == target) {
            found = next;
        }
        if (!byte) {
            return (char *)found;
        }
    }
}

char *strstr(const char *haystack, const char *needle) {
    size_t length = strlen(needle);
    for (const char *start = haystack;; start++) {
        if (!strncmp(start, needle, length)) {
            return (char *)start;
        }
        if (!*start) {
            return NULL;
        }
    }
}

size_t strspn(const char *s, const char *accept) {
    size_t length = 0;
    while (s[length] && strchr(accept, s[length])) {
        length++;
    }
    return length;
}

size_t strcspn(const char *s, const char *reject) {
    size_t length = 0;
    while (s[length] && !strchr(reject, s[length])) {
        length++;
    }
    return length;
}

char *strpbrk(const char *s, const char *accept) {
    s += strcspn(s, accept);
    return *s ? (char *)s : NULL;
}

static char *strtok_next;

char *strtok(char *s, const char *delimiters) {
    if (!s) {
        s = strtok_next;
        if (!s) {
            return NULL;
        }
    }
    s += strspn(s, delimiters);
    if (!*s) {
        strtok_next = NULL;
        return NULL;
    }
    char *end = s + strcspn(s, delimiters);
    if (*end) {
        *end = '\0';
        strtok_next = end + 1;
    } else {
        strtok_next = NULL;
    }
    return s;
}

char *strdup(const char *s) {
    return strndup(s, SIZE_MAX);
}

char *strndup(const char *s, size_t max) {
    size_t length = strnlen(s, max);
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, s, length);
        copy[length] = '\0';
    }
    return copy;
}

void *memchr(const void *s, int c, size_t n) {
    const unsigned char *next = s;
    int target = (unsigned char)c;
    for (; n; n--, next++) {
        if (load_byte(next) == target) {
            return (void *)next;
        }
    }
    return NULL;
}
