"""The pipeline, one stage per call: program file to module to prefix, weights to model, run."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from hullvm.compile.schedule import SCHEDULER_VERSION, LayerPlan, schedule_layers
from hullvm.compile.slots import SlotLayout, identity_layout, reuse_layout
from hullvm.compile.weights import Weights, build_weights
from hullvm.errors import WeightsError
from hullvm.engine.decode import RunResult, run_tokens
from hullvm.graph.dsl import Graph
from hullvm.model.weightfile import FORMAT_VERSION, load_weights, save_weights
from hullvm.wasm.binary import decode_module
from hullvm.wasm.lower import lower_module
from hullvm.wasm.machine import MACHINE_VERSION, build_machine_graph
from hullvm.wasm.program import MachineProgram, TraceDecoder, build_prefix
from hullvm.wasm.tokens import VOCAB
from hullvm.wasm.validate import validate_module

if TYPE_CHECKING:  # PyTorch is imported only by the runs that use it
    from hullvm.model.transformer import HullTransformer

log = logging.getLogger(__name__)


# The build that `hullvm build` and the weights cache use. Slot reuse is on because it narrows
# the machine's residual stream from 265 to 140 slots for 114 cancelling neurons, which shrinks
# the parameter count by 46%. It also slows the native engine by about 11%, as measured in
# docs/scheduling.md.
DEFAULT_SCHEDULE = "milp"
DEFAULT_REUSE_SLOTS = True


@dataclass
class BuildReport:
    """The shape of a built model, how it was scheduled and how long each stage took."""

    weights: Weights
    plan: LayerPlan
    layout: SlotLayout
    graph_width: int
    graph_seconds: float
    weights_seconds: float

    @property
    def slots_saved(self) -> int:
        """Residual slots saved by slot reuse: graph width minus d_model."""
        return self.graph_width - self.layout.d_model

    @property
    def neurons_added(self) -> int:
        """Cancelling neurons that slot reuse added to the feed-forward blocks."""
        return len(self.layout.cancels)


@lru_cache(maxsize=1)
def machine_graph() -> Graph:
    """Build the universal interpreter graph once per process."""
    return build_machine_graph()


def build(graph: Graph | None = None, *, method: str = DEFAULT_SCHEDULE,
          reuse_slots: bool = DEFAULT_REUSE_SLOTS) -> BuildReport:
    """Schedule a graph (default: the machine graph) into layers and build its weights.

    ``method`` is 'milp' or 'asap' (see ``schedule_layers``); ``reuse_slots`` lets dimensions
    share residual slots once nothing reads the earlier occupant.
    """
    start = time.perf_counter()
    graph = graph or machine_graph()
    graph_seconds = time.perf_counter() - start
    plan = schedule_layers(graph, method, minimize_width=reuse_slots)
    start = time.perf_counter()
    layout = reuse_layout(graph, plan) if reuse_slots else identity_layout(graph)
    weights = build_weights(graph, plan, layout)
    return BuildReport(weights, plan, layout, graph.width, graph_seconds,
                       time.perf_counter() - start)


@lru_cache(maxsize=1)
def machine_version() -> str:
    """MACHINE_VERSION plus a digest of the graph and of how it is compiled.

    The digest covers the scheduler version and the default build options, so cached weights
    from another graph, scheduler or slot layout are rejected and rebuilt.
    """
    graph = machine_graph()
    recipe = (graph.nodes, graph.logits, SCHEDULER_VERSION, DEFAULT_SCHEDULE, DEFAULT_REUSE_SLOTS)
    digest = hashlib.sha256(repr(recipe).encode()).hexdigest()[:12]
    return f"{MACHINE_VERSION}-{digest}"


def default_weights_path() -> Path:
    root = os.environ.get("HULLVM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hullvm")
    return Path(root) / f"machine-v{machine_version()}-f{FORMAT_VERSION}.safetensors"


def load_machine_weights(path: Path | None = None) -> Weights:
    """Load the universal model's weights, building and caching them on first use.

    Raises WeightsError when an existing file was built for another machine version.
    """
    cached = path is None
    path = path or default_weights_path()
    if not path.exists():
        log.info("building machine weights into %s", path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WeightsError(f"cannot create the weights cache folder {path.parent}: "
                               f"{error.strerror}; set HULLVM_CACHE to a folder you can write"
                               ) from None
        save_weights(build().weights, path, machine_version())
    try:
        return load_weights(path, machine_version=machine_version(), vocab_size=VOCAB.size)
    except WeightsError as error:
        if not cached:
            raise
        raise WeightsError(f"{error}. The file is hullvm's cached build: delete it and the "
                           f"next run builds it again") from None


def load_model(path: Path | None = None) -> HullTransformer:
    """The PyTorch model of the universal weights (see ``load_machine_weights``)."""
    from hullvm.model.transformer import HullTransformer

    return HullTransformer(load_machine_weights(path))


def default_engine() -> str:
    """'native' when the C++ extension is built, else 'torch'."""
    from hullvm import native

    return "native" if native.available() else "torch"


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
    engine: str | None = None,
    cache: str = "hull",
    model: HullTransformer | None = None,
    weights: Weights | None = None,
    max_tokens: int | None = None,
    on_output: Callable[[bytes], None] | None = None,
    keep_tokens: bool = False,
    decoder: TraceDecoder | None = None,
) -> RunResult:
    """Run a lowered program through the model (or the graph evaluator) from its prefix.

    ``engine`` is 'native', 'torch' or 'graph'; None picks ``default_engine()``.

    >>> from hullvm.toolchain import load_program
    >>> result = run_program(prepare(load_program(Path("examples/hello.c"))))
    >>> result.trace.output
    b'Hello, world!\\n'
    """
    prefix = build_prefix(program, input_bytes)
    engine = engine or default_engine()
    if engine == "native":
        from hullvm.native import NativeEngine

        runner = NativeEngine(weights or load_machine_weights(), cache)
    elif engine == "torch":
        from hullvm.engine.engines import TorchEngine

        runner = TorchEngine(model or load_model(), cache)
    elif engine == "graph":
        from hullvm.engine.engines import GraphEngine

        runner = GraphEngine(machine_graph(), cache)
    else:
        raise ValueError(f"unknown engine {engine!r}; choose native, torch or graph")
    return run_tokens(runner, prefix, max_tokens=max_tokens, on_output=on_output,
                      keep_tokens=keep_tokens, decoder=decoder)
