/* Bank account ledger: each input line is a command.
 *   open NAME AMOUNT | deposit NAME AMOUNT | withdraw NAME AMOUNT | transfer FROM TO AMOUNT
 * Amounts are in cents, written as 12.34 or 12. Errors go to stderr, which hullvm writes to
 * the same output. At the end it prints every balance and exits with 1 if a command failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACCOUNTS 16

struct account {
    char name[16];
    long long cents;
};

static struct account accounts[MAX_ACCOUNTS];
static int n_accounts;

static const char *default_commands =
    "open alice 100.00\n"
    "open bob 25.50\n"
    "deposit bob 4.5\n"
    "withdraw alice 30\n"
    "transfer alice bob 12.25\n"
    "withdraw bob 1000\n"
    "deposit carol 5\n";

static struct account *find(const char *name) {
    for (int i = 0; i < n_accounts; i++) {
        if (strcmp(accounts[i].name, name) == 0) {
            return &accounts[i];
        }
    }
    return NULL;
}

/* Parses "12", "12.3" or "12.34" as cents; returns -1 if it is not an amount. */
static long long parse_cents(const char *text) {
    char *end;
    long whole = strtol(text, &end, 10);
    if (end == text || whole < 0) {
        return -1;
    }
    long long cents = (long long)whole * 100;
    if (*end == '.') {
        const char *digits = end + 1;
        long fraction = strtol(digits, &end, 10);
        size_t n = (size_t)(end - digits);
        if (n == 1) {
            fraction *= 10;
        } else if (n != 2) {
            return -1;
        }
        cents += fraction;
    }
    return *end == '\0' ? cents : -1;
}

static void print_amount(long long cents) {
    printf("%lld.%02lld", cents / 100, cents % 100);
}

static int run(const char *line) {
    char command[16], first[16], second[16], amount_text[24];
    int fields = sscanf(line, "%15s %15s %15s %23s", command, first, second, amount_text);
    if (fields < 3) {
        return 0;
    }
    if (strcmp(command, "transfer") != 0) {
        strcpy(amount_text, second);
    } else if (fields < 4) {
        fprintf(stderr, "transfer needs FROM TO AMOUNT\n");
        return 0;
    }
    long long amount = parse_cents(amount_text);
    if (amount < 0) {
        fprintf(stderr, "bad amount '%s'\n", amount_text);
        return 0;
    }
    struct account *account = find(first);
    if (strcmp(command, "open") == 0) {
        if (account || n_accounts == MAX_ACCOUNTS) {
            fprintf(stderr, "cannot open %s\n", first);
            return 0;
        }
        account = &accounts[n_accounts++];
        strncpy(account->name, first, sizeof account->name - 1);
        account->cents = amount;
        return 1;
    }
    if (!account) {
        fprintf(stderr, "no account %s\n", first);
        return 0;
    }
    if (strcmp(command, "deposit") == 0) {
        account->cents += amount;
        return 1;
    }
    if (account->cents < amount) {
        fprintf(stderr, "%s: insufficient funds\n", first);
        return 0;
    }
    if (strcmp(command, "withdraw") == 0) {
        account->cents -= amount;
        return 1;
    }
    if (strcmp(command, "transfer") == 0) {
        struct account *target = find(second);
        if (!target) {
            fprintf(stderr, "no account %s\n", second);
            return 0;
        }
        account->cents -= amount;
        target->cents += amount;
        return 1;
    }
    fprintf(stderr, "unknown command %s\n", command);
    return 0;
}

int main(void) {
    char line[128];
    int failures = 0, commands = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        commands++;
        failures += !run(line);
    }
    if (commands == 0) {
        const char *p = default_commands;
        while (*p) {
            size_t n = strcspn(p, "\n");
            memcpy(line, p, n);
            line[n] = '\0';
            failures += !run(line);
            p += n + (p[n] == '\n');
        }
    }
    for (int i = 0; i < n_accounts; i++) {
        printf("%-8s ", accounts[i].name);
        print_amount(accounts[i].cents);
        putchar('\n');
    }
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
