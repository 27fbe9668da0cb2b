"""Random i32 programs through the graph evaluator and the PyTorch model against wasmtime.

hullvm.testing.randprog generates the programs. A failing comparison prints the program's text.
Saved to a file, it runs again with `hullvm run FILE.wat --check`, and
`python -m hullvm.testing.reduce FILE.wat` shrinks it.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import wasmtime
from hypothesis import HealthCheck, given, note, settings

from hullvm.pipeline import load_model, prepare, run_program
from hullvm.reference import run_reference
from hullvm.testing.randprog import (
    LARGE, SMALL, TRAP_KINDS, ProgramSize, RandomProgram, program_for_seed, programs,
)
from hullvm.testing.reduce import reduce_text

# The graph evaluator reads the prefix token by token at a few hundred tokens per second, so it
# runs fewer programs than the model in the default run.
MODEL_SEEDS = range(8)
GRAPH_SEEDS = range(3)
SLOW_MODEL_SEEDS = range(1000, 1030)
SLOW_GRAPH_SEEDS = range(1000, 1006)
# Between SMALL and LARGE: programs that the model runs in a few seconds each.
MEDIUM = ProgramSize(functions=3, statements=5, expression_depth=3, nesting=2,
                     loop_iterations=4, token_budget=8000, helper_ops=3, trap_percent=25)
# A run longer than this many times the generator's estimate is cut off and fails. The
# estimate is meant to bound the run, so that points to a machine bug or a wrong estimate.
TOKEN_LIMIT_FACTOR = 4
WAT_DIR = Path(__file__).resolve().parent / "wat"
# Minimized programs on which random tests found the machine and wasmtime disagreeing.
FOUND_CASES = ["br_drops_values.wat"]


@pytest.fixture(scope="module")
def model():
    return load_model()


def _compare_with_wasmtime(program: RandomProgram, engine: str, model) -> None:
    limit = TOKEN_LIMIT_FACTOR * program.estimated_tokens + 1000
    _compare_text_with_wasmtime(program.wat, engine, model, limit)


def _compare_text_with_wasmtime(wat: str, engine: str, model, limit: int) -> None:
    wasm = bytes(wasmtime.wat2wasm(wat))
    expected = run_reference(wasm)
    result = run_program(prepare(wasm), b"", engine=engine, model=model, max_tokens=limit)
    trace = result.trace
    report = (f"\n{wat}\nwasmtime: output={expected.output!r} "
              f"exit={expected.exit_code} trap={expected.trap}\n{engine}: "
              f"output={trace.output!r} exit={trace.exit_code} trap={trace.trap} "
              f"stop={result.stop_reason} tokens={result.generated_tokens}")
    assert result.stop_reason != "token limit", report
    assert trace.output == expected.output, report
    assert trace.exit_code == expected.exit_code, report
    assert trace.trap == expected.trap, report


@pytest.mark.parametrize("seed", MODEL_SEEDS)
def test_small_program_model_matches(model, seed):
    _compare_with_wasmtime(program_for_seed(seed, SMALL), "torch", model)


@pytest.mark.parametrize("seed", GRAPH_SEEDS)
def test_small_program_graph_matches(seed):
    _compare_with_wasmtime(program_for_seed(seed, SMALL), "graph", None)


@pytest.mark.parametrize("engine", ["torch", "graph"])
@pytest.mark.parametrize("name", FOUND_CASES)
def test_found_case_matches_wasmtime(model, name, engine):
    wat = (WAT_DIR / name).read_text()
    _compare_text_with_wasmtime(wat, engine, model if engine == "torch" else None, 100_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_MODEL_SEEDS)
def test_large_program_model_matches(model, seed):
    _compare_with_wasmtime(program_for_seed(seed, LARGE), "torch", model)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_GRAPH_SEEDS)
def test_large_program_graph_matches(seed):
    _compare_with_wasmtime(program_for_seed(seed, LARGE), "graph", None)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(MEDIUM))
def test_shrinkable_program_model_matches(model, program):
    note(program.wat)
    _compare_with_wasmtime(program, "torch", model)


def test_generator_is_deterministic():
    assert program_for_seed(5).wat == program_for_seed(5).wat
    assert program_for_seed(5, LARGE).wat == program_for_seed(5, LARGE).wat
    assert program_for_seed(5).wat != program_for_seed(6).wat


@pytest.mark.parametrize("size,seeds", [(SMALL, range(150)), (LARGE, range(40))],
                         ids=["small", "large"])
def test_generated_programs_are_valid(size, seeds):
    outcomes = collections.Counter()
    for seed in seeds:
        program = program_for_seed(seed, size)
        wasm = program.wasm()
        prepare(wasm)
        result = run_reference(wasm, fuel=1_000_000)
        where = f"seed {seed}:\n{program.wat}"
        assert result.trap != "out of fuel", where
        if result.trap is not None:
            assert result.trap == program.planted_trap, where
        outcomes[result.trap] += 1
    assert outcomes[None] > len(seeds) // 2
    assert sum(outcomes[kind] > 0 for kind in TRAP_KINDS) >= 2


def test_generator_covers_instructions():
    text = "\n".join(program_for_seed(seed, LARGE).wat for seed in range(60))
    trapped = {program_for_seed(seed, SMALL).planted_trap for seed in range(100)}
    instructions = [
        "i32.add", "i32.sub", "i32.mul", "i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u",
        "i32.and", "i32.or", "i32.xor", "i32.shl", "i32.shr_s", "i32.shr_u", "i32.rotl",
        "i32.rotr", "i32.clz", "i32.ctz", "i32.popcnt", "i32.eqz", "i32.lt_s", "i32.ge_u",
        "select", "local.tee", "global.set", "i32.load offset", "i32.load8_s", "i32.load8_u",
        "i32.load16_s", "i32.load16_u", "i32.store offset", "i32.store8", "i32.store16",
        "br_table", "br_if", "(br ", "(loop", "(result i32)", "(if (result i32)", "(call $f",
        "(return", "(call $exit", "(unreachable)",
    ]
    for instruction in instructions:
        assert instruction in text, instruction
    assert trapped == {None, *TRAP_KINDS}


@settings(max_examples=30, deadline=None, derandomize=True)
@given(program=programs(SMALL))
def test_strategy_programs_assemble(program):
    module = wasmtime.Module(wasmtime.Engine(), program.wasm())
    assert any(entry.name == "_start" for entry in module.exports)


def test_reducer_keeps_predicate():
    wat = program_for_seed(3, SMALL).wat

    def assembles_with_call(text: str) -> bool:
        try:
            wasmtime.wat2wasm(text)
        except wasmtime.WasmtimeError:
            return False
        return "(call $putchar" in text

    reduced = reduce_text(wat, assembles_with_call)
    assert assembles_with_call(reduced)
    assert len(reduced) < len(wat) // 2
