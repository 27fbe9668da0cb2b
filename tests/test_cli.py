"""The `hullvm` command on bad input: one test per kind of rejected program or file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullvm.cli.main import EXIT_ERROR, EXIT_INCOMPLETE, EXIT_TRAP, main

WAT_DIR = Path(__file__).resolve().parent / "wat"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_c_compile_error_shows_diagnostics(capsys, tmp_path):
    source = tmp_path / "broken.c"
    source.write_text("int main(void) {\n  return x;\n}\n")
    code, _, err = run(capsys, "run", str(source))
    assert code == EXIT_ERROR
    assert "broken.c:2" in err
    assert "Traceback" not in err


def test_malformed_wasm_names_offset(capsys, tmp_path):
    module = tmp_path / "bad.wasm"
    module.write_bytes(b"\0asm\x01\0\0\0\x01\x05\x01")
    code, _, err = run(capsys, "run", str(module))
    assert code == EXIT_ERROR
    assert "malformed WebAssembly module at byte offset" in err


def test_unsupported_instruction_named_before_running(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "unsupported.wat"))
    assert code == EXIT_ERROR
    assert "memory.fill" in err
    assert "function 0" in err
    assert "bulk memory" in err
    assert out == ""


def test_missing_program_file(capsys, tmp_path):
    code, _, err = run(capsys, "run", str(tmp_path / "nope.c"))
    assert code == EXIT_ERROR
    assert "nope.c" in err


def test_trap_keeps_output_and_names_kind(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "trap_div.wat"), "--check")
    assert code == EXIT_TRAP
    assert out == "A"
    assert "integer divide by zero" in err
    assert "wasmtime agrees" in err


def test_out_of_bounds_trap(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "trap_oob.wat"))
    assert code == EXIT_TRAP
    assert out == "B"
    assert "out of bounds memory access" in err


def test_max_tokens_reports_incomplete(capsys):
    code, _, err = run(capsys, "run", str(WAT_DIR / "loop_forever.wat"), "--max-tokens", "200")
    assert code == EXIT_INCOMPLETE
    assert "incomplete" in err


def test_exit_status_is_program_status(capsys):
    code, out, _ = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--input", "xyz", "--quiet")
    assert out == "xyz"
    assert code == 3


def test_trace_file_round_trip(capsys, tmp_path):
    trace = tmp_path / "echo.trace"
    code, _, _ = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--input", "hi",
                     "--trace-out", str(trace), "--quiet")
    assert code == 2
    code, out, err = run(capsys, "trace", str(trace))
    assert code == 2
    assert out == "hi"
    assert "exit 2" in err


def test_corrupt_trace_file_rejected(capsys, tmp_path):
    trace = tmp_path / "junk.trace"
    trace.write_bytes(b"not a trace")
    code, _, err = run(capsys, "trace", str(trace))
    assert code == EXIT_ERROR
    assert "not a hullvm trace file" in err


def test_weights_for_another_machine_rejected(capsys, tmp_path):
    from hullvm.compile.weights import Weights
    from hullvm.model.weightfile import save_weights
    from hullvm.pipeline import build

    weights: Weights = build().weights
    path = tmp_path / "old.safetensors"
    save_weights(weights, path, "0-old")
    code, _, err = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--weights", str(path))
    assert code == EXIT_ERROR
    assert "machine_version" in err
    assert "hullvm build" in err


def test_compile_writes_prefix(capsys, tmp_path):
    out = tmp_path / "echo.tokens"
    code, _, err = run(capsys, "compile", str(WAT_DIR / "echo.wat"), "-o", str(out))
    assert code == 0
    assert out.exists()
    assert "prefix tokens" in err


@pytest.mark.parametrize("flag", ["--input-file"])
def test_missing_input_file(capsys, tmp_path, flag):
    code, _, err = run(capsys, "run", str(WAT_DIR / "echo.wat"), flag, str(tmp_path / "none"))
    assert code == EXIT_ERROR
    assert "cannot read input file" in err


def test_check_skipped_when_run_incomplete(capsys):
    code, _, err = run(capsys, "run", str(WAT_DIR / "loop_forever.wat"), "--check",
                       "--max-tokens", "200")
    assert code == EXIT_INCOMPLETE
    assert "comparison skipped" in err


def test_missing_weights_file_rejected(capsys, tmp_path):
    code, _, err = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--weights",
                       str(tmp_path / "none.safetensors"))
    assert code == EXIT_ERROR
    assert "weights file not found" in err


@pytest.mark.parametrize("header", [b"[1]", b'{"tokens": 0}', b'{"tokens": 1, "prefix_tokens": 9}'])
def test_bad_trace_header_rejected(capsys, tmp_path, header):
    trace = tmp_path / "bad.trace"
    trace.write_bytes(b"HULLVM-TRACE 1\n" + header + b"\n\x00\x00")
    code, _, err = run(capsys, "trace", str(trace))
    assert code == EXIT_ERROR
    assert "corrupt trace header" in err


def test_damaged_weights_rejected(capsys, tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    from hullvm.model.weightfile import save_weights
    from hullvm.pipeline import build, machine_version

    path = tmp_path / "w.safetensors"
    save_weights(build().weights, path, machine_version())
    with safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata()
    tensors = load_file(str(path))
    tensors["unembedding"] = tensors["unembedding"] * 1.0001
    save_file(tensors, str(path), metadata=metadata)
    code, _, err = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--weights", str(path))
    assert code == EXIT_ERROR
    assert "damaged" in err


def test_unwritable_output_rejected_before_running(capsys, tmp_path):
    target = tmp_path / "missing" / "out.trace"
    code, out, err = run(capsys, "run", str(WAT_DIR / "echo.wat"), "--input", "x",
                         "--trace-out", str(target))
    assert code == EXIT_ERROR
    assert out == ""
    assert "does not exist" in err


def test_max_tokens_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(WAT_DIR / "echo.wat"), "--max-tokens", "0"])
    assert exit_info.value.code == EXIT_ERROR
    assert "must be at least 1" in capsys.readouterr().err


def test_float_code_loads_when_not_executed(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "float_unexecuted.wat"), "--check")
    assert "wasmtime agrees" in err
    assert out == "Ac\nc8"
    assert code == 3


FLOAT_ON_LARGE_INPUT = r"""
#include <stdio.h>
static double scale(double x, int k) { return x * k; }
int main(void) {
    int n = 0;
    if (scanf("%d", &n) == 1 && n > 100) {
        printf("%d\n", (int)scale(1.5, n));
        return 1;
    }
    printf("n=%d\n", n);
    return 0;
}
"""


def test_float_instruction_traps_only_when_executed(capsys, tmp_path):
    source = tmp_path / "scale.c"
    source.write_text(FLOAT_ON_LARGE_INPUT)
    code, out, err = run(capsys, "run", str(source), "--input", "5", "--check")
    assert code == 0, err
    assert out == "n=5\n"
    code, out, err = run(capsys, "run", str(source), "--input", "500", "--check")
    assert code == 134
    assert "floating point instruction executed" in err
    assert "comparison skipped" in err


def test_deep_recursion_traps_when_stack_runs_out(capsys, tmp_path):
    shallow, deep = tmp_path / "shallow", tmp_path / "deep"
    shallow.write_bytes(bytes([5]))
    deep.write_bytes(bytes([60]))
    program = str(WAT_DIR / "deep_recursion.wat")
    code, out, err = run(capsys, "run", program, "--input-file", str(shallow), "--check")
    assert code == 0, err
    assert out == "SE"
    code, out, err = run(capsys, "run", program, "--input-file", str(deep), "--check")
    assert code == 134
    assert out == "S"
    assert "call stack exhausted" in err
    assert "wasmtime agrees" in err
