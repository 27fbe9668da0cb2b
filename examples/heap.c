/* Allocates blocks of 60,000 bytes with malloc until it returns NULL. malloc grows linear
 * memory page by page up to its maximum. The program writes the first and last byte of each
 * block, then prints how many blocks fit and a checksum of what it reads back. The input, if
 * any, is a limit on the number of blocks. */
#include <stdio.h>
#include <stdlib.h>

#define BLOCK_SIZE 60000

int main(void) {
    int limit = 1000;
    if (scanf("%d", &limit) != 1) {
        limit = 1000;
    }
    unsigned char *blocks[100];
    int count = 0;
    while (count < limit && count < 100) {
        unsigned char *block = malloc(BLOCK_SIZE);
        if (block == NULL) {
            break;
        }
        block[0] = (unsigned char)count;
        block[BLOCK_SIZE - 1] = (unsigned char)(count * 3);
        blocks[count++] = block;
    }
    unsigned checksum = 0;
    for (int i = 0; i < count; i++) {
        checksum = checksum * 31 + blocks[i][0] + blocks[i][BLOCK_SIZE - 1];
    }
    printf("%d blocks of %d bytes, checksum %u\n", count, BLOCK_SIZE, checksum);
    return 0;
}
