"""The ISA simulator writes the same tokens as the graph evaluator and agrees with wasmtime."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from hullvm.pipeline import prepare, run_program
from hullvm.reference import run_reference
from hullvm.toolchain import load_program
from hullvm.wasm.simulate import simulate

WAT_DIR = Path(__file__).resolve().parent / "wat"
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

# A variable shift and rotate run the helpers' byte loops, br_table dispatch and the scratch
# memory sequences inside them.
VARIABLE_SHIFT = """(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (func $shift (param $a i32) (param $k i32) (result i32)
    (i32.rotl (i32.shr_u (local.get $a) (local.get $k)) (local.get $k)))
  (func (export "_start") (result i32)
    (call $putchar (call $shift (i32.const 0x41424344) (i32.const 11)))
    (i32.const 3)))"""

CASES = [
    ("echo.wat", b"ok"),
    ("calls.wat", b""),
    ("trap_div.wat", b""),
    ("trap_oob.wat", b""),
    ("float.wat", b"x"),
]


def _run_both(wasm: bytes, input_bytes: bytes):
    program = prepare(wasm)
    simulated = simulate(program, input_bytes, keep_tokens=True)
    by_graph = run_program(program, input_bytes, engine="graph", keep_tokens=True,
                           max_tokens=simulated.tokens + 10)
    return simulated, by_graph


@pytest.mark.parametrize("name,input_bytes", CASES, ids=[n for n, _ in CASES])
def test_simulator_tokens_equal_graph(name, input_bytes):
    wasm = bytes(wasmtime.wat2wasm((WAT_DIR / name).read_text()))
    simulated, by_graph = _run_both(wasm, input_bytes)
    assert simulated.trace == by_graph.tokens
    assert simulated.tokens == by_graph.generated_tokens
    assert simulated.steps == by_graph.trace.steps


def test_simulator_variable_shift_equals_graph():
    wasm = bytes(wasmtime.wat2wasm(VARIABLE_SHIFT))
    simulated, by_graph = _run_both(wasm, b"")
    expected = run_reference(wasm)
    assert simulated.trace == by_graph.tokens
    assert simulated.output == expected.output
    assert simulated.exit_code == expected.exit_code


@pytest.mark.parametrize("name,input_bytes", [("collatz.c", b"6"), ("hungarian.c", b"2\n3 1\n2 5\n"),
                                              ("sort.c", b"5 -7 5 0 2147483647 -2147483648")])
def test_simulator_matches_wasmtime_on_examples(name, input_bytes):
    wasm = load_program(EXAMPLES_DIR / name)
    expected = run_reference(wasm, input_bytes)
    result = simulate(prepare(wasm), input_bytes)
    assert result.stop_reason in ("halt", "trap")
    assert result.output == expected.output
    assert result.exit_code == expected.exit_code
    assert result.trap == expected.trap
