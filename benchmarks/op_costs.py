"""Measure the machine instructions and trace tokens of every i32 operation, and program traces.

Each measurement runs a small module through the ISA simulator (`hullvm.wasm.simulate`), which
writes the same trace as the model. The cost of an operation is the difference to the same
module with the operation replaced by `i32.add` (or `i32.eqz` for unary operations), plus the
one step and 5 tokens of that replacement, so call and setup steps cancel out.

    python benchmarks/op_costs.py              # the cost table, as markdown
    python benchmarks/op_costs.py --i64        # the same for i64 operations and call_indirect
    python benchmarks/op_costs.py --programs   # steps and tokens of the example programs

An i64 operation is measured against a module that drops its operands and pushes a constant
of the result type in their place. The known steps and tokens of those drops and constants
are added back.
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


MASK64 = (1 << 64) - 1
VALUES64 = [0, 1, 7, 0xFFFFFFFF, 0x100000000, 0x123456789ABCDEF0, (1 << 63) - 1, 1 << 63,
            MASK64, 1000000007, 10]
SHIFT_COUNTS64 = [0, 1, 7, 31, 32, 33, 63, 64]
BINARY64 = ["i64.add", "i64.sub", "i64.mul", "i64.div_u", "i64.div_s", "i64.rem_u",
            "i64.rem_s", "i64.and", "i64.or", "i64.xor"]
SHIFTS64 = ["i64.shl", "i64.shr_u", "i64.shr_s", "i64.rotl", "i64.rotr"]
COMPARES64 = ["i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.le_s", "i64.ge_u"]
UNARY64 = ["i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s",
           "i64.extend32_s"]
# (operation, parameter types, result type) of the conversions.
CONVERSIONS64 = [("i64.eqz", ("i64",), "i32"), ("i32.wrap_i64", ("i64",), "i32"),
                 ("i64.extend_i32_s", ("i32",), "i64"), ("i64.extend_i32_u", ("i32",), "i64"),
                 ("i32.extend8_s", ("i32",), "i32"), ("i32.extend16_s", ("i32",), "i32")]
# Steps and tokens of dropping a value and of pushing a constant, per type.
DROP_COST = {"i32": (1, 1), "i64": (2, 2)}
CONST_COST = {"i32": (1, 5), "i64": (2, 10)}


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


def _typed_module(body: str, params: tuple[str, ...], result: str, args: list[int]) -> bytes:
    call_args = " ".join(f"({t}.const {a & (MASK64 if t == 'i64' else MASK)})"
                         for t, a in zip(params, args))
    text = f"""(module (memory 1)
      (func $op (param {' '.join(params)}) (result {result}) {body})
      (func (export "_start") (result i32) (drop (call $op {call_args})) (i32.const 0)))"""
    return bytes(wasmtime.wat2wasm(text))


def cost64(name: str, params: tuple[str, ...], result: str, args: list[int],
           constant: int | None = None) -> tuple[int, int] | None:
    """Return (instructions, tokens) of one i64 operation on `args`; None when it traps.

    With `constant`, the second operand is `i64.const constant`, counted with the operation.
    """
    if constant is None:
        gets = "".join(f"(local.get {i})" for i in range(len(params)))
        operands = params
    else:
        gets = f"(local.get 0)(i64.const {constant})"
        operands = ("i64", "i64")
    steps, tokens, trap = _run(_typed_module(f"{gets}({name})", params, result, args))
    if trap is not None:
        return None
    base = gets + "(drop)" * len(operands) + f"({result}.const 0)"
    base_steps, base_tokens, _ = _run(_typed_module(base, params, result, args))
    extra_steps = sum(DROP_COST[t][0] for t in operands) + CONST_COST[result][0]
    extra_tokens = sum(DROP_COST[t][1] for t in operands) + CONST_COST[result][1]
    if constant is not None:
        extra_steps += CONST_COST["i64"][0]
        extra_tokens += CONST_COST["i64"][1]
    return steps - base_steps + extra_steps, tokens - base_tokens + extra_tokens


def i64_table() -> list[str]:
    """Markdown rows: per i64 operation, min / median / max of instructions and tokens."""
    rows = ["| operation | instructions min / median / max | tokens min / median / max |",
            "| --- | --- | --- |"]
    cases: list[tuple[str, tuple[str, ...], str, list[list[int]]]] = []
    pairs = [[a, b] for a in VALUES64 for b in VALUES64]
    for name in BINARY64:
        cases.append((name, ("i64", "i64"), "i64", pairs))
    for name in SHIFTS64:
        cases.append((name, ("i64", "i64"), "i64",
                      [[a, k] for a in VALUES64 for k in SHIFT_COUNTS64]))
    for name in COMPARES64:
        cases.append((name, ("i64", "i64"), "i32", pairs))
    for name in UNARY64:
        cases.append((name, ("i64",), "i64", [[a] for a in VALUES64]))
    for name, params, result in CONVERSIONS64:
        cases.append((name, params, result, [[a] for a in VALUES64]))
    for name, params, result, grid in cases:
        samples = [m for args in grid if (m := cost64(name, params, result, args)) is not None]
        rows.append(f"| {name} | {_summary(samples)} |")
    for name in SHIFTS64 + ["i64.and"]:
        constants = SHIFT_COUNTS64 if name != "i64.and" else [0xFF, 0xFFFFFFFF, 1 << 63]
        samples = [cost64(name, ("i64",), "i64", [a], k) for a in VALUES64 for k in constants]
        shown = ", ".join(str(k) if k < 1 << 16 else hex(k) for k in constants)
        rows.append(f"| `i64.const k` + {name}, k in {shown} | {_summary(samples)} |")
    return rows


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
    parser.add_argument("--i64", action="store_true",
                        help="measure the i64 operations instead of the i32 ones")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.programs:
        print("\n".join(program_table()))
    elif args.i64:
        print("\n".join(i64_table()))
    else:
        print("\n".join(cost_table()))
        print()
        print("\n".join(constant_table()))
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
