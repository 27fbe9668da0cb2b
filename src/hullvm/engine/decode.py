"""The decoding loop: feed the prefix, then let the model write the trace one token at a time.

The loop has no WebAssembly semantics: each step feeds the last token to the engine and takes
the token it returns. The trace decoder only reads the tokens to report output as it appears and
to notice the END or trap token after which the model has nothing more to say.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Protocol

from hullvm.wasm.program import TraceDecoder, TraceResult
from hullvm.wasm.tokens import VOCAB

# Tokens after which the model has nothing more to say: END, and every OP_TRAP token.
STOP_TOKENS = [VOCAB.end] + [VOCAB.op_token("TRAP", v) for v in range(256)]
CHUNK = 1 << 16  # tokens an engine with ``generate`` produces between two looks at the output


class Engine(Protocol):
    """Anything that takes one token and returns the greedy next one."""

    def feed(self, token: int) -> int: ...


@dataclass
class RunResult:
    """A finished (or stopped) run: what the program did and how long the model took."""

    trace: TraceResult
    prefix_tokens: int
    generated_tokens: int
    seconds: float
    prefix_seconds: float
    stop_reason: str  # 'halt', 'trap' or 'token limit'
    tokens: list[int] | None = None


def run_tokens(
    engine: Engine,
    prefix: list[int],
    *,
    max_tokens: int | None = None,
    on_output: Callable[[bytes], None] | None = None,
    keep_tokens: bool = False,
    decoder: TraceDecoder | None = None,
) -> RunResult:
    """Run the engine from a prefix until the program halts, traps or hits ``max_tokens``."""
    decoder = decoder or TraceDecoder()
    start = time.perf_counter()
    if hasattr(engine, "generate"):
        return _run_generating(engine, prefix, max_tokens, on_output, keep_tokens, decoder, start)
    if hasattr(engine, "prefill"):
        token = engine.prefill(prefix)
    else:
        token = -1
        for t in prefix:
            token = engine.feed(t)
    prefix_seconds = time.perf_counter() - start
    generated = 0
    kept: list[int] = []
    stop = "token limit"
    while max_tokens is None or generated < max_tokens:
        generated += 1
        if keep_tokens:
            kept.append(token)
        out = decoder.feed(token)
        if out and on_output is not None:
            on_output(out)
        if decoder.done:
            stop = "trap" if decoder.trap else "halt"
            break
        token = engine.feed(token)
    seconds = time.perf_counter() - start
    return RunResult(decoder.result(), len(prefix), generated, seconds, prefix_seconds, stop,
                     kept if keep_tokens else None)


def _run_generating(engine, prefix, max_tokens, on_output, keep_tokens, decoder, start):
    """The same loop for an engine that produces many tokens per call (the native engine)."""
    token = engine.prefill(prefix)
    prefix_seconds = time.perf_counter() - start
    generated = 0
    kept: list[int] = []
    chunk = [token]
    while True:
        if max_tokens is not None:
            chunk = chunk[:max_tokens - generated]
        used, out = decoder.feed_many(chunk)
        generated += used
        if keep_tokens:
            kept.extend(int(t) for t in chunk[:used])
        if out and on_output is not None:
            on_output(out)
        if decoder.done or (max_tokens is not None and generated >= max_tokens):
            break
        limit = CHUNK if max_tokens is None else min(CHUNK, max_tokens - generated)
        chunk = engine.generate(int(chunk[-1]), limit, STOP_TOKENS)
    stop = ("trap" if decoder.trap else "halt") if decoder.done else "token limit"
    return RunResult(decoder.result(), len(prefix), generated, time.perf_counter() - start,
                     prefix_seconds, stop, kept if keep_tokens else None)
