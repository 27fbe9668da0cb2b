/* Counts the ways to place n queens (default 6, at most MAX_N) on an n x n board so that no
 * two attack each other. */
#include <stdio.h>

#define MAX_N 12

static int n;
/* Whether a queen already covers each column and each diagonal: row + column is constant on
 * one diagonal direction and row - column + n - 1 on the other. */
static char column_used[MAX_N];
static char diagonal_used[2 * MAX_N - 1];
static char antidiagonal_used[2 * MAX_N - 1];

static int count_placements(int row) {
    if (row == n) {
        return 1;
    }
    int solutions = 0;
    for (int column = 0; column < n; column++) {
        int diagonal = row + column;
        int antidiagonal = row - column + n - 1;
        if (column_used[column] || diagonal_used[diagonal] || antidiagonal_used[antidiagonal]) {
            continue;
        }
        column_used[column] = diagonal_used[diagonal] = antidiagonal_used[antidiagonal] = 1;
        solutions += count_placements(row + 1);
        column_used[column] = diagonal_used[diagonal] = antidiagonal_used[antidiagonal] = 0;
    }
    return solutions;
}

int main(void) {
    if (scanf("%d", &n) != 1) {
        n = 6;
    }
    if (n < 1 || n > MAX_N) {
        printf("n must be between 1 and %d\n", MAX_N);
        return 1;
    }
    printf("%d queens: %d solutions\n", n, count_placements(0));
    return 0;
}
