/* Solves a sudoku given as 81 characters, row by row: digits 1-9 for givens and 0 or '.' for
 * empty cells. Other characters such as line breaks are skipped. Without input it solves a
 * built-in puzzle. Prints the solved grid, or a message when there is no solution.
 *
 * Each placement is propagated to the counters of the cells and units it constrains. The search
 * then branches where the fewest choices remain: on the empty cell with the fewest candidate
 * digits, or on the digit with the fewest possible cells in a row, column or box. Forced moves
 * (one choice) are thus made before any guess, and a cell or unit left without a choice ends
 * the branch at once. */
#include <stdio.h>

static const char default_puzzle[] =
    "800000000003600000070090200050007000000045700000100030001000068008500010090000400";

/* Units 0-8 are the rows, 9-17 the columns and 18-26 the 3 x 3 boxes. The tables below are
 * indexed with the cell or unit last, so that the inner loops, which step over cells and units,
 * compute addresses with additions instead of multiplications. */
static unsigned char unit_cells[27][9];
static unsigned char units_of[3][81]; /* the row, column and box unit of each cell */

static unsigned char grid[81]; /* 0 for an empty cell */
/* blocked[d][cell] counts the placed d in the units of the cell, where a peer that shares two
 * units counts twice. d is a candidate of an empty cell while its count is 0. */
static unsigned char blocked[10][81];
static unsigned char candidate_count[81];
/* place_count[d][unit] counts the empty cells of the unit where d is a candidate. It matters
 * only while placed[d][unit] is 0. */
static unsigned char place_count[10][27];
static unsigned char placed[10][27];

static void build_units(void) {
    static const unsigned char box_of_cell[81] = {
        0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2,
        3, 3, 3, 4, 4, 4, 5, 5, 5, 3, 3, 3, 4, 4, 4, 5, 5, 5, 3, 3, 3, 4, 4, 4, 5, 5, 5,
        6, 6, 6, 7, 7, 7, 8, 8, 8, 6, 6, 6, 7, 7, 7, 8, 8, 8, 6, 6, 6, 7, 7, 7, 8, 8, 8,
    };
    static unsigned char box_size[9];
    int cell = 0;
    for (int row = 0; row < 9; row++) {
        for (int column = 0; column < 9; column++) {
            int box = box_of_cell[cell];
            unit_cells[row][column] = (unsigned char)cell;
            unit_cells[9 + column][row] = (unsigned char)cell;
            unit_cells[18 + box][box_size[box]++] = (unsigned char)cell;
            units_of[0][cell] = (unsigned char)row;
            units_of[1][cell] = (unsigned char)(9 + column);
            units_of[2][cell] = (unsigned char)(18 + box);
            candidate_count[cell] = 9;
            cell++;
        }
    }
    for (int digit = 1; digit <= 9; digit++) {
        for (int unit = 0; unit < 27; unit++) {
            place_count[digit][unit] = 9;
        }
    }
}

static void place(int cell, int digit) {
    /* The cell stops being an empty cell where its candidates could go. */
    for (int d = 1; d <= 9; d++) {
        if (!blocked[d][cell]) {
            for (int k = 0; k < 3; k++) {
                place_count[d][units_of[k][cell]]--;
            }
        }
    }
    grid[cell] = (unsigned char)digit;
    for (int k = 0; k < 3; k++) {
        int unit = units_of[k][cell];
        placed[digit][unit] = 1;
        for (int i = 0; i < 9; i++) {
            int peer = unit_cells[unit][i];
            if (blocked[digit][peer]++ == 0 && !grid[peer]) {
                candidate_count[peer]--;
                for (int m = 0; m < 3; m++) {
                    place_count[digit][units_of[m][peer]]--;
                }
            }
        }
    }
}

/* Undoes place(cell, digit), in the reverse order. */
static void unplace(int cell, int digit) {
    for (int k = 0; k < 3; k++) {
        int unit = units_of[k][cell];
        placed[digit][unit] = 0;
        for (int i = 0; i < 9; i++) {
            int peer = unit_cells[unit][i];
            if (--blocked[digit][peer] == 0 && !grid[peer]) {
                candidate_count[peer]++;
                for (int m = 0; m < 3; m++) {
                    place_count[digit][units_of[m][peer]]++;
                }
            }
        }
    }
    grid[cell] = 0;
    for (int d = 1; d <= 9; d++) {
        if (!blocked[d][cell]) {
            for (int k = 0; k < 3; k++) {
                place_count[d][units_of[k][cell]]++;
            }
        }
    }
}

/* Returns the empty cell with the fewest candidates and stores their count, or returns -1
 * when the grid is full. */
static int fewest_candidates(int *count) {
    int best_cell = -1;
    int best = 10;
    for (int cell = 0; cell < 81; cell++) {
        if (!grid[cell] && candidate_count[cell] < best) {
            best_cell = cell;
            best = candidate_count[cell];
            if (best <= 1) {
                break;
            }
        }
    }
    *count = best;
    return best_cell;
}

/* Finds the unit and digit with the fewest possible cells, if fewer than *count. Returns the
 * unit and stores the digit and its cell count, or returns -1 when no digit has fewer. */
static int fewest_places(int *count, int *digit) {
    int best_unit = -1;
    for (int d = 1; d <= 9; d++) {
        for (int unit = 0; unit < 27; unit++) {
            if (!placed[d][unit] && place_count[d][unit] < *count) {
                best_unit = unit;
                *digit = d;
                *count = place_count[d][unit];
                if (*count <= 1) {
                    return best_unit;
                }
            }
        }
    }
    return best_unit;
}

static int solve(void) {
    int count;
    int cell = fewest_candidates(&count);
    if (cell < 0) {
        return 1;
    }
    int digit = 0;
    int unit = count > 1 ? fewest_places(&count, &digit) : -1;
    if (count == 0) {
        return 0;
    }
    if (unit < 0) {
        for (digit = 1; digit <= 9; digit++) {
            if (!blocked[digit][cell]) {
                place(cell, digit);
                if (solve()) {
                    return 1;
                }
                unplace(cell, digit);
            }
        }
    } else {
        for (int i = 0; i < 9; i++) {
            cell = unit_cells[unit][i];
            if (!grid[cell] && !blocked[digit][cell]) {
                place(cell, digit);
                if (solve()) {
                    return 1;
                }
                unplace(cell, digit);
            }
        }
    }
    return 0;
}

int main(void) {
    build_units();
    const char *fallback = NULL;
    int c = getchar();
    if (c == EOF) {
        fallback = default_puzzle;
        c = *fallback++;
    }
    int cell = 0;
    while (cell < 81) {
        if (c == EOF || c == '\0') {
            printf("expected 81 cells, got %d\n", cell);
            return 1;
        }
        if (c == '0' || c == '.') {
            cell++;
        } else if (c >= '1' && c <= '9') {
            if (blocked[c - '0'][cell]) {
                printf("digit %c in row %d, column %d repeats a digit of its row, column or box\n",
                       c, units_of[0][cell] + 1, units_of[1][cell] - 8);
                return 1;
            }
            place(cell, c - '0');
            cell++;
        }
        c = fallback ? *fallback++ : getchar();
    }

    if (!solve()) {
        printf("no solution\n");
        return 1;
    }
    for (cell = 0; cell < 81; cell++) {
        putchar('0' + grid[cell]);
        if (units_of[1][cell] == 17) {
            putchar('\n');
        }
    }
    return 0;
}
