/* The entry point: the host calls _start, whose result is the program's exit status.
 *
 * Programs define main as int main(void) or int main(int argc, char **argv). With
 * -ffreestanding clang keeps the name main for both, and LLVM compiles main(void) to
 * __original_main plus a function main(argc, argv) that calls it, so this call links to
 * either form. The host passes no command line: argc is 1 and argv is {"program", NULL}.
 */
int main(int argc, char **argv);

static char program_name[] = "program";
static char *arguments[] = {program_name, 0};

int _start(void) {
    return main(1, arguments);
}
