/* Solves the assignment problem: a minimum-cost perfect matching of n rows to n columns, by the
 * Hungarian algorithm with row and column potentials in O(n^3). Input is n followed by the n x n
 * cost matrix. Without input it solves a built-in 10 x 10 matrix whose optimal cost is 206.
 * After each row joins the matching it prints the optimal cost of the rows so far. Sums of
 * costs must stay below INFINITE. */
#include <limits.h>
#include <stdio.h>

#define MAX_N 32
#define INFINITE (INT_MAX / 2)

static const int default_costs[10][10] = {
    {61, 58, 35, 86, 32, 39, 41, 27, 21, 42},
    {59, 77, 97, 99, 78, 21, 89, 72, 35, 63},
    {88, 85, 37, 57, 59, 97, 37, 29, 69, 94},
    {32, 82, 53, 20, 77, 96, 21, 70, 50, 61},
    {15, 44, 81, 10, 64, 36, 56, 78, 20, 69},
    {76, 35, 87, 69, 16, 55, 26, 37, 30, 66},
    {86, 32, 74, 94, 32, 14, 24, 12, 31, 70},
    {97, 63, 20, 64, 90, 21, 28, 49, 89, 10},
    {58, 52, 27, 76, 61, 35, 17, 91, 37, 66},
    {42, 79, 61, 26, 55, 98, 70, 17, 26, 86},
};

/* Rows and columns are numbered from 1. Column 0 is a virtual column where each new row starts
 * its search for an augmenting path. */
static int cost[MAX_N + 1][MAX_N + 1];
static int row_potential[MAX_N + 1];
static int column_potential[MAX_N + 1];
static int row_of_column[MAX_N + 1];   /* 0 while the column is unmatched */
static int previous_column[MAX_N + 1]; /* the alternating path back to column 0 */
static int min_slack[MAX_N + 1];
static char visited[MAX_N + 1];

static void add_row(int row, int n) {
    row_of_column[0] = row;
    for (int j = 0; j <= n; j++) {
        min_slack[j] = INFINITE;
        visited[j] = 0;
    }
    /* Grow a tree of tight edges from the new row until it reaches an unmatched column. */
    int column = 0;
    do {
        visited[column] = 1;
        int tree_row = row_of_column[column];
        int delta = INFINITE;
        int next_column = 0;
        for (int j = 1; j <= n; j++) {
            if (visited[j]) {
                continue;
            }
            int slack = cost[tree_row][j] - row_potential[tree_row] - column_potential[j];
            if (slack < min_slack[j]) {
                min_slack[j] = slack;
                previous_column[j] = column;
            }
            if (min_slack[j] < delta) {
                delta = min_slack[j];
                next_column = j;
            }
        }
        /* Shift the potentials so that the cheapest edge leaving the tree becomes tight. */
        for (int j = 0; j <= n; j++) {
            if (visited[j]) {
                row_potential[row_of_column[j]] += delta;
                column_potential[j] -= delta;
            } else {
                min_slack[j] -= delta;
            }
        }
        column = next_column;
    } while (row_of_column[column] != 0);
    /* Flip the matching along the path back to column 0. */
    do {
        int previous = previous_column[column];
        row_of_column[column] = row_of_column[previous];
        column = previous;
    } while (column != 0);
}

int main(void) {
    int n;
    if (scanf("%d", &n) == 1) {
        if (n < 1 || n > MAX_N) {
            printf("n must be between 1 and %d\n", MAX_N);
            return 1;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= n; j++) {
                if (scanf("%d", &cost[i][j]) != 1) {
                    printf("expected %d x %d costs\n", n, n);
                    return 1;
                }
            }
        }
    } else {
        n = 10;
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= n; j++) {
                cost[i][j] = default_costs[i - 1][j - 1];
            }
        }
    }

    for (int row = 1; row <= n; row++) {
        add_row(row, n);
        /* The potentials form a dual solution, so -column_potential[0] is the optimal cost of
         * matching rows 1..row. */
        printf("row %d added: cost %d\n", row, -column_potential[0]);
    }

    int column_of_row[MAX_N + 1];
    for (int j = 1; j <= n; j++) {
        column_of_row[row_of_column[j]] = j;
    }
    int total = 0;
    for (int row = 1; row <= n; row++) {
        int column = column_of_row[row];
        printf("row %d -> column %d: %d\n", row, column, cost[row][column]);
        total += cost[row][column];
    }
    printf("total %d\n", total);
    return 0;
}
