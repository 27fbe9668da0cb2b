"""Example programs and inputs that machine runs are compared with reference runs on.

Each entry is (file name under examples/, input bytes, is_slow). Empty input makes a program
use its built-in default. An entry is slow when its reference run executes more than about
20,000 WebAssembly instructions (wasmtime fuel units); the machine then takes much longer.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

SUDOKU_HARD = b"800000000003600000070090200050007000000045700000100030001000068008500010090000400"
SUDOKU_EASY = b"53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"

PROGRAMS: list[tuple[str, bytes, bool]] = [
    ("hello.c", b"", False),
    ("hello.c", b"Ada\n", False),
    ("bigadd.c", b"", False),
    ("bigadd.c", b"999\n1\n", False),
    ("bigadd.c", b"0 0", False),
    ("bigadd.c", b"98765432109876543210987654321 123456789\n", False),
    ("collatz.c", b"", True),
    ("collatz.c", b"6", False),
    ("collatz.c", b"1", False),
    ("fibonacci.c", b"", False),
    ("fibonacci.c", b"10", False),
    ("fibonacci.c", b"50", True),
    ("hungarian.c", b"", True),
    ("hungarian.c", b"2\n3 1\n2 5\n", False),
    ("hungarian.c", b"3\n4 1 3\n2 0 5\n3 2 2\n", False),
    ("sudoku.c", b"", True),
    ("sudoku.c", SUDOKU_EASY, True),
    ("sudoku.c", b"11", False),
    ("sudoku.c", b"12", False),
    ("sort.c", b"", False),
    ("sort.c", b"3 1 2", False),
    ("sort.c", b"5 -7 5 0 2147483647 -2147483648", False),
    ("sieve.c", b"", False),
    ("sieve.c", b"30", False),
    ("sieve.c", b"1000", True),
    ("nqueens.c", b"", True),
    ("nqueens.c", b"4", False),
    ("nqueens.c", b"8", True),
    ("gcd.c", b"", False),
    ("gcd.c", b"12 18\n7 0\n", False),
    ("strrev.c", b"", False),
    ("strrev.c", b"ab cd\n  x\tyz!\n", False),
    ("primes64.c", b"", True),
    ("primes64.c", b"13", False),
    ("primes64.c", b"1 4 65537", True),
    ("calc.c", b"", False),
    ("calc.c", b"7 - 9\n5 ^ 2\n", False),
    ("heap.c", b"", False),
    ("heap.c", b"3", False),
]
