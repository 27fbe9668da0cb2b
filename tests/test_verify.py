"""hullvm verify: teacher-forced checks of a whole trace against the model and the graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hullvm.cli.main import EXIT_MISMATCH, load_trace, main, save_trace

pytest.importorskip("hullvm.native._core")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_hello_agrees_with_both_checkers_and_wasmtime(capsys):
    code, err = run(capsys, "verify", str(EXAMPLES / "hello.c"))
    assert code == 0, err
    assert "wasmtime: agrees" in err
    assert "torch: agrees at all" in err
    assert "graph: agrees at all" in err


def _saved_trace(capsys, tmp_path: Path) -> tuple[Path, dict, list[int]]:
    path = tmp_path / "collatz.trace"
    code = main(["run", str(EXAMPLES / "collatz.c"), "--input", "6", "--quiet",
                 "--trace-out", str(path)])
    capsys.readouterr()
    assert code == 0
    header, tokens = load_trace(path)
    return path, header, tokens


def test_saved_trace_agrees(capsys, tmp_path):
    path, header, tokens = _saved_trace(capsys, tmp_path)
    code, err = run(capsys, "verify", str(path))
    assert code == 0, err
    assert f"agrees at all {len(tokens) - header['prefix_tokens']} positions" in err


@pytest.mark.parametrize("checker", ["torch", "graph"])
def test_one_changed_token_is_found_where_it_is(capsys, tmp_path, checker):
    path, header, tokens = _saved_trace(capsys, tmp_path)
    prefix = header["prefix_tokens"]
    # Change one generated token to its neighbour in the vocabulary, well inside the trace.
    where = prefix + (len(tokens) - prefix) // 2
    tampered = list(tokens)
    tampered[where] = tokens[where] + 1 if tokens[where] + 1 != tokens[where + 1] else \
        tokens[where] - 1
    bad = tmp_path / "tampered.trace"
    save_trace(bad, tampered, prefix, {"program": "collatz.c"})
    code, err = run(capsys, "verify", str(bad), "--against", checker)
    assert code == EXIT_MISMATCH, err
    # The checker's argmax at the position before the change differs from the changed token.
    assert f"{checker}: DISAGREES at position {where - 1}:" in err


def test_trace_without_generated_tokens(capsys, tmp_path):
    path, header, tokens = _saved_trace(capsys, tmp_path)
    prefix = header["prefix_tokens"]
    empty = tmp_path / "empty.trace"
    save_trace(empty, tokens[:prefix], prefix, {})
    code, err = run(capsys, "verify", str(empty))
    assert code == 2
    assert "no tokens after its prefix" in err


def test_unknown_checker_rejected(capsys):
    code, err = run(capsys, "verify", str(EXAMPLES / "hello.c"), "--against", "gpu")
    assert code == 2
    assert "--against" in err


def test_verify_with_graph_reports_the_first_bad_position():
    from hullvm import verify
    from hullvm.pipeline import load_machine_weights, machine_graph, prepare
    from hullvm.toolchain import load_program
    from hullvm.wasm.program import build_prefix

    weights = load_machine_weights()
    prefix = build_prefix(prepare(load_program(EXAMPLES / "hello.c")), b"")
    trace, _ = verify.native_trace(weights, prefix)
    trace = trace.astype(np.int64)
    good = verify.verify_with_graph(machine_graph(), trace, len(prefix), block=1000)
    assert good.ok and good.checked == len(trace) - len(prefix)
    trace[len(prefix) + 5] ^= 1
    bad = verify.verify_with_graph(machine_graph(), trace, len(prefix), block=1000)
    assert bad.mismatch == len(prefix) + 4


def test_token_outside_vocabulary_rejected(capsys, tmp_path):
    path, header, tokens = _saved_trace(capsys, tmp_path)
    broken = list(tokens)
    broken[-3] = 0xFFFF
    bad = tmp_path / "outside.trace"
    save_trace(bad, broken, header["prefix_tokens"], {})
    code, err = run(capsys, "verify", str(bad))
    assert code == 2
    assert "outside the vocabulary" in err
    assert f"position {len(tokens) - 3}" in err
