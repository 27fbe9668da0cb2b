"""The compiled model against wasmtime on small WebAssembly text programs, and engine agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import wasmtime

from hullvm.pipeline import load_model, prepare, run_program
from hullvm.reference import run_reference
from hullvm.wasm.program import build_prefix

WAT_DIR = Path(__file__).resolve().parent / "wat"

CASES = [
    ("arith.wat", b""),
    ("calls.wat", b""),
    ("echo.wat", b"hi there\n"),
    ("echo.wat", b""),
    ("trap_div.wat", b""),
    ("trap_oob.wat", b""),
    ("trap_unreachable.wat", b""),
    ("float.wat", b""),
]


def _wasm(name: str) -> bytes:
    return bytes(wasmtime.wat2wasm((WAT_DIR / name).read_text()))


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize("name,input_bytes", CASES, ids=[f"{n}-{len(i)}" for n, i in CASES])
def test_model_matches_wasmtime(model, name, input_bytes):
    wasm = _wasm(name)
    expected = run_reference(wasm, input_bytes)
    result = run_program(prepare(wasm), input_bytes, model=model, max_tokens=400_000)
    assert result.stop_reason != "token limit"
    assert result.trace.output == expected.output
    assert result.trace.exit_code == expected.exit_code
    assert result.trace.trap == expected.trap


@pytest.mark.slow
def test_helper_operations_match_wasmtime(model):
    wasm = _wasm("arith_helpers.wat")
    expected = run_reference(wasm)
    result = run_program(prepare(wasm), b"", model=model)
    assert result.trace.output == expected.output
    assert result.trace.exit_code == expected.exit_code


def test_executed_float_instruction_traps(model):
    result = run_program(prepare(_wasm("float.wat")), b"x", model=model)
    assert result.trace.output == b"F"
    assert result.trace.trap == "floating point instruction executed"


def test_hull_and_standard_caches_agree(model):
    program = prepare(_wasm("calls.wat"))
    runs = [run_program(program, b"", model=model, cache=cache, keep_tokens=True)
            for cache in ("hull", "standard")]
    assert runs[0].tokens == runs[1].tokens
    assert runs[0].stop_reason == "halt"


def test_graph_evaluator_matches_model(model):
    program = prepare(_wasm("echo.wat"))
    by_model = run_program(program, b"ok", model=model, keep_tokens=True)
    by_graph = run_program(program, b"ok", engine="graph", keep_tokens=True)
    assert by_graph.tokens == by_model.tokens
    assert by_graph.trace.output == b"ok"


def test_full_sequence_forward_matches_decoding(model):
    program = prepare(_wasm("echo.wat"))
    run = run_program(program, b"a", model=model, keep_tokens=True)
    prefix = build_prefix(program, b"a")
    sequence = torch.tensor(prefix + run.tokens[:-1])
    predicted = model(sequence).argmax(dim=-1).tolist()
    assert predicted[len(prefix) - 1:] == run.tokens


def test_max_tokens_stops_incomplete(model):
    program = prepare(_wasm("loop_forever.wat"))
    result = run_program(program, b"", model=model, max_tokens=300)
    assert result.stop_reason == "token limit"
    assert result.generated_tokens == 300
    assert not result.trace.complete
