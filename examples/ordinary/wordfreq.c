/* Word frequency count: reads words from the input, counts each one case-insensitively and
 * prints them from most to least frequent. Punctuation around words is ignored. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *word;
    int count;
};

static const char *default_text =
    "The cat sat on the mat. The dog sat on the log; the cat saw the dog!";

static struct entry *entries;
static int n_entries, capacity;

static void add_word(const char *word) {
    for (int i = 0; i < n_entries; i++) {
        if (strcmp(entries[i].word, word) == 0) {
            entries[i].count++;
            return;
        }
    }
    if (n_entries == capacity) {
        capacity = capacity ? capacity * 2 : 8;
        struct entry *grown = realloc(entries, capacity * sizeof *entries);
        if (!grown) {
            fprintf(stderr, "out of memory\n");
            exit(EXIT_FAILURE);
        }
        entries = grown;
    }
    entries[n_entries].word = strdup(word);
    entries[n_entries].count = 1;
    n_entries++;
}

/* Splits text into words of letters, digits and apostrophes, lowercased. */
static void add_words(const char *text) {
    char word[64];
    int length = 0;
    for (const char *p = text;; p++) {
        if (*p && (isalnum((unsigned char)*p) || *p == '\'')) {
            if (length < (int)sizeof word - 1) {
                word[length++] = (char)tolower((unsigned char)*p);
            }
        } else {
            if (length > 0) {
                word[length] = '\0';
                add_word(word);
                length = 0;
            }
            if (!*p) {
                break;
            }
        }
    }
}

static int by_count_then_word(const void *a, const void *b) {
    const struct entry *x = a;
    const struct entry *y = b;
    if (x->count != y->count) {
        return y->count - x->count;
    }
    return strcmp(x->word, y->word);
}

int main(void) {
    char line[256];
    int lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        add_words(line);
        lines++;
    }
    if (lines == 0) {
        add_words(default_text);
    }
    qsort(entries, n_entries, sizeof *entries, by_count_then_word);
    int total = 0;
    for (int i = 0; i < n_entries; i++) {
        total += entries[i].count;
    }
    printf("%d words, %d distinct\n", total, n_entries);
    for (int i = 0; i < n_entries; i++) {
        printf("%-8s %3d\n", entries[i].word, entries[i].count);
        free(entries[i].word);
    }
    free(entries);
    return 0;
}
