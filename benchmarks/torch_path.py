"""Measure the PyTorch path: tokens/s and WebAssembly steps/s with the hull and standard caches.

    python benchmarks/torch_path.py examples/hello.c --input "" --caches hull standard

Both caches run the same program one after the other in this process, so their ratio is
comparable even on a busy machine. Per-token times are reported over windows of the trace.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from hullvm.engine.engines import TorchEngine
from hullvm.pipeline import load_model, prepare
from hullvm.toolchain import load_program
from hullvm.wasm.program import TraceDecoder, build_prefix


def measure(model, program, input_bytes: bytes, cache: str, max_tokens: int, window: int):
    engine = TorchEngine(model, cache)
    prefix = build_prefix(program, input_bytes)
    start = time.perf_counter()
    token = engine.prefill(prefix)
    prefix_seconds = time.perf_counter() - start
    decoder = TraceDecoder()
    windows = []
    generated = 0
    start = mark = time.perf_counter()
    while generated < max_tokens:
        generated += 1
        decoder.feed(token)
        if decoder.done:
            break
        token = engine.feed(token)
        if generated % window == 0:
            now = time.perf_counter()
            windows.append((len(prefix) + generated, (now - mark) / window))
            mark = now
    seconds = time.perf_counter() - start
    return len(prefix), prefix_seconds, generated, seconds, decoder.steps, decoder.done, windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program", nargs="?", default="examples/hello.c")
    parser.add_argument("--input", default="")
    parser.add_argument("--caches", nargs="+", default=["hull", "standard"])
    parser.add_argument("--max-tokens", type=int, default=10**9)
    parser.add_argument("--window", type=int, default=1000, help="tokens per timing window")
    args = parser.parse_args()
    program = prepare(load_program(Path(args.program)))
    model = load_model()
    print(f"# {args.program} input={args.input!r} on {platform.processor() or platform.machine()}")
    print("cache     prefix  prefix_s  generated  seconds  tokens/s  steps/s  complete")
    for cache in args.caches:
        prefix, prefix_s, generated, seconds, steps, done, windows = measure(
            model, program, args.input.encode(), cache, args.max_tokens, args.window)
        print(f"{cache:8} {prefix:7} {prefix_s:9.2f} {generated:10} {seconds:8.2f} "
              f"{generated / seconds:9.0f} {steps / seconds:8.0f}  {done}")
        for position, per_token in windows[:: max(1, len(windows) // 8)]:
            print(f"    at token {position:9}: {per_token * 1e3:.3f} ms/token")


if __name__ == "__main__":
    main()
