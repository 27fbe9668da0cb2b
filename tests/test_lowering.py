"""Lowered i32 operations against wasmtime on edge values, run by the ISA simulator.

Each module applies one operation to a table of operands held in its data segment, stores the
results and prints their bytes, so one simulated run checks many operand values. A few small
programs also go through the graph evaluator, which checks that the constant-operand
sequences (stack duplication, scratch memory) behave on the machine graph as the simulator predicts.
"""

from __future__ import annotations

import struct

import pytest
import wasmtime

from hullvm.pipeline import prepare, run_program
from hullvm.reference import run_reference
from hullvm.wasm import constops
from hullvm.wasm.simulate import simulate

MASK = 0xFFFFFFFF
EDGE = [0, 1, 2, 3, 5, 7, 8, 31, 32, 33, 100, 255, 256, 0xFFFF, 0x10000, 0x7FFFFFFE, 0x7FFFFFFF,
        0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF, 0x12345678, 0xDEADBEEF, 0x00FF00FF,
        0xA5A5A5A5, 0x01000000]
BINARY = ["i32.mul", "i32.div_u", "i32.rem_u", "i32.div_s", "i32.rem_s", "i32.and", "i32.or",
          "i32.xor", "i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr"]
UNARY = ["i32.clz", "i32.ctz", "i32.popcnt"]
SHIFTS = ["i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr"]
CONSTANTS = {
    "i32.mul": [0, 1, 2, 3, 5, 7, 9, 10, 27, 81, 132, 255, 1000, 0x10001, 0x55555555,
                0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFD, 0x12345678],
    "i32.and": [0, 1, 3, 7, 31, 0xFF, 0x100, 0xFFFF, 0xFFFFFF, 0x7FFFFFFF, 0x80000000,
                0xFFFFFFFC, 0x7FFFFFFC, 0xFFFFFFFF, 0xF0, 8388627, 0xF0F0F0F0, 0x00FF00FF],
    "i32.or": [0, 1, 4, 0xFF, 0x80000000, 0xFFFFFFFF, 0xF0F0F0F0],
    "i32.xor": [0, 1, 0xFF, 0x80000000, 0xFFFFFFFF, 0xF0F0F0F0],
    "i32.div_u": [1, 2, 4, 256, 0x10000, 0x80000000, 3, 10],
    "i32.rem_u": [1, 2, 4, 256, 0x10000, 0x80000000, 3, 10],
    **{name: list(range(34)) + [0xFFFFFFFF, 0x80000000] for name in SHIFTS},
}


def _table_module(operation: str, operands: list[tuple[int, ...]], constant: int | None) -> bytes:
    """A module that applies `operation` to each operand tuple and prints the result bytes."""
    arity = len(operands[0])
    data = b"".join(struct.pack("<I", value & MASK) for row in operands for value in row)
    escaped = "".join(f"\\{byte:02x}" for byte in data)
    params = " ".join(["i32"] * arity)
    gets = "".join(f"(local.get {i})" for i in range(arity))
    if constant is not None:
        gets += f"(i32.const {constant & MASK})"
    loads = "".join(f"(i32.load offset={4 * i} (local.get $p))" for i in range(arity))
    results = 32768
    text = f"""(module
      (import "hullvm" "putchar" (func $putchar (param i32)))
      (memory 1)
      (data (i32.const 0) "{escaped}")
      (func $op (param {params}) (result i32) {gets} ({operation}))
      (func (export "_start") (result i32) (local $i i32) (local $p i32)
        (loop $each
          (local.set $p (i32.mul (local.get $i) (i32.const {4 * arity})))
          (i32.store offset={results} (i32.mul (local.get $i) (i32.const 4))
                     (call $op {loads}))
          (br_if $each (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                 (i32.const {len(operands)}))))
        (local.set $i (i32.const 0))
        (loop $print
          (call $putchar (i32.load8_u offset={results} (local.get $i)))
          (br_if $print (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.const {4 * len(operands)}))))
        (i32.const 0)))"""
    return bytes(wasmtime.wat2wasm(text))


def _assert_same(wasm: bytes) -> None:
    expected = run_reference(wasm)
    assert expected.trap is None
    result = simulate(prepare(wasm))
    assert result.trap is None
    assert result.output == expected.output


def _no_trap(operation: str, a: int, b: int) -> bool:
    if operation in ("i32.div_u", "i32.rem_u", "i32.div_s", "i32.rem_s") and b == 0:
        return False
    return not (operation == "i32.div_s" and a == 0x80000000 and b == MASK)


@pytest.mark.parametrize("operation", BINARY)
def test_helper_matches_wasmtime(operation):
    pairs = [(a, b) for a in EDGE for b in EDGE if _no_trap(operation, a, b)]
    _assert_same(_table_module(operation, pairs, None))


@pytest.mark.parametrize("operation", UNARY)
def test_unary_helper_matches_wasmtime(operation):
    _assert_same(_table_module(operation, [(a,) for a in EDGE], None))


@pytest.mark.parametrize("operation", sorted(CONSTANTS))
def test_constant_operand_matches_wasmtime(operation):
    for k in CONSTANTS[operation]:
        _assert_same(_table_module(operation, [(a,) for a in EDGE], k))


@pytest.mark.parametrize("operation,a,b,trap", [
    ("i32.div_u", 5, 0, "integer divide by zero"),
    ("i32.rem_u", 5, 0, "integer divide by zero"),
    ("i32.div_s", 5, 0, "integer divide by zero"),
    ("i32.rem_s", 0x80000000, 0, "integer divide by zero"),
    ("i32.div_s", 0x80000000, MASK, "integer overflow"),
    ("i32.rem_s", 0x80000000, MASK, None),
])
def test_division_traps_match_wasmtime(operation, a, b, trap):
    wasm = _table_module(operation, [(a, b)], None)
    expected = run_reference(wasm)
    result = simulate(prepare(wasm))
    assert expected.trap == trap
    assert result.trap == trap
    assert result.output == expected.output


def test_constant_sequences_are_fused():
    wasm = _table_module("i32.mul", [(3,)], 9)
    program = prepare(wasm)
    assert not any("helper" in owner for owner in program.function_of)


def test_constant_cost_ignores_operand():
    costs = set()
    for a in EDGE:
        costs.add(simulate(prepare(_table_module("i32.shr_u", [(a,)], 1))).steps)
    assert len(costs) == 1


def test_sequences_cost_less_than_bitwise_helper():
    # The and, or and xor helpers write about 3,600 tokens whatever the operands.
    for name, constants in CONSTANTS.items():
        for k in constants:
            code = constops.sequence(name, k)
            if code is not None:
                assert constops.tokens_of(code) <= 1000, (name, k)


@pytest.mark.parametrize("operation,constant,a", [
    ("i32.shl", 11, 0x12345678),
    ("i32.shr_u", 3, 0x87654321),
    ("i32.shr_s", 24, 0x80FF0000),
    ("i32.and", 255, 0xDEADBEEF),
    ("i32.mul", 9, 0xFFFFFFFD),
])
def test_graph_evaluator_runs_constant_sequences(operation, constant, a):
    wasm = _table_module(operation, [(a,)], constant)
    program = prepare(wasm)
    expected = run_reference(wasm)
    simulated = simulate(program, keep_tokens=True)
    by_graph = run_program(program, engine="graph", keep_tokens=True,
                           max_tokens=simulated.tokens + 10)
    assert by_graph.tokens == simulated.trace
    assert by_graph.trace.output == expected.output
