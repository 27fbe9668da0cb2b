"""Ordinary C programs and the C runtime's library functions.

The programs under examples/ordinary/ run through the model and must match wasmtime in output
bytes and exit status. The library tests run small C programs through wasmtime only.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from hullvm.pipeline import load_model, prepare, run_program
from hullvm.reference import ReferenceResult, run_reference
from hullvm.toolchain import compile_c
from ordinary_programs import ORDINARY_DIR, ORDINARY_PROGRAMS


@lru_cache(maxsize=None)
def compiled(name: str) -> bytes:
    return compile_c(ORDINARY_DIR / name)


def run_ordinary(name: str, input_bytes: bytes = b"") -> ReferenceResult:
    return run_reference(compiled(name), input_bytes, fuel=100_000_000)


def run_c(tmp_path: Path, source: str, input_bytes: bytes = b"") -> ReferenceResult:
    path = tmp_path / "program.c"
    path.write_text(source)
    return run_reference(compile_c(path), input_bytes, fuel=50_000_000)


def output_lines(result: ReferenceResult) -> list[str]:
    assert result.trap is None, result
    return result.output.decode().splitlines()


# ---- the programs through the model ----

def _model_cases():
    for name, input_bytes, slow in ORDINARY_PROGRAMS:
        marks = (pytest.mark.slow,) if slow else ()
        yield pytest.param(name, input_bytes, marks=marks, id=f"{name}-{input_bytes[:12]!r}")


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize("name,input_bytes", list(_model_cases()))
def test_ordinary_program_matches_wasmtime(model, name: str, input_bytes: bytes) -> None:
    wasm = compiled(name)
    expected = run_reference(wasm, input_bytes)
    result = run_program(prepare(wasm), input_bytes, model=model)
    assert result.stop_reason in ("halt", "trap")
    assert result.trace.output == expected.output
    assert result.trace.exit_code == expected.exit_code
    assert result.trace.trap == expected.trap


def test_ordinary_table_covers_programs() -> None:
    names = {name for name, _, _ in ORDINARY_PROGRAMS}
    assert names == {path.name for path in ORDINARY_DIR.glob("*.c")}
    assert len(names) >= 10
    for name in names:
        assert any(not slow for entry, _, slow in ORDINARY_PROGRAMS if entry == name), name


def test_ordinary_programs_use_only_host_imports_and_no_floats() -> None:
    binary = pytest.importorskip("hullvm.wasm.binary")
    for path in sorted(ORDINARY_DIR.glob("*.c")):
        module = binary.decode_module(compiled(path.name))
        names = {instr.name for function in module.functions for instr in function.body}
        assert not [name for name in names if name.startswith(("f32", "f64"))], path.name
        assert [(entry.module, entry.name) for entry in module.imports] <= [
            ("hullvm", "putchar"), ("hullvm", "getchar"), ("hullvm", "exit")], path.name


# ---- the programs' results, through wasmtime ----

def test_wordfreq_counts_words() -> None:
    text = "It was the best of times, it was the worst of times;\nthe END.\n"
    words = re.findall(r"[a-z0-9']+", text.lower())
    counts = sorted(Counter(words).items(), key=lambda item: (-item[1], item[0]))
    expected = [f"{len(words)} words, {len(counts)} distinct"]
    expected += [f"{word:<8s} {count:3d}" for word, count in counts]
    assert output_lines(run_ordinary("wordfreq.c", text.encode())) == expected


def test_matmul_product() -> None:
    rng = random.Random(5)
    n = 4
    a = [[rng.randint(-50, 50) for _ in range(n)] for _ in range(n)]
    b = [[rng.randint(-50, 50) for _ in range(n)] for _ in range(n)]
    numbers = " ".join(str(x) for row in a + b for x in row)
    c = [[sum(a[i][k] * b[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    expected = ["".join(f"{x:6d}" for x in row) for row in c]
    expected.append(f"trace = {sum(c[i][i] for i in range(n))}")
    assert output_lines(run_ordinary("matmul.c", f"{n}\n{numbers}\n".encode())) == expected


def test_ledger_balances_and_errors() -> None:
    commands = b"open a 10.05\nopen b 1\ntransfer a b 0.5\nwithdraw b 99\nfoo a 1\n"
    result = run_ordinary("ledger.c", commands)
    assert result.output.decode().splitlines() == [
        "b: insufficient funds", "unknown command foo", "a        9.55", "b        1.50"]
    assert result.exit_code == 1


def test_rpn_values() -> None:
    lines = b"1 2 3 + +\n0x10 010 -\n-7 2 %\n9223372036854775807 1 +\n1 2 x\n"
    assert output_lines(run_ordinary("rpn.c", lines)) == [
        "1 2 3 + + = 6", "0x10 010 - = 8", "-7 2 % = -1",
        "9223372036854775807 1 + = -9223372036854775808", "program: 1 2 x: unknown token"]


def test_bst_in_order_and_height() -> None:
    rng = random.Random(9)
    keys = [rng.randint(0, 60) for _ in range(25)]
    lines = output_lines(run_ordinary("bst.c", " ".join(map(str, keys)).encode()))
    counts = Counter(keys)
    assert lines[0] == "in order:" + "".join(
        f" {k}(x{counts[k]})" if counts[k] > 1 else f" {k}" for k in sorted(counts))
    assert lines[2:4] == [f"min: {min(keys)}", f"max: {max(keys)}"]
    assert lines[4] == f"contains 40: {'yes' if 40 in counts else 'no'}"


def test_factor_long_long() -> None:
    assert output_lines(run_ordinary("factor.c", b"1 97 1000000007 4294967296 600851475143")) == [
        "1 = 1", "97 = 97", "1000000007 = 1000000007", "4294967296 = 2^32",
        "600851475143 = 71 * 839 * 1471 * 6857"]


def test_rle_round_trips() -> None:
    assert output_lines(run_ordinary("rle.c", b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n\nab\n")) == [
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz -> 31z (3/31 = 9%)", " ->  (0/0 = 0%)",
        "ab -> 1a1b (4/2 = 200%)"]


def test_histogram_buckets() -> None:
    lines = output_lines(run_ordinary("histogram.c", b"0 9 10 99 150 55"))
    assert lines[0] == "score 150 out of range"
    assert lines[1] == " 0-9  |**   | 2"
    assert lines[-1] == "n = 5, mean = 34.6, most common: 0-9"
    assert run_ordinary("histogram.c", b"1 two").exit_code == 1


def test_records_sorted_by_score_age_name() -> None:
    rows = [("zed", 30, 70), ("amy", 30, 70), ("bob", 25, 70), ("cat", 40, 99), ("bad line",)]
    text = "".join(" ".join(map(str, row)) + "\n" for row in rows)
    lines = output_lines(run_ordinary("records.c", text.encode()))
    assert lines[0] == "skipping: bad line"
    assert [line.split()[1] for line in lines[2:-1]] == ["cat", "bob", "amy", "zed"]
    assert lines[-1] == "qsort and bubble sort agree"


def test_knapsack_best_value() -> None:
    rng = random.Random(3)
    items = [(rng.randint(1, 20), rng.randint(1, 30)) for _ in range(8)]
    capacity = 40
    best = [0] * (capacity + 1)
    for weight, value in items:
        for w in range(capacity, weight - 1, -1):
            best[w] = max(best[w], best[w - weight] + value)
    text = f"{capacity} {len(items)}\n" + "".join(f"{w} {v}\n" for w, v in items)
    lines = output_lines(run_ordinary("knapsack.c", text.encode()))
    assert lines[0] == f"best value: {best[capacity]}"
    chosen = [int(x.split("(")[0]) for x in lines[1].split()[1:]]
    assert sum(items[i - 1][1] for i in chosen) == best[capacity]
    assert sum(items[i - 1][0] for i in chosen) <= capacity


def test_tokenizer_kinds() -> None:
    assert output_lines(run_ordinary("tokenizer.c", b"a_1 != \"q\" @\n")) == [
        "1:1   ident  a_1", "1:5   op     !=", "1:8   string \"q\"", "1:12  error  @",
        "4 tokens"]


def test_linkedlist_commands() -> None:
    assert output_lines(run_ordinary("linkedlist.c", b"i 3 i -1 i 3 d 5 r p q")) == [
        "5 not found", "[3, 3, -1] (3)", "unknown command q"]


# ---- the library, through wasmtime ----

# (format, C arguments, expected output). None takes the expected output from Python's %
# operator, which formats these the way C does.
PRINTF_CASES = [
    ("%d", "0", None), ("%i", "-17", None), ("%+d", "5", None), ("% d", "5", None),
    ("% d", "-5", None), ("%+ d", "5", "+5"), ("%5d", "-42", None), ("%-5d", "42", None),
    ("%05d", "-42", None), ("%-05d", "7", "7    "), ("%.3d", "7", None), ("%8.3d", "-7", None),
    ("%-8.3d", "7", None), ("%08.3d", "7", "     007"), ("%.0d", "0", ""), ("%5.0d", "0", "     "),
    ("%+.0d", "0", "+"), ("%x", "255", None), ("%X", "3054", None), ("%#x", "255", None),
    ("%#X", "255", None), ("%#x", "0", "0"), ("%#08x", "255", "0x0000ff"), ("%o", "8", None),
    ("%#o", "8", "010"), ("%#o", "0", "0"), ("%#.3o", "8", "010"), ("%u", "4294967295u", None),
    ("%u", "-1", "4294967295"), ("%d", "-2147483647 - 1", None), ("%hhd", "300", "44"),
    ("%hd", "70000", "4464"), ("%hhu", "-1", "255"), ("%hu", "-1", "65535"), ("%hhx", "0x1ff", "ff"),
    ("%ld", "-5L", "-5"), ("%lu", "4000000000UL", "4000000000"), ("%lx", "0xabcdef12UL", "abcdef12"),
    ("%zu", "sizeof(int)", "4"), ("%td", "(ptrdiff_t)-3", "-3"), ("%jd", "(intmax_t)-3", "-3"),
    ("%lld", "-9223372036854775807LL - 1", "-9223372036854775808"),
    ("%lld", "4294967296LL", "4294967296"), ("%lld", "-4294967297LL", "-4294967297"),
    ("%llu", "18446744073709551615ULL", "18446744073709551615"),
    ("%llx", "0xfedcba9876543210ULL", "fedcba9876543210"),
    ("%llX", "0xfedcba9876543210ULL", "FEDCBA9876543210"),
    ("%llo", "01777777777777777777777ULL", "1777777777777777777777"),
    ("%#llx", "0x100000000ULL", "0x100000000"), ("%+lld", "5LL", "+5"), ("%lld", "7LL", "7"),
    ("%22lld", "-123456789012LL", None), ("%-22lld", "123456789012LL", None),
    ("%022lld", "-123456789012LL", None), ("%.15lld", "123456789012LL", "000123456789012"),
    ("%c", "'A'", None), ("%3c", "'A'", None), ("%-3c", "'A'", None), ("%s", '"abc"', None),
    ("%5s", '"abc"', None), ("%-5s", '"abc"', None), ("%.2s", '"abc"', None),
    ("%5.1s", '"abc"', None), ("%s", "(char *)0", "(null)"), ("%*d", "6, 42", "    42"),
    ("%-*d", "6, 42", "42    "), ("%*d", "-6, 42", "42    "), ("%.*d", "4, 7", "0007"),
    ("%.*s", '-1, "abc"', "abc"), ("%.*s", '1, "abc"', "a"), ("%%", "0", "%"),
    ("%p", "(void *)0x1234", "0x1234"), ("%d%%%s", '1, "x"', "1%x"),
]


def _python_printf(format: str, arguments: str) -> str:
    values = []
    for argument in re.split(r",\s*", arguments):
        argument = argument.rstrip("uUlL")
        if argument.startswith('"'):
            values.append(argument.strip('"'))
        elif argument.startswith("'"):
            values.append(argument.strip("'"))
        else:
            values.append(eval(argument, {}, {}))
    return format.replace("ll", "").replace("%i", "%d").replace("%u", "%d") % tuple(values)


def test_printf_flags_width_precision_and_lengths(tmp_path: Path) -> None:
    calls = "\n".join(f'    printf("[{fmt}]\\n", {args});' for fmt, args, _ in PRINTF_CASES)
    source = ("#include <stdint.h>\n#include <stddef.h>\n#include <stdio.h>\n"
              "int main(void) {\n" + calls + "\n    return 0;\n}\n")
    lines = output_lines(run_c(tmp_path, source))
    expected = [f"[{_python_printf(fmt, args) if out is None else out}]"
                for fmt, args, out in PRINTF_CASES]
    assert len(lines) == len(expected)
    for (fmt, args, _), line, want in zip(PRINTF_CASES, lines, expected):
        assert line == want, (fmt, args)


def test_sprintf_snprintf_and_streams(tmp_path: Path) -> None:
    source = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char buffer[16];
    memset(buffer, '#', sizeof buffer);
    int n = snprintf(buffer, 5, "%d", 123456);
    printf("%d [%s] %c\n", n, buffer, buffer[5]);
    printf("%d\n", snprintf(NULL, 0, "%s-%lld", "abc", -1234567890123LL));
    n = snprintf(buffer, 1, "xyz");
    printf("%d [%s]\n", n, buffer);
    n = sprintf(buffer, "%-4s|%3d", "ab", 7);
    printf("%d [%s]\n", n, buffer);
    n = printf("12345\n");
    printf("%d\n", n);
    fprintf(stderr, "to stderr %d\n", 1);
    fputs("fputs\n", stderr);
    fputc('c', stdout);
    putc('d', stderr);
    fprintf(stdout, "\n");
    fflush(stdout);
    int (*put)(int, FILE *) = fputc;
    put('!', stdout);
    puts("");
    return 0;
}
"""
    assert output_lines(run_c(tmp_path, source)) == [
        "6 [1234] #", "18", "3 []", "8 [ab  |  7]", "12345", "6", "to stderr 1", "fputs",
        "cd", "!"]


SCANF_PROGRAM = r"""
#include <stdio.h>
int main(void) {
    int a = -1, b = -1, c = -1;
    unsigned u = 0;
    long long ll = 0;
    unsigned long long ull = 0;
    char word[16] = "-", ch = '-', chars[4] = "---", line[32] = "-";
    short h = 0;
    signed char hh = 0;
    int r;
    r = sscanf("  12 0x1F 017", "%d %i %i", &a, &b, &c);
    printf("%d: %d %d %d\n", r, a, b, c);
    r = sscanf("-9223372036854775808 18446744073709551615", "%lld %llu", &ll, &ull);
    printf("%d: %lld %llu\n", r, ll, ull);
    r = sscanf("ff 777 4294967295", "%x %o %u", &a, &b, &u);
    printf("%d: %d %d %u\n", r, a, b, u);
    r = sscanf("12345", "%2d%3d", &a, &b);
    printf("%d: %d %d\n", r, a, b);
    r = sscanf("abcdefgh xyz", "%3s%s", word, line);
    printf("%d: %s %s\n", r, word, line);
    r = sscanf("xy z", "%c%3c", &ch, chars);
    printf("%d: %c %.3s\n", r, ch, chars);
    r = sscanf("key = value here", "%s = %[^\n]", word, line);
    printf("%d: %s [%s]\n", r, word, line);
    r = sscanf("abc123", "%[a-c]%d", word, &a);
    printf("%d: %s %d\n", r, word, a);
    r = sscanf("5 skip 6", "%d %*s %d", &a, &b);
    printf("%d: %d %d\n", r, a, b);
    r = sscanf("70000 300", "%hd %hhd", &h, &hh);
    printf("%d: %d %d\n", r, h, hh);
    r = sscanf("12 abc", "%d %d", &a, &b);
    printf("%d\n", r);
    r = sscanf("", "%d", &a);
    printf("%d\n", r);
    r = sscanf("   ", "%s", word);
    printf("%d\n", r);
    r = sscanf("x", "%d", &a);
    printf("%d\n", r);
    r = sscanf("50%", "%d%%", &a);
    printf("%d: %d\n", r, a);
    r = scanf("%d ,%d", &a, &b);
    printf("%d: %d %d\n", r, a, b);
    r = scanf("%d", &a);
    printf("%d: %d [%c]\n", r, a, getc(stdin));
    r = scanf("%d", &a);
    printf("%d %c\n", r, fgetc(stdin));
    r = scanf("%s", word);
    printf("%d %s\n", r, word);
    r = scanf("%d", &a);
    printf("%d\n", r);
    return 0;
}
"""


def test_scanf_and_sscanf_conversions(tmp_path: Path) -> None:
    result = run_c(tmp_path, SCANF_PROGRAM, b" 3 ,4\n-8 word\n")
    assert output_lines(result) == [
        "3: 12 31 15",
        "2: -9223372036854775808 18446744073709551615",
        "3: 255 511 4294967295",
        "2: 12 345",
        "2: abc defgh",
        "2: x y z",
        "2: key [value here]",
        "2: abc 123",
        "2: 5 6",
        "2: 4464 44",
        "1",
        "-1",
        "-1",
        "0",
        "1: 50",
        "2: 3 4",
        "1: -8 [ ]",
        "0 w",
        "1 ord",
        "-1",
    ]


# (text, base, value, bytes consumed, errno) for strtol.
STRTOL_CASES = [
    ("0", 10, 0, 1, 0), ("  -42xyz", 10, -42, 5, 0), ("+17", 10, 17, 3, 0),
    ("\t\n 9", 10, 9, 4, 0), ("0x1F", 16, 31, 4, 0), ("1f", 16, 31, 2, 0), ("0x1F", 0, 31, 4, 0),
    ("0X1f", 0, 31, 4, 0), ("017", 0, 15, 3, 0), ("017", 10, 17, 3, 0), ("08", 0, 0, 1, 0),
    ("0x", 16, 0, 1, 0), ("0xg", 0, 0, 1, 0), ("-0x10", 0, -16, 5, 0), ("zz", 36, 1295, 2, 0),
    ("Zz", 36, 1295, 2, 0), ("101", 2, 5, 3, 0), ("102", 2, 2, 2, 0), ("2", 2, 0, 0, 0),
    ("777", 8, 511, 3, 0), ("12", 3, 5, 2, 0), ("", 10, 0, 0, 0), ("   ", 10, 0, 0, 0),
    ("-", 10, 0, 0, 0), ("+x", 10, 0, 0, 0), ("2147483647", 10, 2147483647, 10, 0),
    ("2147483648", 10, 2147483647, 10, 34), ("-2147483648", 10, -2147483648, 11, 0),
    ("-2147483649", 10, -2147483648, 11, 34), ("99999999999999999999", 10, 2147483647, 20, 34),
    ("7fffffff", 16, 2147483647, 8, 0), ("80000000", 16, 2147483647, 8, 34),
    ("-0x80000000", 0, -2147483648, 11, 0), ("zzzzzzz", 36, 2147483647, 7, 34),
    ("12", 1, 0, 0, 0), ("12", 37, 0, 0, 0), ("12", -1, 0, 0, 0),
]


def c_string(text: str) -> str:
    """The C string literal of text."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\t", "\\t").replace("\n", "\\n") + '"'


def test_strtol_edge_cases(tmp_path: Path) -> None:
    calls = "\n".join(f"    check({c_string(text)}, {base});" for text, base, *_ in STRTOL_CASES)
    source = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
static void check(const char *s, int base) {
    char *end;
    errno = 0;
    long value = strtol(s, &end, base);
    printf("%ld %d %d\n", value, (int)(end - s), errno);
}
int main(void) {
""" + calls + """
    return 0;
}
"""
    lines = output_lines(run_c(tmp_path, source))
    assert lines == [f"{value} {used} {err}" for _, _, value, used, err in STRTOL_CASES]


def test_strtoul_strtoll_strtoull_and_ato(tmp_path: Path) -> None:
    source = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    char *end;
    errno = 0;
    printf("%lu %d\n", strtoul("4294967295", NULL, 10), errno);
    printf("%lu %d\n", strtoul("4294967296", NULL, 10), errno);
    errno = 0;
    printf("%lu %lu %lu\n", strtoul("-1", NULL, 10), strtoul("ffffffff", NULL, 16),
           strtoul(" 0x10", &end, 0));
    printf("%lld %d\n", strtoll("9223372036854775807", NULL, 10), errno);
    printf("%lld %d\n", strtoll("9223372036854775808", NULL, 10), errno);
    errno = 0;
    printf("%lld %d\n", strtoll("-9223372036854775808", &end, 10), errno);
    printf("%lld %d\n", strtoll("-9223372036854775809", NULL, 10), errno);
    errno = 0;
    printf("%lld %lld %lld\n", strtoll("0x7fffffffffffffff", NULL, 0), strtoll("1z", NULL, 36),
           strtoll("-0777", NULL, 0));
    printf("%llu %d\n", strtoull("18446744073709551615", NULL, 10), errno);
    printf("%llu %d\n", strtoull("18446744073709551616", NULL, 10), errno);
    printf("%llu %llu\n", strtoull("-1", NULL, 10), strtoull("zzzzzzzzzzzz", NULL, 36));
    printf("%d %ld %lld %lld\n", atoi(" -12x"), atol("2147483647"), atoll("-9000000000"),
           atoll("x"));
    printf("%d %ld %lld %lld\n", abs(-3), labs(-4L), llabs(-5000000000LL), llabs(6LL));
    div_t d = div(-7, 2);
    ldiv_t l = ldiv(7L, -2L);
    printf("%d %d %ld %ld\n", d.quot, d.rem, l.quot, l.rem);
    return 0;
}
"""
    assert output_lines(run_c(tmp_path, source)) == [
        "4294967295 0", "4294967295 34", "4294967295 4294967295 16",
        "9223372036854775807 0", "9223372036854775807 34", "-9223372036854775808 0",
        "-9223372036854775808 34", "9223372036854775807 71 -511",
        "18446744073709551615 0", "18446744073709551615 34",
        f"18446744073709551615 {int('z' * 12, 36)}", "-12 2147483647 -9000000000 0",
        "3 4 5000000000 6", "-3 -1 -3 1"]


QSORT_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct item { int key; int tag; int pad; };
struct small { char c[3]; };
static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int by_key(const void *a, const void *b) {
    return by_int(&((const struct item *)a)->key, &((const struct item *)b)->key);
}
static int by_char(const void *a, const void *b) {
    return *(const unsigned char *)a - *(const unsigned char *)b;
}
static int by_first(const void *a, const void *b) {
    return by_char(((const struct small *)a)->c, ((const struct small *)b)->c);
}
int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    int *v = malloc((n + 1) * sizeof *v);
    struct item *items = malloc((n + 1) * sizeof *items);
    struct small *smalls = malloc((n + 1) * sizeof *smalls);
    for (int i = 0; i < n; i++) {
        scanf("%d", &v[i]);
        items[i].key = v[i];
        items[i].tag = i;
        items[i].pad = -i;
        smalls[i].c[0] = (char)('a' + (v[i] & 15));
        smalls[i].c[1] = (char)i;
        smalls[i].c[2] = 'z';
    }
    qsort(v, n, sizeof *v, by_int);
    qsort(items, n, sizeof *items, by_key);
    qsort(smalls, n, sizeof *smalls, by_first);
    for (int i = 0; i < n; i++) printf("%d ", v[i]);
    printf("\n");
    for (int i = 0; i < n; i++) printf("%d:%d:%d ", items[i].key, items[i].tag, items[i].pad);
    printf("\n");
    for (int i = 0; i < n; i++) printf("%c%d%c ", smalls[i].c[0], smalls[i].c[1], smalls[i].c[2]);
    printf("\n");
    for (int i = -2; i < 3; i++) {
        int key = n ? v[n / 2] + i : i;
        int *found = bsearch(&key, v, n, sizeof *v, by_int);
        printf("%d ", found ? *found == key : -1);
    }
    printf("\n");
    return 0;
}
"""


@pytest.mark.parametrize("size", [0, 1, 2, 3, 8, 31, 64])
def test_qsort_matches_sorted(tmp_path: Path, size: int) -> None:
    rng = random.Random(size)
    values = [rng.randint(-20, 20) for _ in range(size)]
    text = f"{size} " + " ".join(map(str, values))
    lines = run_c(tmp_path, QSORT_PROGRAM, text.encode()).output.decode().split("\n")
    assert [int(x) for x in lines[0].split()] == sorted(values)
    items = [tuple(map(int, x.split(":"))) for x in lines[1].split()]
    assert [key for key, _, _ in items] == sorted(values)
    assert sorted((values[tag], tag, -tag) for _, tag, _ in items) == sorted(
        (v, i, -i) for i, v in enumerate(values))
    assert all(key == values[tag] and pad == -tag for key, tag, pad in items)
    firsts = [x[0] for x in lines[2].split()]
    assert firsts == sorted(chr(ord("a") + (v & 15)) for v in values)
    assert all(x.endswith("z") for x in lines[2].split())
    present = set(values)
    middle = sorted(values)[size // 2] if size else 0
    assert lines[3].split() == [
        "1" if middle + i in present else "-1" for i in range(-2, 3)]


def test_malloc_free_realloc_and_calloc(tmp_path: Path) -> None:
    source = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    unsigned char *p = malloc(10);
    for (int i = 0; i < 10; i++) p[i] = (unsigned char)(i + 1);
    unsigned char *grown = realloc(p, 1000);
    int same = 1;
    for (int i = 0; i < 10; i++) same = same && grown[i] == i + 1;
    printf("in place %d kept %d\n", grown == p, same);
    for (int i = 10; i < 1000; i++) grown[i] = (unsigned char)i;
    char *blocker = malloc(4);
    unsigned char *moved = realloc(grown, 5000);
    same = 1;
    for (int i = 0; i < 1000; i++) same = same && moved[i] == (unsigned char)(i < 10 ? i + 1 : i);
    printf("moved %d kept %d aligned %d\n", moved != grown, same, (int)((uintptr_t)moved % 8));
    printf("shrink %d\n", realloc(moved, 10) == moved);
    char *fresh = realloc(NULL, 8);
    printf("from null %d\n", fresh != NULL);
    char *a = malloc(24);
    free(a);
    printf("reuse small %d\n", malloc(20) == a);
    char *big = malloc(1000);
    free(big);
    printf("reuse large %d\n", malloc(600) == big);
    int *z = malloc(40);
    memset(z, 0xff, 40);
    free(z);
    int *cleared = calloc(10, sizeof(int));
    int zero = 1;
    for (int i = 0; i < 10; i++) zero = zero && cleared[i] == 0;
    printf("calloc reuse %d zero %d\n", cleared == z, zero);
    char *first = malloc(16);
    free(first);
    int stable = 1;
    for (int i = 0; i < 200; i++) {
        char *q = malloc(16);
        stable = stable && q == first;
        free(q);
    }
    printf("stable %d\n", stable);
    char *keep = malloc(8);
    strcpy(keep, "intact");
    printf("huge %d %d %s\n", malloc(5 << 20) == NULL, realloc(keep, 5 << 20) == NULL, keep);
    free(NULL);
    free(blocker);
    return 0;
}
"""
    assert output_lines(run_c(tmp_path, source)) == [
        "in place 1 kept 1", "moved 1 kept 1 aligned 0", "shrink 1", "from null 1",
        "reuse small 1", "reuse large 1", "calloc reuse 1 zero 1", "stable 1",
        "huge 1 1 intact"]


def test_malloc_grows_memory_until_the_limit(tmp_path: Path) -> None:
    source = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int blocks = 0;
    char *last = NULL;
    for (char *p; (p = malloc(100000)) != NULL; blocks++) {
        p[99999] = 1;
        last = p;
    }
    printf("%d %d\n", blocks > 30, last != NULL);
    return 0;
}
"""
    assert output_lines(run_c(tmp_path, source)) == ["1 1"]


def test_string_functions(tmp_path: Path) -> None:
    source = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    char buffer[12];
    memset(buffer, '#', sizeof buffer);
    strncpy(buffer, "abc", 6);
    printf("%s %d %d %c\n", buffer, buffer[4], buffer[5], buffer[6]);
    strncpy(buffer, "xyzdefgh", 3);
    printf("%.6s\n", buffer);
    strcpy(buffer, "ab");
    strncat(buffer, "cdef", 2);
    strncat(buffer, "g", 5);
    printf("%s\n", buffer);
    printf("%s %s %d\n", strrchr("a/b/c", '/'), strrchr("abc", 0) + 0 == NULL ? "null" : "end",
           strrchr("abc", 'x') == NULL);
    const char *hay = "the cat sat";
    printf("%s|%s|%d|%s\n", strstr(hay, "sat"), strstr(hay, ""), strstr(hay, "dog") == NULL,
           strstr("aaab", "aab"));
    printf("%d %d %d %d\n", (int)strspn("aabxa", "ab"), (int)strspn("xyz", "ab"),
           (int)strcspn("hello, world", " ,"), (int)strcspn("abc", ""));
    printf("%s %d\n", strpbrk("key=value", "=:"), strpbrk("abc", "xyz") == NULL);
    char text[] = "  one,two;;three  ";
    for (char *t = strtok(text, " ,;"); t; t = strtok(NULL, " ,;")) printf("<%s>", t);
    printf(" %d\n", strtok(NULL, " ") == NULL);
    char *copy = strdup("duplicate");
    char *part = strndup("duplicate", 3);
    printf("%s %s %d\n", copy, part, (int)strnlen("abcdef", 4));
    const char *bytes = "ab\0cd";
    printf("%d %d\n", (int)((const char *)memchr(bytes, 'd', 5) - bytes), memchr(bytes, 'z', 5) == NULL);
    free(copy);
    free(part);
    return 0;
}
"""
    assert output_lines(run_c(tmp_path, source)) == [
        "abc 0 0 #", "xyz", "abcdg", "/c end 1", "sat|the cat sat|1|aab", "3 0 5 3",
        "=value 1", "<one><two><three> 1", "duplicate dup 4", "4 1"]


def test_rand_is_a_fixed_lcg(tmp_path: Path) -> None:
    source = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    for (int i = 0; i < 5; i++) printf("%d ", rand());
    srand(7);
    for (int i = 0; i < 3; i++) printf("%d ", rand());
    srand(1);
    printf("%d %d\n", rand(), RAND_MAX);
    return 0;
}
"""

    def sequence(seed: int, count: int) -> list[int]:
        values = []
        for _ in range(count):
            seed = (seed * 1103515245 + 12345) % 2**32
            values.append((seed >> 16) & 0x7FFF)
        return values

    expected = sequence(1, 5) + sequence(7, 3) + sequence(1, 1) + [32767]
    assert run_c(tmp_path, source).output.decode().split() == [str(x) for x in expected]


def test_assert_prints_and_aborts(tmp_path: Path) -> None:
    source = ('#include <assert.h>\n#include <stdio.h>\n'
              'int main(int argc, char **argv) {\n    assert(argc == 1);\n    puts("ok");\n'
              '    assert(argv[0][0] == \'x\');\n    puts("not reached");\n    return 0;\n}\n')
    result = run_c(tmp_path, source)
    assert result.output == (
        b"ok\nAssertion failed: argv[0][0] == 'x', file program.c, line 6\n")
    assert result.trap == "unreachable"
    disabled = run_c(tmp_path, "#define NDEBUG\n" + source)
    assert disabled == ReferenceResult(b"ok\nnot reached\n", 0, None)


def test_standard_headers(tmp_path: Path) -> None:
    source = r"""
#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static_assert(sizeof(long long) == 8, "long long is 64 bits");
static int sum(int count, ...) {
    va_list args;
    va_start(args, count);
    int total = 0;
    for (int i = 0; i < count; i++) total += va_arg(args, int);
    va_end(args);
    return total;
}
static int say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char buffer[32];
    int n = vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    printf("<%s>", buffer);
    return n;
}
int main(void) {
    bool yes = true;
    int64_t big = INT64_MIN;
    uint8_t byte = UINT8_MAX;
    printf("%d %" PRId64 " %" PRIu8 " %" PRIx32 " %" PRIdPTR "\n", yes, big, byte,
           (uint32_t)0xCAFE, (intptr_t)-1);
    printf("%d %ld %lld %u %d\n", INT_MAX, LONG_MIN, LLONG_MAX, UINT_MAX, CHAR_BIT);
    printf("%d %d %d\n", sum(3, 1, 2, 3), (int)offsetof(struct { char c; int i; }, i),
           EXIT_FAILURE);
    int64_t parsed;
    sscanf("-77", "%" SCNd64, &parsed);
    printf("%d %" PRId64 "\n", say("%s=%d", "x", 5), parsed);
    return EXIT_SUCCESS;
}
"""
    assert output_lines(run_c(tmp_path, source)) == [
        "1 -9223372036854775808 255 cafe -1",
        "2147483647 -2147483648 9223372036854775807 4294967295 8",
        "6 4 1", "<x=5>3 -77"]
