"""Every example program and input of the shared table, through the model against wasmtime."""

from __future__ import annotations

import pytest

from hullvm.pipeline import load_model, prepare, run_program
from hullvm.reference import run_reference
from hullvm.toolchain import load_program
from programs import EXAMPLES_DIR, PROGRAMS

# Runs short enough for the default test run: a few thousand WebAssembly steps each. Every other
# entry takes minutes to hours on the PyTorch path and is marked slow.
DEFAULT_RUN = {
    ("hello.c", b""),
    ("hello.c", b"Ada\n"),
    ("bigadd.c", b"0 0"),
    ("collatz.c", b"1"),
    ("sort.c", b"3 1 2"),
}


def _cases():
    for name, input_bytes, _ in PROGRAMS:
        marks = () if (name, input_bytes) in DEFAULT_RUN else (pytest.mark.slow,)
        yield pytest.param(name, input_bytes, marks=marks, id=f"{name}-{input_bytes[:12]!r}")


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize("name,input_bytes", list(_cases()))
def test_example_matches_wasmtime(model, name, input_bytes):
    wasm = load_program(EXAMPLES_DIR / name)
    expected = run_reference(wasm, input_bytes)
    result = run_program(prepare(wasm), input_bytes, model=model)
    assert result.stop_reason in ("halt", "trap")
    assert result.trace.output == expected.output
    assert result.trace.exit_code == expected.exit_code
    assert result.trace.trap == expected.trap
