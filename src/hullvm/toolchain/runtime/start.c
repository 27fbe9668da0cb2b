/* The entry point: the host calls _start, whose result is the program's exit status. */
int main(void);

int _start(void) {
    return main();
}
