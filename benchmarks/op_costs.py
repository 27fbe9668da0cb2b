"""Measure the machine instructions and trace tokens of every i32 operation, and program traces.

Each measurement runs a small module through the ISA simulator (`hullvm.wasm.simulate`), which
writes the same trace as the model. The cost of an operation is the difference to the same
module with the operation replaced by `i32.add` (or `i32.eqz` for unary operations), plus the
one step and 5 tokens of that replacement, so call and setup steps cancel out.

    python benchmarks/op_costs.py              # the cost table, as markdown
    python benchmarks/op_costs.py --programs   # steps and tokens of the example programs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import wasmtime

from hullvm.wasm.binary import decode_module
from hullvm.wasm.lower import HELPED, SIMPLE, lower_module
from hullvm.wasm.simulate import simulate
from hullvm.wasm.validate import validate_module

MASK = 0xFFFFFFFF
BINARY = [name for name in SIMPLE if name.startswith("i32.") and name != "i32.eqz"]
BINARY += [name for name in HELPED if name not in ("i32.clz", "i32.ctz", "i32.popcnt")]
UNARY = ["i32.eqz", "i32.clz", "i32.ctz", "i32.popcnt"]
# Operand values: zero, small, sign boundaries, all ones and mixed bit patterns.
VALUES = [0, 1, 2, 3, 7, 100, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0xDEADBEEF,
          0x00010000, 0xFFFFFFF0]
SHIFT_COUNTS = [0, 1, 2, 7, 8, 15, 16, 24, 31, 32, 33]
# Constant second operands that clang emits often, and some worst cases.
CONSTANTS = {
    "i32.shl": list(range(32)),
    "i32.shr_u": list(range(32)),
    "i32.shr_s": list(range(32)),
    "i32.rotl": list(range(32)),
    "i32.rotr": list(range(32)),
    "i32.mul": [0, 1, 2, 3, 5, 9, 10, 27, 81, 100, 132, 255, 1000, 0x55555555, 0x12345678,
                0xFFFFFFFF],
    "i32.and": [1, 3, 7, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFC, 0x7FFFFFFC, 0x7FFFFFFF, 4, 0xF0,
                8388627, 0xF0F0F0F0],
    "i32.or": [1, 4, 0xFF, 0x80000000, 0xF0F0F0F0],
    "i32.xor": [1, 0xFF, 0xFFFFFFFF, 0x80000000, 0xF0F0F0F0],
    "i32.div_u": [1, 2, 8, 1 << 16, 1 << 31, 3, 10],
    "i32.rem_u": [1, 2, 8, 1 << 16, 1 << 31, 3, 10],
}


def _module(body: str, params: int, args: list[int]) -> bytes:
    param_list = " ".join(["i32"] * params)
    call_args = " ".join(f"(i32.const {a & MASK})" for a in args)
    text = f"""(module (memory 1)
      (func $op (param {param_list}) (result i32) {body})
      (func (export "_start") (result i32) (call $op {call_args})))"""
    return bytes(wasmtime.wat2wasm(text))


def _run(wasm: bytes) -> tuple[int, int, str | None]:
    module = decode_module(wasm)
    validate_module(module)
    result = simulate(lower_module(module))
    return result.steps, result.tokens, result.trap


def cost(name: str, args: list[int], constant: int | None = None) -> tuple[int, int] | None:
    """Return (instructions, tokens) of one operation on `args`; None when it traps."""
    unary = name in UNARY
    base_name = "i32.eqz" if unary else "i32.add"
    if constant is None:
        gets = "".join(f"(local.get {i})" for i in range(len(args)))
    else:
        gets = f"(local.get 0)(i32.const {constant & MASK})"
    steps, tokens, trap = _run(_module(f"{gets}({name})", len(args), args))
    if trap is not None:
        return None
    base_steps, base_tokens, _ = _run(_module(f"{gets}({base_name})", len(args), args))
    # A constant operand is counted with the operation: the lowering may fuse the two.
    fused = 0 if constant is None else 1
    return steps - base_steps + 1 + fused, tokens - base_tokens + 5 + 5 * fused


def _summary(samples: list[tuple[int, int]]) -> str:
    instructions = [s[0] for s in samples]
    tokens = [s[1] for s in samples]
    return (f"{min(instructions)} / {int(statistics.median(instructions))} / {max(instructions)}"
            f" | {min(tokens)} / {int(statistics.median(tokens))} / {max(tokens)}")


def _how(name: str) -> str:
    if name in SIMPLE:
        return "native"
    return "helper `" + HELPED[name] + "`"


def cost_table() -> list[str]:
    """Markdown rows: per operation, min / median / max of instructions and tokens."""
    rows = ["| operation | how | instructions min / median / max | tokens min / median / max |",
            "| --- | --- | --- | --- |"]
    for name in BINARY + UNARY:
        samples = []
        if name in UNARY:
            grid = [[a] for a in VALUES]
        elif name in ("i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr"):
            grid = [[a, k] for a in VALUES for k in SHIFT_COUNTS]
        else:
            grid = [[a, b] for a in VALUES for b in VALUES]
        for args in grid:
            measured = cost(name, args)
            if measured is not None:
                samples.append(measured)
        rows.append(f"| {name} | {_how(name)} | {_summary(samples)} |")
    return rows


def constant_table() -> list[str]:
    """Markdown rows: per operation with a constant second operand, instructions and tokens.

    The counts include the `i32.const k` instruction, which costs 1 instruction and 5 tokens
    when the operation is not fused with it.
    """
    rows = ["| `i32.const k` + operation | constants k | instructions min / median / max | "
            "tokens min / median / max | worst k |", "| --- | --- | --- | --- | --- |"]
    for name, constants in CONSTANTS.items():
        samples = []
        worst = (0, None)
        for k in constants:
            per_k = [cost(name, [a], k) for a in VALUES]
            per_k = [m for m in per_k if m is not None]
            samples += per_k
            top = max(m[1] for m in per_k)
            if top > worst[0]:
                worst = (top, k)
        shown = ", ".join(str(k) if k < 1 << 16 else hex(k) for k in constants)
        if name in ("i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr"):
            shown = "0 .. 31"
        rows.append(f"| {name} | {shown} | {_summary(samples)} | {worst[1]} |")
    return rows


def program_table() -> list[str]:
    """Markdown rows: steps and tokens of every example program and input of the tests."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from programs import EXAMPLES_DIR, PROGRAMS

    from hullvm.toolchain import load_program

    rows = ["| program | input | instructions | steps | tokens |", "| --- | --- | --- | --- | --- |"]
    for name, input_bytes, _ in PROGRAMS:
        module = decode_module(load_program(EXAMPLES_DIR / name))
        validate_module(module)
        program = lower_module(module)
        result = simulate(program, input_bytes)
        shown = repr(input_bytes[:20].decode()) if input_bytes else "default"
        rows.append(f"| {name} | {shown} | {len(program.instructions)} | {result.steps:,} | "
                    f"{result.tokens:,} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", action="store_true",
                        help="measure the example programs instead of single operations")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.programs:
        print("\n".join(program_table()))
    else:
        print("\n".join(cost_table()))
        print()
        print("\n".join(constant_table()))
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
