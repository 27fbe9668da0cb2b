"""Tests for the C toolchain, its runtime, the example programs and the wasmtime reference runner."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import pytest
import wasmtime

from hullvm.errors import CompileError, UnsupportedError, WasmValidationError
from hullvm.reference import ReferenceResult, run_reference
from hullvm.toolchain import compile_c, load_program
from programs import EXAMPLES_DIR, PROGRAMS, SUDOKU_EASY, SUDOKU_HARD

HUNGARIAN_DEFAULT = [
    [61, 58, 35, 86, 32, 39, 41, 27, 21, 42],
    [59, 77, 97, 99, 78, 21, 89, 72, 35, 63],
    [88, 85, 37, 57, 59, 97, 37, 29, 69, 94],
    [32, 82, 53, 20, 77, 96, 21, 70, 50, 61],
    [15, 44, 81, 10, 64, 36, 56, 78, 20, 69],
    [76, 35, 87, 69, 16, 55, 26, 37, 30, 66],
    [86, 32, 74, 94, 32, 14, 24, 12, 31, 70],
    [97, 63, 20, 64, 90, 21, 28, 49, 89, 10],
    [58, 52, 27, 76, 61, 35, 17, 91, 37, 66],
    [42, 79, 61, 26, 55, 98, 70, 17, 26, 86],
]

HOST_IMPORTS = """
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (import "hullvm" "getchar" (func $getchar (result i32)))
  (import "hullvm" "exit" (func $exit (param i32)))
"""


@lru_cache(maxsize=None)
def compiled_example(name: str) -> bytes:
    return compile_c(EXAMPLES_DIR / name)


def run_example(name: str, input_bytes: bytes = b"") -> ReferenceResult:
    return run_reference(compiled_example(name), input_bytes, fuel=100_000_000)


def run_c(tmp_path: Path, source: str, input_bytes: bytes = b"") -> ReferenceResult:
    path = tmp_path / "program.c"
    path.write_text(source)
    return run_reference(compile_c(path), input_bytes, fuel=10_000_000)


def wat_module(body: str, extra: str = "") -> bytes:
    """Assemble a module whose _start prints 'A' and then runs `body`, which leaves an i32."""
    return wasmtime.wat2wasm(f"""
(module {HOST_IMPORTS}
  (memory 1)
  {extra}
  (func (export "_start") (result i32)
    (call $putchar (i32.const 65))
    {body}))
""")


# ---- example programs ----

@pytest.mark.parametrize(("name", "input_bytes", "is_slow"), PROGRAMS)
def test_program_table_runs_cleanly(name: str, input_bytes: bytes, is_slow: bool) -> None:
    result = run_example(name, input_bytes)
    assert result.trap is None
    assert result.exit_code in (0, 1)
    assert result.output.endswith(b"\n")


def test_program_table_covers_examples() -> None:
    names = {name for name, _, _ in PROGRAMS}
    assert names == {path.name for path in EXAMPLES_DIR.glob("*.c")}
    for name in names:
        assert any(not slow for entry, _, slow in PROGRAMS if entry == name), name


def test_hello_default_and_name() -> None:
    assert run_example("hello.c").output == b"Hello, world!\n"
    assert run_example("hello.c", b"Ada\nignored\n").output == b"Hello, Ada!\n"


def test_bigadd_sums() -> None:
    expected = 123456789012345678901234567890 + 987654321098765432109876543210
    assert run_example("bigadd.c").output == f"{expected}\n".encode()
    assert run_example("bigadd.c", b"999\n1\n").output == b"1000\n"
    assert run_example("bigadd.c", b"000 0").output == b"0\n"
    a = int("9" * 300)
    b = 12345678901234567890
    assert run_example("bigadd.c", f"{a} {b}".encode()).output == f"{a + b}\n".encode()


def test_bigadd_rejects_non_digits() -> None:
    result = run_example("bigadd.c", b"12x 3")
    assert result.exit_code == 1
    assert b"expected two non-negative integers" in result.output


def collatz_sequence(n: int) -> list[int]:
    sequence = [n]
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        sequence.append(n)
    return sequence


def test_collatz_27_takes_111_steps() -> None:
    lines = run_example("collatz.c").output.decode().splitlines()
    assert lines[1] == "steps: 111"
    assert [int(x) for x in lines[0].split()] == collatz_sequence(27)


def test_collatz_small_inputs() -> None:
    assert run_example("collatz.c", b"6").output == b"6 3 10 5 16 8 4 2 1\nsteps: 8\n"
    assert run_example("collatz.c", b"1").output == b"1\nsteps: 0\n"
    assert run_example("collatz.c", b"0").exit_code == 1
    overflow = run_example("collatz.c", b"4294967295")
    assert overflow.exit_code == 1
    assert overflow.output == b"4294967295\n3n + 1 overflows 32 bits after 0 steps\n"


def fibonacci_mod_2_32(n: int) -> list[int]:
    numbers = [0, 1]
    while len(numbers) <= n:
        numbers.append(numbers[-1] + numbers[-2])
    return [x % 2**32 for x in numbers[: n + 1]]


def test_fibonacci_wraps_at_32_bits() -> None:
    assert run_example("fibonacci.c", b"10").output == b"0 1 1 2 3 5 8 13 21 34 55\n"
    output = run_example("fibonacci.c", b"50").output
    assert [int(x) for x in output.split()] == fibonacci_mod_2_32(50)
    default = run_example("fibonacci.c").output
    assert [int(x) for x in default.split()] == fibonacci_mod_2_32(30)


def test_hungarian_default_total_206() -> None:
    lines = run_example("hungarian.c").output.decode().splitlines()
    assert lines[-1] == "total 206"
    assert lines[9] == "row 10 added: cost 206"
    columns = []
    total = 0
    for row, line in enumerate(lines[10:20], start=1):
        left, cost = line.split(": ")
        assert left.startswith(f"row {row} -> column ")
        column = int(left.rsplit(" ", 1)[1])
        assert int(cost) == HUNGARIAN_DEFAULT[row - 1][column - 1]
        columns.append(column)
        total += int(cost)
    assert sorted(columns) == list(range(1, 11))
    assert total == 206


def test_hungarian_small_matrices() -> None:
    output = run_example("hungarian.c", b"2\n3 1\n2 5\n").output.decode()
    assert output.endswith("row 1 -> column 2: 1\nrow 2 -> column 1: 2\ntotal 3\n")
    # Optimal for [[4 1 3] [2 0 5] [3 2 2]] is 1 + 2 + 2 = 5.
    output = run_example("hungarian.c", b"3\n4 1 3\n2 0 5\n3 2 2\n").output.decode()
    assert output.endswith("total 5\n")


def check_sudoku_solution(puzzle: bytes, output: bytes) -> None:
    rows = output.decode().split()
    assert len(rows) == 9
    digits = "".join(rows)
    assert len(digits) == 81
    for given, placed in zip(puzzle.decode(), digits):
        if given not in ".0":
            assert placed == given
    full = set("123456789")
    for i in range(9):
        assert set(digits[9 * i: 9 * i + 9]) == full
        assert set(digits[i::9]) == full
        top, left = 3 * (i // 3), 3 * (i % 3)
        box = {digits[9 * (top + r) + left + c] for r in range(3) for c in range(3)}
        assert box == full


def test_sudoku_default_is_solved() -> None:
    result = run_example("sudoku.c")
    assert result.exit_code == 0
    check_sudoku_solution(SUDOKU_HARD, result.output)


def test_sudoku_easy_puzzle_is_solved() -> None:
    result = run_example("sudoku.c", SUDOKU_EASY)
    assert result.exit_code == 0
    check_sudoku_solution(SUDOKU_EASY, result.output)


def test_sudoku_rejects_bad_input() -> None:
    repeated = run_example("sudoku.c", b"11")
    assert repeated.exit_code == 1
    assert repeated.output.startswith(b"digit 1 in row 1, column 2 repeats")
    short = run_example("sudoku.c", b"12")
    assert short.output == b"expected 81 cells, got 2\n"
    unsolvable = b"12345678." + b"........9" + b"." * 63
    assert run_example("sudoku.c", unsolvable).output == b"no solution\n"


def test_sort_orders_numbers() -> None:
    assert run_example("sort.c", b"3 1 2").output == b"1 2 3\n"
    output = run_example("sort.c", b"5 -7 5 0 2147483647 -2147483648").output
    assert output == b"-2147483648 -7 0 5 5 2147483647\n"
    default = [31, -4, 15, 9, 26, -5, 3, 58, 97, 0, 9, 32]
    assert run_example("sort.c").output == " ".join(map(str, sorted(default))).encode() + b"\n"


def test_sieve_primes() -> None:
    assert run_example("sieve.c", b"30").output == b"2 3 5 7 11 13 17 19 23 29\n10 primes\n"
    lines = run_example("sieve.c", b"1000").output.split(b"\n")
    assert lines[1] == b"168 primes"
    assert run_example("sieve.c", b"1").output == b"\n0 primes\n"
    # 46349 is the first prime whose square overflows int.
    assert run_example("sieve.c", b"100000").output.endswith(b" 99991\n9592 primes\n")


def test_nqueens_counts() -> None:
    assert run_example("nqueens.c", b"4").output == b"4 queens: 2 solutions\n"
    assert run_example("nqueens.c").output == b"6 queens: 4 solutions\n"
    assert run_example("nqueens.c", b"8").output == b"8 queens: 92 solutions\n"


def test_gcd_pairs() -> None:
    output = run_example("gcd.c", b"12 18\n7 0\n").output
    assert output == b"gcd(12, 18) = 6\ngcd(7, 0) = 7\n"
    assert run_example("gcd.c").output.splitlines()[1] == b"gcd(1071, 462) = 21"


def test_strrev_reverses_words() -> None:
    assert run_example("strrev.c", b"ab cd\n  x\tyz!\n").output == b"ba dc\n  x\t!zy\n"
    assert run_example("strrev.c").output == b",olleH !dlrow\nmvlluh snur C\n"


def test_examples_use_no_float_instructions() -> None:
    binary = pytest.importorskip("hullvm.wasm.binary")
    for path in sorted(EXAMPLES_DIR.glob("*.c")):
        module = binary.decode_module(compiled_example(path.name))
        names = {instr.name for function in module.functions for instr in function.body}
        floats = sorted(name for name in names if name.startswith(("f32", "f64")))
        assert floats == [], path.name
        assert "memory.fill" not in names, path.name
        assert "memory.copy" not in names, path.name
        assert [(entry.module, entry.name) for entry in module.imports] <= [
            ("hullvm", "putchar"), ("hullvm", "getchar"), ("hullvm", "exit")], path.name


# ---- the C runtime ----

PRINTF_PROGRAM = r"""
#include <limits.h>
#include <stdio.h>
int main(void) {
    int n = printf("[%d|%i|%u|%x|%X|%c|%s|%%]\n", -42, 17, 3000000000u, 0xbeef, 0xBEEF, 'q', "str");
    printf("[%5d|%-5d|%05d|%-05d|%5s|%-5s|%3c|%08x|%-3x]\n", -42, 42, -42, 7, "ab", "ab", 'z', 255, 10);
    printf("[%d|%d|%u|%x|%d|%u|%x|%X]\n", INT_MIN, INT_MAX, UINT_MAX, UINT_MAX, 0, 0u, 0, 0x10);
    printf("[%ld|%lu|%zu|%lx|%2d|%1s]\n", -5L, 5UL, (size_t)12, 255UL, 12345, "long");
    printf("%d\n", n);
    puts("line");
    return 0;
}
"""


def test_printf_conversions(tmp_path: Path) -> None:
    result = run_c(tmp_path, PRINTF_PROGRAM)
    first = "[%d|%i|%u|%x|%X|%c|%s|%%]\n" % (-42, 17, 3000000000, 0xBEEF, 0xBEEF, "q", "str")
    expected = (
        first
        + "[%5d|%-5d|%05d|%-05d|%5s|%-5s|%3c|%08x|%-3x]\n" % (-42, 42, -42, 7, "ab", "ab", "z",
                                                             255, 10)
        + "[%d|%d|%u|%x|%d|%u|%x|%X]\n" % (-2**31, 2**31 - 1, 2**32 - 1, 2**32 - 1, 0, 0, 0, 16)
        + "[-5|5|12|ff|12345|long]\n"
        + f"{len(first)}\n"
        + "line\n"
    )
    assert result.output.decode() == expected
    assert result.exit_code == 0


def test_printf_unsupported_conversion_printed(tmp_path: Path) -> None:
    source = '#include <stdio.h>\nint main(void) { printf("a%qb%"); return 0; }\n'
    assert run_c(tmp_path, source).output == b"a%qb"


SCANF_PROGRAM = r"""
#include <stdio.h>
int main(void) {
    int a, b, c, d;
    unsigned u;
    char word[16];
    char ch;
    int r = scanf("%d %d %d", &a, &b, &c);
    printf("%d:%d,%d,%d\n", r, a, b, c);
    r = scanf("%s %c%d %u", word, &ch, &d, &u);
    printf("%d:%s,%c,%d,%u\n", r, word, ch, d, u);
    r = scanf("%d,%d", &a, &b);
    printf("%d:%d,%d\n", r, a, b);
    r = scanf("%d", &a);
    printf("%d:%c", r, getchar());
    printf("%c\n", getchar());
    r = scanf("%d", &a);
    printf("%d:%d\n", r, a);
    r = scanf("%d", &a);
    printf("%d\n", r);
    return 0;
}
"""


def test_scanf_conversions_and_pushback(tmp_path: Path) -> None:
    input_bytes = b"  42 -17 +5\nword x7 3000000000\n3,4 xy 12"
    result = run_c(tmp_path, SCANF_PROGRAM, input_bytes)
    assert result.output.decode().splitlines() == [
        "3:42,-17,5",
        "4:word,x,7,3000000000",
        "2:3,4",
        "0:xy",
        "1:12",
        "-1",
    ]


def test_fgets_and_ungetc(tmp_path: Path) -> None:
    source = r"""
#include <stdio.h>
int main(void) {
    char line[6];
    while (fgets(line, sizeof line, stdin)) {
        printf("[%s]", line);
    }
    ungetc('z', stdin);
    printf("%c%d\n", getchar(), getchar());
    return 0;
}
"""
    result = run_c(tmp_path, source, b"line one\nab")
    assert result.output == b"[line ][one\n][ab]z-1\n"


STRING_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    char buffer[32];
    strcpy(buffer, "hello");
    strcat(buffer, ", world");
    printf("%d %s\n", (int)strlen(buffer), buffer);
    printf("%d %d %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("same", "same"));
    printf("%d %d\n", strncmp("abcx", "abcy", 3), strncmp("abcx", "abcy", 4) < 0);
    printf("%s %d\n", strchr(buffer, 'w'), strchr(buffer, 'z') == NULL);
    memset(buffer, 'x', 3);
    printf("%s\n", buffer);
    strcpy(buffer, "abcdefgh");
    memmove(buffer + 2, buffer, 5);
    printf("%s\n", buffer);
    strcpy(buffer, "abcdefgh");
    memmove(buffer, buffer + 3, 5);
    printf("%s\n", buffer);
    memcpy(buffer, "XY", 2);
    printf("%s %d %d\n", buffer, memcmp("ab", "ac", 2) < 0, memcmp("ab", "ab", 2));
    printf("%d %d %d %d\n", abs(-7), abs(7), atoi("  -123abc"), atoi("+42"));
    return 0;
}
"""


def test_string_and_stdlib_functions(tmp_path: Path) -> None:
    result = run_c(tmp_path, STRING_PROGRAM)
    assert result.output.decode().splitlines() == [
        "12 hello, world",
        "1 1 0",
        "0 1",
        "world 1",
        "xxxlo, world",
        "ababcdeh",
        "defghfgh",
        "XYfghfgh 1 0",
        "7 7 -123 42",
    ]


def test_malloc_calloc_and_limits(tmp_path: Path) -> None:
    source = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    char *a = malloc(10);
    char *b = malloc(3);
    int *c = calloc(100, sizeof(int));
    int zero = 1;
    for (int i = 0; i < 100; i++) {
        zero = zero && c[i] == 0;
    }
    printf("%d %d %d %d\n", (int)((uintptr_t)a % 8), (int)((uintptr_t)b % 8), b - a >= 10,
           zero);
    printf("%d %d\n", malloc(8 << 20) == NULL, calloc(1 << 16, 1 << 16) == NULL);
    free(a);
    return 0;
}
"""
    assert run_c(tmp_path, source).output == b"0 0 1 1\n1 1\n"


CTYPE_NAMES = ("isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isxdigit",
               "isprint", "ispunct")


def test_ctype_classes_match_ascii(tmp_path: Path) -> None:
    checks = "\n".join(
        f'    for (int c = -1; c < 256; c++) if ({name}(c)) putchar(c);\n    putchar(0);'
        for name in CTYPE_NAMES)
    source = (
        "#include <ctype.h>\n#include <stdio.h>\nint main(void) {\n" + checks
        + '\n    printf("%c%c%c%c", toupper(\'a\'), toupper(\'A\'), tolower(\'Q\'), '
        "tolower('1'));\n    return 0;\n}\n")
    parts = run_c(tmp_path, source).output.split(b"\0")
    printable = bytes(range(32, 127))
    expected = {
        "isdigit": string.digits,
        "isalpha": string.ascii_letters,
        "isalnum": string.digits + string.ascii_letters,
        "isspace": " \t\n\v\f\r",
        "isupper": string.ascii_uppercase,
        "islower": string.ascii_lowercase,
        "isxdigit": string.hexdigits,
        "isprint": printable.decode(),
        "ispunct": string.punctuation,
    }
    for name, part in zip(CTYPE_NAMES, parts):
        assert sorted(part) == sorted(expected[name].encode()), name
    assert parts[-1] == b"AAq1"


def test_exit_status_and_output(tmp_path: Path) -> None:
    source = '#include <stdio.h>\n#include <stdlib.h>\n' \
             'int main(void) { printf("bye\\n"); exit(3); return 0; }\n'
    result = run_c(tmp_path, source)
    assert result == ReferenceResult(b"bye\n", 3, None)


def test_main_return_value_is_raw(tmp_path: Path) -> None:
    assert run_c(tmp_path, "int main(void) { return 300; }\n").exit_code == 300
    assert run_c(tmp_path, "int main(void) { return -1; }\n").exit_code == -1


C_TRAPS = [
    ("abort", "abort();", b"", "unreachable"),
    ("divide", "printf(\"%d\", 10 / n);", b"0", "integer divide by zero"),
    ("overflow", "printf(\"%d\", (n - 2147483647 - 1) / (n - 1));", b"0", "integer overflow"),
    ("load", "printf(\"%d\", *(volatile int *)(n + 0x7ffffff0));", b"0",
     "out of bounds memory access"),
    # The stack is placed first, so running past its bottom wraps the stack pointer to an
    # address above memory instead of overwriting static data.
    ("stack", "printf(\"%d\", deep(n));", b"0", "out of bounds memory access"),
]


@pytest.mark.parametrize(("name", "statement", "input_bytes", "trap"), C_TRAPS,
                         ids=[case[0] for case in C_TRAPS])
def test_c_traps_keep_output(tmp_path: Path, name: str, statement: str, input_bytes: bytes,
                             trap: str) -> None:
    source = f"""
#include <stdio.h>
#include <stdlib.h>
int deep(int n) {{
    volatile char frame[512];
    frame[0] = (char)n;
    return deep(n + 1) + frame[0];
}}
int main(void) {{
    int n = 0;
    scanf("%d", &n);
    printf("before\\n");
    {statement}
    printf("after\\n");
    return 0;
}}
"""
    result = run_c(tmp_path, source, input_bytes)
    assert result.trap == trap
    assert result.output == b"before\n"
    assert result.exit_code is None


# ---- compile errors and load_program ----

def test_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.c"
    path.write_text("#include <stdio.h>\nint main(void) {\n    int x = 1\n    return x;\n}\n")
    with pytest.raises(CompileError) as caught:
        compile_c(path)
    message = str(caught.value)
    assert "bad.c:3:" in message
    assert "expected ';'" in message
    assert "hint:" in message


def test_missing_header_hint(tmp_path: Path) -> None:
    path = tmp_path / "math.c"
    path.write_text("#include <math.h>\nint main(void) { return 0; }\n")
    with pytest.raises(CompileError) as caught:
        compile_c(path)
    assert "'math.h' file not found" in str(caught.value)
    assert "stdio.h, stdlib.h, string.h" in str(caught.value)


def test_undefined_function_hint(tmp_path: Path) -> None:
    path = tmp_path / "undefined.c"
    path.write_text("double sqrt(double);\nint main(void) { return (int)sqrt(2.0); }\n")
    with pytest.raises(CompileError) as caught:
        compile_c(path)
    assert "runtime does not provide sqrt" in str(caught.value)


def test_argv_main_runs(tmp_path: Path) -> None:
    source = ('#include <stdio.h>\nint main(int argc, char **argv) {\n'
              '    printf("%d %s %d\\n", argc, argv[0], argv[argc] == 0);\n    return argc + 4;\n}\n')
    assert run_c(tmp_path, source) == ReferenceResult(b"1 program 1\n", 5, None)


def test_missing_main_hint(tmp_path: Path) -> None:
    path = tmp_path / "nomain.c"
    path.write_text("int helper(void) { return 1; }\n")
    with pytest.raises(CompileError) as caught:
        compile_c(path)
    assert "int main(void) or int main(int argc, char **argv)" in str(caught.value)


def test_static_data_too_large_hint(tmp_path: Path) -> None:
    path = tmp_path / "large.c"
    path.write_text("char big[300000];\nint main(void) { big[299999] = 1; return big[5]; }\n")
    with pytest.raises(CompileError) as caught:
        compile_c(path)
    assert "make its global arrays smaller" in str(caught.value)


def test_compile_c_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="not found"):
        compile_c(tmp_path / "missing.c")
    with pytest.raises(ValueError):
        compile_c(EXAMPLES_DIR / "hello.c", opt="-O9")


def test_compile_c_missing_override_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HULLVM_CLANG", "/nonexistent/clang")
    with pytest.raises(CompileError, match="could not run the C compiler /nonexistent/clang"):
        compile_c(EXAMPLES_DIR / "hello.c")


def test_compile_c_optimization_levels() -> None:
    for opt in ("-O0", "-Os"):
        wasm = compile_c(EXAMPLES_DIR / "gcd.c", opt=opt)
        assert run_reference(wasm, b"12 18").output == b"gcd(12, 18) = 6\n"


def test_load_program_by_suffix(tmp_path: Path) -> None:
    c_path = tmp_path / "p.c"
    c_path.write_text("int main(void) { return 5; }\n")
    assert run_reference(load_program(c_path)).exit_code == 5

    wat_path = tmp_path / "p.wat"
    wat_path.write_text('(module (func (export "_start") (result i32) (i32.const 6)))')
    wasm = load_program(wat_path)
    assert wasm.startswith(b"\0asm")
    assert run_reference(wasm).exit_code == 6

    wasm_path = tmp_path / "p.wasm"
    wasm_path.write_bytes(wasm)
    assert load_program(wasm_path) == wasm


def test_load_program_errors(tmp_path: Path) -> None:
    bad_wat = tmp_path / "bad.wat"
    bad_wat.write_text("(module (func (export \"_start\") (result i32) (i32.bogus)))")
    with pytest.raises(CompileError, match="assembling .*bad.wat failed"):
        load_program(bad_wat)
    text = tmp_path / "p.txt"
    text.write_text("hi")
    with pytest.raises(CompileError, match=r"\.c.*\.wat.*\.wasm"):
        load_program(text)
    with pytest.raises(CompileError, match="missing.wasm"):
        load_program(tmp_path / "missing.wasm")


# ---- the reference runner on hand-written modules ----

WAT_TRAPS = [
    ("unreachable", "(unreachable)", "", "unreachable"),
    ("divide", "(i32.div_u (i32.const 1) (i32.const 0))", "", "integer divide by zero"),
    ("overflow", "(i32.div_s (i32.const -2147483648) (i32.const -1))", "", "integer overflow"),
    ("load", "(i32.load (i32.const 65535))", "", "out of bounds memory access"),
    ("store", "(i32.store8 (i32.const 65536) (i32.const 1)) (i32.const 0)", "",
     "out of bounds memory access"),
    ("recursion", "(call $recurse)", "(func $recurse (result i32) (call $recurse))",
     "call stack exhausted"),
    ("undefined", "(call_indirect (type $void) (i32.const 5)) (i32.const 0)",
     "(type $void (func)) (table 2 funcref) (elem (i32.const 0) $nothing) (func $nothing)",
     "undefined element"),
    ("uninitialized", "(call_indirect (type $void) (i32.const 1)) (i32.const 0)",
     "(type $void (func)) (table 2 funcref) (elem (i32.const 0) $nothing) (func $nothing)",
     "uninitialized element"),
    ("mismatch", "(call_indirect (type $int) (i32.const 0))",
     "(type $int (func (result i32))) (table 1 funcref) (elem (i32.const 0) $nothing) "
     "(func $nothing)",
     "indirect call type mismatch"),
]


@pytest.mark.parametrize(("name", "body", "extra", "trap"), WAT_TRAPS,
                         ids=[case[0] for case in WAT_TRAPS])
def test_wat_traps_keep_output(name: str, body: str, extra: str, trap: str) -> None:
    result = run_reference(wat_module(body, extra))
    assert result == ReferenceResult(b"A", None, trap)


def test_fuel_limit_traps() -> None:
    wasm = wat_module("(loop $forever (br $forever)) (i32.const 0)")
    assert run_reference(wasm, fuel=10_000) == ReferenceResult(b"A", None, "out of fuel")


def test_exit_import_status() -> None:
    assert run_reference(wat_module("(call $exit (i32.const 3)) (i32.const 9)")).exit_code == 3
    assert run_reference(wat_module("(call $exit (i32.const -1)) (i32.const 9)")).exit_code == -1


def test_getchar_reads_input_then_eof() -> None:
    body = """
    (block $done
      (loop $copy
        (local.set $c (call $getchar))
        (br_if $done (i32.lt_s (local.get $c) (i32.const 0)))
        (call $putchar (local.get $c))
        (br $copy)))
    (call $getchar)"""
    wasm = wasmtime.wat2wasm(f"""
(module {HOST_IMPORTS}
  (func (export "_start") (result i32) (local $c i32)
    (call $putchar (i32.const 65)) {body}))""")
    assert run_reference(wasm, b"\x00\xffz") == ReferenceResult(b"A\x00\xffz", -1, None)


def test_entry_without_result_and_main() -> None:
    no_result = wasmtime.wat2wasm('(module (func (export "_start")))')
    assert run_reference(no_result) == ReferenceResult(b"", 0, None)
    main_only = wasmtime.wat2wasm('(module (func (export "main") (result i32) (i32.const 4)))')
    assert run_reference(main_only).exit_code == 4


def test_start_function_trap() -> None:
    wasm = wasmtime.wat2wasm(f"""
(module {HOST_IMPORTS}
  (func $init (call $putchar (i32.const 66)) (unreachable))
  (start $init)
  (func (export "_start") (result i32) (i32.const 0)))""")
    assert run_reference(wasm) == ReferenceResult(b"B", None, "unreachable")


def test_runner_rejects_bad_modules() -> None:
    with pytest.raises(WasmValidationError, match="wasmtime rejected"):
        run_reference(b"\0asm\x01\0\0\0\x99")
    with pytest.raises(UnsupportedError, match="no entry function"):
        run_reference(wasmtime.wat2wasm('(module (func (export "run")))'))
    with pytest.raises(UnsupportedError, match="must take no parameters"):
        run_reference(wasmtime.wat2wasm('(module (func (export "_start") (param i32)))'))
    with pytest.raises(UnsupportedError, match="env.puts is not a host function"):
        run_reference(wasmtime.wat2wasm(
            '(module (import "env" "puts" (func (param i32))) (func (export "_start")))'))
    with pytest.raises(UnsupportedError, match="hullvm.putchar is not a host function"):
        run_reference(wasmtime.wat2wasm(
            '(module (import "hullvm" "putchar" (func (param i64))) (func (export "_start")))'))
