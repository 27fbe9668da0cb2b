"""The pipeline, one stage per call: program file to module to prefix, weights to model, run."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from hullvm.compile.schedule import LayerPlan, schedule_layers
from hullvm.compile.weights import Weights, build_weights
from hullvm.engine.decode import RunResult, run_tokens
from hullvm.engine.engines import GraphEngine, TorchEngine
from hullvm.graph.dsl import Graph
from hullvm.model.transformer import HullTransformer
from hullvm.model.weightfile import FORMAT_VERSION, load_weights, save_weights
from hullvm.wasm.binary import decode_module
from hullvm.wasm.lower import lower_module
from hullvm.wasm.machine import MACHINE_VERSION, build_machine_graph
from hullvm.wasm.program import MachineProgram, TraceDecoder, build_prefix
from hullvm.wasm.tokens import VOCAB
from hullvm.wasm.validate import validate_module

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """The shape of a built model and how long each stage took."""

    weights: Weights
    plan: LayerPlan
    graph_seconds: float
    weights_seconds: float


@lru_cache(maxsize=1)
def machine_graph() -> Graph:
    """Build the universal interpreter graph once per process."""
    return build_machine_graph()


def build(graph: Graph | None = None) -> BuildReport:
    """Schedule the machine graph into layers and build its weights."""
    start = time.perf_counter()
    graph = graph or machine_graph()
    graph_seconds = time.perf_counter() - start
    plan = schedule_layers(graph)
    start = time.perf_counter()
    weights = build_weights(graph, plan)
    return BuildReport(weights, plan, graph_seconds, time.perf_counter() - start)


@lru_cache(maxsize=1)
def machine_version() -> str:
    """MACHINE_VERSION plus a digest of the graph, so stale cached weights are rejected."""
    graph = machine_graph()
    digest = hashlib.sha256(repr((graph.nodes, graph.logits)).encode()).hexdigest()[:12]
    return f"{MACHINE_VERSION}-{digest}"


def default_weights_path() -> Path:
    root = os.environ.get("HULLVM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hullvm")
    return Path(root) / f"machine-v{machine_version()}-f{FORMAT_VERSION}.safetensors"


def load_model(path: Path | None = None) -> HullTransformer:
    """Load the universal model, building and caching its weights on first use.

    Raises WeightsError when an existing file was built for another machine version.
    """
    path = path or default_weights_path()
    if not path.exists():
        log.info("building machine weights into %s", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_weights(build().weights, path, machine_version())
    weights = load_weights(path, machine_version=machine_version(), vocab_size=VOCAB.size)
    return HullTransformer(weights)


def prepare(wasm: bytes) -> MachineProgram:
    """Decode, validate and lower a binary module.

    Raises WasmDecodeError, WasmValidationError or UnsupportedError with what failed and where.
    """
    module = decode_module(wasm)
    validate_module(module)
    return lower_module(module)


def run_program(
    program: MachineProgram,
    input_bytes: bytes = b"",
    *,
    engine: str = "torch",
    cache: str = "hull",
    model: HullTransformer | None = None,
    max_tokens: int | None = None,
    on_output: Callable[[bytes], None] | None = None,
    keep_tokens: bool = False,
    decoder: TraceDecoder | None = None,
) -> RunResult:
    """Run a lowered program through the model (or the graph evaluator) from its prefix.

    >>> from hullvm.toolchain import load_program
    >>> result = run_program(prepare(load_program(Path("examples/hello.c"))))
    >>> result.trace.output
    b'Hello, world!\\n'
    """
    prefix = build_prefix(program, input_bytes)
    if engine == "torch":
        runner = TorchEngine(model or load_model(), cache)
    elif engine == "graph":
        runner = GraphEngine(machine_graph(), cache)
    else:
        raise ValueError(f"unknown engine {engine!r}; choose torch or graph")
    return run_tokens(runner, prefix, max_tokens=max_tokens, on_output=on_output,
                      keep_tokens=keep_tokens, decoder=decoder)
