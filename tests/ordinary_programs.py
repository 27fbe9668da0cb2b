"""Ordinary C programs under examples/ordinary/ and the inputs they are run with.

Each entry is (file name under examples/ordinary/, input bytes, is_slow). Empty input makes a
program use its built-in default. An entry is slow when its run generates more than about
100,000 tokens.
"""

from __future__ import annotations

from pathlib import Path

ORDINARY_DIR = Path(__file__).resolve().parent.parent / "examples" / "ordinary"

ORDINARY_PROGRAMS: list[tuple[str, bytes, bool]] = [
    ("wordfreq.c", b"", True),
    ("wordfreq.c", b"b a b\n", False),
    ("matmul.c", b"", True),
    ("matmul.c", b"2\n1 2\n3 4\n5 6\n7 8\n", False),
    ("matmul.c", b"9\n", False),
    ("ledger.c", b"", True),
    ("ledger.c", b"open ann 5\nwithdraw ann 2.5\n", False),
    ("rpn.c", b"", True),
    ("rpn.c", b"2 3 *\n", False),
    ("linkedlist.c", b"", False),
    ("linkedlist.c", b"i 2 i 1 p d 2 p", False),
    ("bst.c", b"", True),
    ("bst.c", b"2 1 3", False),
    ("tokenizer.c", b"", True),
    ("tokenizer.c", b"x=1;", False),
    ("rle.c", b"", True),
    ("rle.c", b"aab\n", False),
    ("histogram.c", b"", True),
    ("histogram.c", b"5 15 17\n", False),
    ("histogram.c", b"5 x", False),
    ("factor.c", b"", True),
    ("factor.c", b"12 7", False),
    ("records.c", b"", True),
    ("records.c", b"ann 30 5\nbob 20 5\n", False),
    ("knapsack.c", b"", True),
    ("knapsack.c", b"5 2\n3 4\n4 5\n", False),
]
