/* Singly linked list: reads commands "i N" (insert in order), "d N" (delete), "r" (reverse)
 * and "p" (print), one per line or separated by spaces. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int value;
    struct node *next;
};

static struct node *insert_sorted(struct node *head, int value) {
    struct node *node = malloc(sizeof *node);
    if (!node) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    node->value = value;
    struct node **link = &head;
    while (*link && (*link)->value < value) {
        link = &(*link)->next;
    }
    node->next = *link;
    *link = node;
    return head;
}

static struct node *delete_value(struct node *head, int value, int *found) {
    struct node **link = &head;
    while (*link && (*link)->value != value) {
        link = &(*link)->next;
    }
    *found = *link != NULL;
    if (*link) {
        struct node *dead = *link;
        *link = dead->next;
        free(dead);
    }
    return head;
}

static struct node *reverse(struct node *head) {
    struct node *previous = NULL;
    while (head) {
        struct node *next = head->next;
        head->next = previous;
        previous = head;
        head = next;
    }
    return previous;
}

static void print_list(const struct node *head) {
    int n = 0;
    printf("[");
    for (; head; head = head->next) {
        printf(n++ ? ", %d" : "%d", head->value);
    }
    printf("] (%d)\n", n);
}

static void run(char command, int value, struct node **head) {
    int found;
    switch (command) {
    case 'i':
        *head = insert_sorted(*head, value);
        break;
    case 'd':
        *head = delete_value(*head, value, &found);
        if (!found) {
            printf("%d not found\n", value);
        }
        break;
    case 'r':
        *head = reverse(*head);
        break;
    case 'p':
        print_list(*head);
        break;
    default:
        printf("unknown command %c\n", command);
    }
}

int main(void) {
    struct node *head = NULL;
    char command;
    int commands = 0;
    while (scanf(" %c", &command) == 1) {
        int value = 0;
        if (command == 'i' || command == 'd') {
            if (scanf("%d", &value) != 1) {
                fputs("expected a number\n", stderr);
                return 1;
            }
        }
        run(command, value, &head);
        commands++;
    }
    if (commands == 0) {
        static const int values[] = {5, 1, 9, 3, 7};
        for (int i = 0; i < 5; i++) {
            run('i', values[i], &head);
        }
        run('p', 0, &head);
        run('d', 3, &head);
        run('d', 4, &head);
        run('r', 0, &head);
        run('p', 0, &head);
    }
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}
