"""`hullvm run` over several programs and inputs (--jobs), and `hullvm bench` on a short run."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullvm import native
from hullvm.cli.main import EXIT_ERROR, EXIT_TRAP, main

ROOT = Path(__file__).resolve().parent.parent
WAT_DIR = ROOT / "tests" / "wat"
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.skipif(not native.available(), reason="native extension not built")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_native_is_the_default_engine(capsys):
    code, out, err = run(capsys, "run", str(EXAMPLES / "hello.c"), "--check")
    assert code == 0
    assert out == "Hello, world!\n"
    assert "engine native" in err
    assert "wasmtime agrees" in err


def test_batch_runs_every_program_with_every_input(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("6")
    (tmp_path / "b.txt").write_text("1")
    code, out, err = run(capsys, "run", str(EXAMPLES / "collatz.c"), str(WAT_DIR / "echo.wat"),
                         "--input-file", str(tmp_path / "a.txt"), "--input-file",
                         str(tmp_path / "b.txt"), "--jobs", "2", "--check")
    # echo.wat exits with the number of bytes it copied (1), so the batch reports that status.
    assert code == 1, err
    blocks = out.split("==> ")[1:]
    assert len(blocks) == 4
    assert blocks[0].startswith(f"{EXAMPLES / 'collatz.c'} < {tmp_path / 'a.txt'} <==\n6 3 10 5")
    assert blocks[3].startswith(f"{WAT_DIR / 'echo.wat'} < {tmp_path / 'b.txt'} <==\n1")
    assert err.count("wasmtime agrees") == 4


def test_batch_keeps_going_after_a_trap(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "trap_div.wat"),
                         str(EXAMPLES / "hello.c"), "--jobs", "2")
    assert code == EXIT_TRAP
    assert "integer divide by zero" in err
    assert "Hello, world!" in out


def test_batch_reports_a_broken_program_and_runs_the_rest(capsys):
    code, out, err = run(capsys, "run", str(WAT_DIR / "unsupported.wat"),
                         str(EXAMPLES / "hello.c"), "--jobs", "2")
    assert code == EXIT_ERROR
    assert "unsupported.wat: error:" in err
    assert "Hello, world!" in out


def test_batch_runs_past_programs_that_do_not_load(capsys, tmp_path):
    broken = tmp_path / "broken.c"
    broken.write_text("int main(void) { return 0 }\n")
    missing = tmp_path / "missing.c"
    code, out, err = run(capsys, "run", str(broken), str(missing), str(EXAMPLES / "hello.c"),
                         "--jobs", "2")
    assert code == EXIT_ERROR
    assert "broken.c: error:" in err
    assert "missing.c: error:" in err
    assert "Hello, world!" in out


def test_batch_rejects_trace_out(capsys, tmp_path):
    code, _, err = run(capsys, "run", str(EXAMPLES / "hello.c"), str(EXAMPLES / "gcd.c"),
                       "--trace-out", str(tmp_path / "t.trace"))
    assert code == EXIT_ERROR
    assert "--trace-out takes a single run" in err


def test_bench_writes_table_curve_and_page(capsys, tmp_path):
    page = tmp_path / "bench.md"
    page.write_text("# Benchmarks\n\nkept text\n")
    png = tmp_path / "curve.png"
    code, out, err = run(capsys, "bench", str(EXAMPLES / "hello.c"), "--standard-tokens", "300",
                         "--torch-tokens", "50", "--curve-program",
                         str(EXAMPLES.parent / "benchmarks" / "steady.wat"),
                         "--checkpoints", "3000,4000", "--scan-seconds", "0.05",
                         "--png", str(png), "--docs", str(page))
    assert code == 0, err
    assert "native, hull cache" in out
    assert "native, standard cache" in out
    assert "PyTorch, hull cache" in out
    text = page.read_text()
    assert "kept text" in text
    assert "| 3,000 |" in text
    assert png.read_bytes().startswith(b"\x89PNG")
    # A second run replaces the section instead of adding another.
    run(capsys, "bench", str(EXAMPLES / "hello.c"), "--standard-tokens", "100",
        "--torch-tokens", "0", "--checkpoints", "", "--docs", str(page))
    assert page.read_text().count("hullvm bench: start") == 1
