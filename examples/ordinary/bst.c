/* Binary search tree: inserts the numbers from the input (or a built-in list), then prints
 * them in order, the tree's height, its smallest and largest keys, and whether a few keys are
 * present. Duplicates are counted, not stored twice. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct tree {
    int key;
    int count;
    struct tree *left, *right;
} tree;

static tree *insert(tree *root, int key) {
    if (root == NULL) {
        tree *node = calloc(1, sizeof(tree));
        node->key = key;
        node->count = 1;
        return node;
    }
    if (key < root->key) {
        root->left = insert(root->left, key);
    } else if (key > root->key) {
        root->right = insert(root->right, key);
    } else {
        root->count++;
    }
    return root;
}

static bool contains(const tree *root, int key) {
    while (root && root->key != key) {
        root = key < root->key ? root->left : root->right;
    }
    return root != NULL;
}

static int height(const tree *root) {
    if (!root) {
        return 0;
    }
    int l = height(root->left), r = height(root->right);
    return 1 + (l > r ? l : r);
}

static void print_in_order(const tree *root) {
    if (!root) {
        return;
    }
    print_in_order(root->left);
    printf(root->count > 1 ? " %d(x%d)" : " %d", root->key, root->count);
    print_in_order(root->right);
}

static void destroy(tree *root) {
    if (root) {
        destroy(root->left);
        destroy(root->right);
        free(root);
    }
}

int main(void) {
    tree *root = NULL;
    int key, n = 0;
    while (scanf("%d", &key) == 1) {
        root = insert(root, key);
        n++;
    }
    if (n == 0) {
        int keys[] = {50, 30, 70, 20, 40, 60, 80, 30, 65};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            root = insert(root, keys[i]);
        }
    }
    printf("in order:");
    print_in_order(root);
    printf("\nheight: %d\n", height(root));
    if (root) {
        const tree *t = root;
        while (t->left) {
            t = t->left;
        }
        printf("min: %d\n", t->key);
        for (t = root; t->right; t = t->right) {
        }
        printf("max: %d\n", t->key);
    }
    for (int probe = 40; probe <= 45; probe += 5) {
        printf("contains %d: %s\n", probe, contains(root, probe) ? "yes" : "no");
    }
    destroy(root);
    return 0;
}
