"""Shrink a WebAssembly text program on which an engine and wasmtime disagree.

    python -m hullvm.testing.reduce prog.wat --engine torch > small.wat

The reducer works on the text, so it suits the output of ``randprog``: one statement or one
folded expression per line. It repeats two passes until neither changes anything. The first
deletes each line, or each run of lines from an opening line to the line that closes its
parentheses. The second replaces each parenthesized group of a line, largest first, with
``(i32.const 0)`` or ``(i32.const 1)``. A change stays when the module still assembles, still
finishes under wasmtime within the fuel limit, and the engine's output, exit status or trap
still differs from wasmtime's. Each try is one full run, so a reduction takes minutes on the
PyTorch engine.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

import wasmtime

from hullvm.errors import HullvmError
from hullvm.pipeline import prepare, run_program
from hullvm.reference import run_reference

FUEL = 1_000_000
MAX_TOKENS = 500_000
CONSTANTS = ("(i32.const 0)", "(i32.const 1)")
# Groups that are syntax rather than instructions, which a constant cannot replace.
KEEP_PREFIXES = ("(local ", "(param", "(result", "(then", "(else", "(export", "(import",
                 "(func", "(memory", "(data", "(global", "(module")


def disagrees(wat: str, engine: str, **run_options) -> bool:
    """Run `wat` under wasmtime and the engine and return whether their outcomes differ.

    A module that does not assemble, does not lower or runs out of fuel returns False.
    """
    try:
        wasm = bytes(wasmtime.wat2wasm(wat))
        expected = run_reference(wasm, fuel=FUEL)
        program = prepare(wasm)
    except (wasmtime.WasmtimeError, HullvmError):
        return False
    if expected.trap == "out of fuel":
        return False
    result = run_program(program, b"", engine=engine, max_tokens=MAX_TOKENS, **run_options)
    trace = result.trace
    return (trace.output, trace.exit_code, trace.trap) != (
        expected.output, expected.exit_code, expected.trap)


def reduce_text(wat: str, keep: Callable[[str], bool]) -> str:
    """Return a smaller text for which `keep` is still true. `keep(wat)` must be true."""
    changed = True
    while changed:
        wat, deleted = _delete_lines(wat, keep)
        wat, replaced = _replace_groups(wat, keep)
        changed = deleted or replaced
    return wat


def _delete_lines(wat: str, keep: Callable[[str], bool]) -> tuple[str, bool]:
    lines = wat.split("\n")
    changed = False
    i = 0
    while i < len(lines):
        end = _closing_line(lines, i)
        if end is not None and lines[i].strip():
            candidate = "\n".join(lines[:i] + lines[end + 1:])
            if keep(candidate):
                lines = candidate.split("\n")
                changed = True
                continue
        i += 1
    return "\n".join(lines), changed


def _closing_line(lines: list[str], start: int) -> int | None:
    """Return the line that closes every parenthesis opened from `start` on, if any."""
    depth = 0
    for index in range(start, len(lines)):
        for character in lines[index]:
            depth += {"(": 1, ")": -1}.get(character, 0)
            if depth < 0:
                return None
        if depth == 0:
            return index
    return None


def _groups(line: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each parenthesized group of `line`, longest first."""
    spans = []
    opened = []
    for index, character in enumerate(line):
        if character == "(":
            opened.append(index)
        elif character == ")" and opened:
            spans.append((opened.pop(), index + 1))
    return sorted(spans, key=lambda span: span[0] - span[1])


def _replace_groups(wat: str, keep: Callable[[str], bool]) -> tuple[str, bool]:
    lines = wat.split("\n")
    changed = False
    for i in range(len(lines)):
        progress = True
        while progress:
            progress = False
            for start, end in _groups(lines[i]):
                group = lines[i][start:end]
                if group in CONSTANTS or group.startswith(KEEP_PREFIXES):
                    continue
                for constant in CONSTANTS:
                    line = lines[i][:start] + constant + lines[i][end:]
                    candidate = "\n".join(lines[:i] + [line] + lines[i + 1:])
                    if keep(candidate):
                        lines[i] = line
                        changed = progress = True
                        break
                if progress:
                    break
    return "\n".join(lines), changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wat", help="WebAssembly text file on which the engine disagrees")
    parser.add_argument("--engine", default="torch", choices=("torch", "graph", "native"),
                        help="engine compared with wasmtime (default: torch)")
    args = parser.parse_args(argv)
    with open(args.wat) as file:
        wat = file.read()
    options = {}
    if args.engine == "torch":
        from hullvm.pipeline import load_model

        options["model"] = load_model()

    def keep(text: str) -> bool:
        return disagrees(text, args.engine, **options)

    if not keep(wat):
        print(f"{args.wat}: the {args.engine} engine and wasmtime agree, so there is nothing "
              f"to reduce", file=sys.stderr)
        return 1
    print(reduce_text(wat, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
