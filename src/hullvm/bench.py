"""`hullvm bench`: the native engine with the hull and the standard cache, and the PyTorch path,
on one program in one process, one after another.

It prints a table (tokens, seconds, tokens/s, WASM steps/s, memory), the per-token time at trace
positions near 1k, 10k, 100k, 300k and 1M tokens for the hull and the standard cache and their
ratio, the time to solution of `hullvm run` as a user runs it (a fresh process, wall time and
peak memory), draws the per-token curve to a PNG and can write all of it into a Markdown page.

Per-token times come from one engine with both caches kept: it decodes with the hull cache to
each checkpoint, then times a window of tokens answered by scanning every key, then a window
answered by the hulls. Both answers are exact, so the trace is the same either way.

Decoding runs in the calling thread, so the thread's CPU time measures the decoder's own work.
On a machine shared with other jobs, wall time also counts the time the thread waits for a
core. The table gives both, and the per-token curve uses CPU time.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hullvm.engine.decode import STOP_TOKENS
from hullvm.wasm.program import TraceDecoder, build_prefix

CHECKPOINTS = (1_000, 10_000, 100_000, 300_000, 1_000_000)
HULL_WINDOW = 100_000  # most tokens timed with the hull cache at one checkpoint
MARK_START = "<!-- hullvm bench: start -->"
MARK_END = "<!-- hullvm bench: end -->"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


class PeakMemory:
    """Samples this process's resident memory in a thread; ``peak`` is the largest above start."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.start = rss_bytes()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes() - self.start)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes() - self.start)


@dataclass
class Row:
    name: str
    tokens: int
    seconds: float  # wall time
    steps: int
    memory: int
    note: str = ""
    cpu_seconds: float = 0.0  # CPU time of the decoding thread

    @property
    def rate(self) -> float:
        return self.tokens / max(self.seconds, 1e-9)

    @property
    def cpu_rate(self) -> float:
        return self.tokens / max(self.cpu_seconds, 1e-9)


@dataclass
class Results:
    program: str
    prefix_tokens: int
    rows: list[Row] = field(default_factory=list)
    points: list[tuple[int, float, float | None]] = field(default_factory=list)
    user_runs: list[tuple[str, float, int, str]] = field(default_factory=list)


def _decode(engine, prefix, limit: int | None) -> tuple[int, int, float, float, bool]:
    """Run an engine from the prefix.

    Returns (generated tokens, steps, wall seconds, CPU seconds, done) of the decoding.
    """
    decoder = TraceDecoder()
    token = engine.prefill(prefix)
    start = time.perf_counter()
    cpu_start = time.thread_time()
    used, _ = decoder.feed_many([token])
    generated = used
    while not decoder.done and (limit is None or generated < limit):
        budget = 1 << 16 if limit is None else min(1 << 16, limit - generated)
        chunk = engine.generate(token, budget, STOP_TOKENS)
        used, _ = decoder.feed_many(chunk)
        generated += used
        token = int(chunk[-1])
    return (generated, decoder.steps, time.perf_counter() - start,
            time.thread_time() - cpu_start, decoder.done)


def run_native(weights, prefix, cache: str, limit: int | None) -> Row:
    from hullvm.native import NativeEngine

    with PeakMemory() as memory:
        engine = NativeEngine(weights, cache)
        generated, steps, seconds, cpu_seconds, done = _decode(engine, prefix, limit)
        del engine
    note = "" if done else f"stopped after {generated:,} tokens"
    return Row(f"native, {cache} cache", generated, seconds, steps, memory.peak, note,
               cpu_seconds)


def run_torch(weights, prefix, limit: int) -> Row:
    from hullvm.engine.engines import TorchEngine
    from hullvm.model.transformer import HullTransformer

    with PeakMemory() as memory:
        engine = TorchEngine(HullTransformer(weights), "hull")
        decoder = TraceDecoder()
        token = engine.prefill(prefix)
        start = time.perf_counter()
        cpu_start = time.process_time()  # PyTorch runs its own threads
        generated = 0
        while generated < limit:
            generated += 1
            decoder.feed(token)
            if decoder.done:
                break
            token = engine.feed(token)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    note = "" if decoder.done else f"stopped after {generated:,} tokens"
    return Row("PyTorch, hull cache", generated, seconds, decoder.steps, memory.peak, note,
               cpu_seconds)


def _advance(engine, token: int, target: int) -> int | None:
    """Decode up to position ``target``; returns the last token, or None at a stop token."""
    while engine.position < target:
        chunk = engine.generate(token, min(1 << 16, target - engine.position), STOP_TOKENS)
        token = int(chunk[-1])
        if token in STOP_TOKENS:
            return None
    return token


def _time_window(engine, token: int, window: int) -> tuple[float, int]:
    """CPU seconds per token over the next ``window`` tokens, and the last token."""
    start = time.thread_time()
    chunk = engine.generate(token, window, STOP_TOKENS)
    return (time.thread_time() - start) / len(chunk), int(chunk[-1])


def per_token_curve(weights, prefix, checkpoints, hull_window: int, scan_budget: float):
    """(position, hull CPU seconds per token, standard CPU seconds per token) per checkpoint.

    The hull times come from an engine with the hull cache only. The standard times come from a
    second engine that keeps both caches, decodes with the hulls to each checkpoint and scans
    every key for a window there. Keeping flat arrays of every key costs that engine memory
    copies when the arrays grow, so it does not time the hulls.
    """
    from hullvm.native import NativeEngine

    hull_engine = NativeEngine(weights, "hull")
    scan_engine = NativeEngine(weights, "both")
    hull_token = hull_engine.prefill(prefix)
    scan_token = scan_engine.prefill(prefix)
    points = []
    for target in checkpoints:
        scan_token = _advance(scan_engine, scan_token, target)
        if scan_token is None:
            return points
        position = scan_engine.position
        scan_engine.set_scan(True)
        # A scan costs about (heads x position) score evaluations; size its window to the budget.
        window = max(3, min(hull_window, int(scan_budget * 2e8 / (32 * max(position, 1)))))
        scan, scan_token = _time_window(scan_engine, scan_token, window)
        scan_engine.set_scan(False)
        hull_token = _advance(hull_engine, hull_token, position)
        if hull_token is None or scan_token in STOP_TOKENS:
            return points
        # Half the distance to the start keeps the window short of the next checkpoint.
        hull, hull_token = _time_window(hull_engine, hull_token,
                                        min(hull_window, max(2_000, position // 2)))
        points.append((position, hull, scan))
        if hull_token in STOP_TOKENS:
            return points
    return points


# Runs `hullvm` and, at exit, writes the process's peak resident memory (VmHWM) to the file
# named by HULLVM_BENCH_PEAK. The rusage of a child includes the memory of the parent it was
# forked from, so the child reads its own high-water mark, which exec resets.
_PEAK_WRAPPER = """
import atexit, os, sys
def _write_peak():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["HULLVM_BENCH_PEAK"], "w") as out:
        out.write(str(int(peak) * 1024))
atexit.register(_write_peak)
from hullvm.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def user_run(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes and the summary line of `hullvm run` in a new process."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        env = dict(os.environ, HULLVM_BENCH_PEAK=str(peak_file))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, "run", *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        seconds = time.perf_counter() - start
        peak = int(peak_file.read_text()) if peak_file.exists() else 0
    summary = proc.stderr.decode(errors="replace").strip().splitlines()
    return seconds, peak, summary[-1] if summary else ""


def plot(points, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p for p, _, _ in points]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(xs, [h * 1e6 for _, h, _ in points], "o-", label="hull cache")
    ax.loglog(xs, [s * 1e6 for _, _, s in points], "s-", label="standard cache (scan)")
    ax.set_xlabel("trace position (tokens)")
    ax.set_ylabel("CPU time per token (µs)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def markdown(results: Results, png: Path | None, docs_dir: Path | None) -> str:
    lines = [f"Program: `{results.program}`, prefix {results.prefix_tokens:,} tokens. "
             f"CPU: {cpu_model()}, {os.cpu_count()} cores, one thread per engine.", ""]
    lines += ["| engine | generated tokens | wall s | tokens/s | CPU s | tokens/s of CPU | "
              "WASM steps/s | memory | note |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results.rows:
        lines.append(f"| {r.name} | {r.tokens:,} | {r.seconds:.2f} | {r.rate:,.0f} | "
                     f"{r.cpu_seconds:.2f} | {r.cpu_rate:,.0f} | "
                     f"{r.steps / max(r.seconds, 1e-9):,.0f} | {_mb(r.memory)} | {r.note} |")
    if results.points:
        lines += ["", "| position | hull CPU µs/token | standard CPU µs/token | standard / hull |",
                  "| ---: | ---: | ---: | ---: |"]
        for position, hull, scan in results.points:
            lines.append(f"| {position:,} | {hull * 1e6:.2f} | {scan * 1e6:,.1f} | "
                         f"{scan / hull:,.0f}x |")
    if results.user_runs:
        lines += ["", "| `hullvm run` (fresh process) | wall time | peak memory |",
                  "| --- | ---: | ---: |"]
        for label, seconds, peak, _ in results.user_runs:
            lines.append(f"| `{label}` | {seconds:.2f} s | {_mb(peak)} |")
    if png is not None:
        target = os.path.relpath(png, docs_dir) if docs_dir else str(png)
        lines += ["", f"![per-token time against trace position]({target})"]
    return "\n".join(lines) + "\n"


def write_docs(page: Path, text: str) -> None:
    """Replace the marked section of ``page`` (or append one) with ``text``."""
    old = page.read_text() if page.exists() else "# Benchmarks\n"
    block = f"{MARK_START}\n{text}{MARK_END}"
    if MARK_START in old and MARK_END in old:
        new = re.sub(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), lambda _: block, old,
                     flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    page.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hullvm bench", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("program", nargs="?", help="program (default: examples/hungarian.c)")
    parser.add_argument("--input", default="", help="standard input of the program")
    parser.add_argument("--standard-tokens", type=int, default=20_000,
                        help="generated tokens for the native engine with the standard cache")
    parser.add_argument("--torch-tokens", type=int, default=5_000,
                        help="generated tokens for the PyTorch path (0 skips it)")
    parser.add_argument("--curve-program", default=None,
                        help="program whose trace is long enough for the per-token curve "
                             "(default: benchmarks/steady.wat, whose instruction mix is the same "
                             "all along its 4 million tokens; a checkpoint inside the prefix is "
                             "measured where the prefix ends)")
    parser.add_argument("--checkpoints", default=",".join(str(c) for c in CHECKPOINTS),
                        help="trace positions for the per-token curve, comma separated")
    parser.add_argument("--scan-seconds", type=float, default=1.0,
                        help="about how long each standard-cache window may take")
    parser.add_argument("--user-runs", action="store_true",
                        help="also time `hullvm run` on hungarian and sudoku in fresh processes")
    parser.add_argument("--png", help="draw the per-token curve to this PNG file")
    parser.add_argument("--docs", help="write the results into this Markdown page")


def run(args: argparse.Namespace) -> int:
    from hullvm import native
    from hullvm.errors import HullvmError
    from hullvm.pipeline import load_machine_weights, prepare
    from hullvm.toolchain import load_program

    if not native.available():
        raise HullvmError("the native engine is not built in this installation")
    root = Path(__file__).resolve().parents[2]
    program_path = Path(args.program) if args.program else root / "examples" / "hungarian.c"
    weights = load_machine_weights()
    prefix = build_prefix(prepare(load_program(program_path)), args.input.encode())
    results = Results(str(program_path.name) + (f" < {args.input!r}" if args.input else ""),
                      len(prefix))

    def show(row: Row) -> None:
        print(f"{row.name:24} {row.tokens:>12,} tokens {row.seconds:9.2f} s "
              f"{row.rate:>12,.0f} tokens/s (CPU {row.cpu_seconds:.2f} s, {row.cpu_rate:,.0f} "
              f"tokens/s) {row.steps / max(row.seconds, 1e-9):>10,.0f} steps/s "
              f"{_mb(row.memory):>9} {row.note}", flush=True)

    for row in (run_native(weights, prefix, "hull", None),
                run_native(weights, prefix, "standard", args.standard_tokens)):
        results.rows.append(row)
        show(row)
    if args.torch_tokens > 0:
        results.rows.append(run_torch(weights, prefix, args.torch_tokens))
        show(results.rows[-1])

    curve_path = root / "benchmarks" / "steady.wat"
    if args.curve_program:
        curve_path = Path(args.curve_program)
    checkpoints = [int(c) for c in args.checkpoints.split(",") if c]
    if checkpoints:
        curve_prefix = build_prefix(prepare(load_program(curve_path)), b"")
        results.points = per_token_curve(weights, curve_prefix, checkpoints, HULL_WINDOW,
                                         args.scan_seconds)
        print(f"per-token time along the {curve_path.name} trace:")
        for position, hull, scan in results.points:
            print(f"  at {position:>10,}: hull {hull * 1e6:8.2f} µs, standard {scan * 1e6:12.1f} "
                  f"µs, ratio {scan / hull:10,.0f}", flush=True)
    if args.user_runs:
        for example in ("hungarian.c", "sudoku.c"):
            label = f"hullvm run examples/{example}"
            seconds, peak, summary = user_run([str(root / "examples" / example)])
            results.user_runs.append((label, seconds, peak, summary))
            print(f"{label}: {seconds:.2f} s, peak {_mb(peak)}; {summary}", flush=True)
    png = Path(args.png) if args.png else None
    if png is not None and results.points:
        plot(results.points, png, f"per-token time, {curve_path.name} trace")
    if args.docs:
        page = Path(args.docs)
        write_docs(page, markdown(results, png, page.parent))
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
