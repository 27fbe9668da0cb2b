"""The MILP scheduler: a placement of graph nodes found by HiGHS (through highspy).

Variables. ``x[i, l]`` is 1 when node i runs in layer l. The depth is fixed at L, the ASAP layer
count, so node i can only take layers between its ASAP layer and its ALAP layer under L; a node
with one choice gets no variable. Three integer peaks are bounded from below. W is the maximum
number of dimensions alive at one time of the residual stream, N the maximum number of neurons
in one feed-forward block, and H the maximum number of heads in one attention sublayer. Continuous helpers ``e[d, t]`` (some
reader of dimension d still needs it at time t) and ``y[d, t]`` (d occupies a slot at time t)
are only bounded from below, so at an optimum they equal the indicator they stand for at the
times that set the peak.

Constraints. Dependencies use the time-indexed form, which is tighter than comparing layer
numbers: when node j reads node i with gap delta, "j runs at or before l" implies "i runs at or
before l - delta" for every l. Liveness follows ``hullvm.compile.slots``: dimension d lives at
time t when its writer's start is at or before t and some reader's cancelling sublayer
2*layer+1 is at or after t (always, when the logits read d). So ``e[d, t] >= [reader j at or
after t]`` for each reader, ``y[d, t] >= [writer at or before t] + e[d, t] - 1``, and W is at
least the sum of y over d at every t, plus the dimensions whose liveness there is fixed.

Objective. Lexicographic, solved in three stages that each fix the optimum of the one before as
a bound: first W, because with slot reuse it is d_model and d_model multiplies the embedding,
the unembedding and every projection; then N, the feed-forward width d_ffn; then H, the head
count of the widest attention sublayer. Each stage starts from the previous stage's solution
(the first from ASAP), so every stage has a feasible incumbent from the start. The cancelling
neurons that slot reuse adds are not in N: the builder adds them after scheduling.

Determinism. HiGHS runs single threaded with ``random_seed`` fixed, and the model is built in
graph order, so the same graph gives the same plan. A stage stopped by the time limit keeps its
best solution, which is not proven optimal and may differ between machines of different speed.
The plan's note says when that happened.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from hullvm.compile.schedule import (
    LayerPlan,
    dependencies,
    earliest_layers,
    latest_layers,
    node_reads,
    plan_from_layers,
)
from hullvm.compile.slots import pinned_dims
from hullvm.graph.dsl import Graph, LookupNode

SEED = 0
STAGES = ("width", "neurons", "heads")


class ScheduleError(Exception):
    """HiGHS found no feasible placement or failed."""


# A linear expression over model columns: (terms, constant).
Linear = tuple[dict[int, float], float]


@dataclass
class _Model:
    """Columns and rows collected in Python, passed to HiGHS in one call each."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_start: list[int] = field(default_factory=list)
    row_index: list[int] = field(default_factory=list)
    row_value: list[float] = field(default_factory=list)

    def column(self, lower: float, upper: float, integer: bool) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.lower) - 1)
        return len(self.lower) - 1

    def at_least(self, left: Linear, right: Linear) -> None:
        """Add the row ``left >= right``."""
        terms = dict(left[0])
        for index, coeff in right[0].items():
            terms[index] = terms.get(index, 0.0) - coeff
        self.row_start.append(len(self.row_index))
        for index in sorted(terms):
            if terms[index] != 0.0:
                self.row_index.append(index)
                self.row_value.append(terms[index])
        self.row_lower.append(right[1] - left[1])
        self.row_upper.append(np.inf)


class _Placement:
    """The layer choices of every node, as linear expressions over the x columns."""

    def __init__(self, model: _Model, earliest: list[int], latest: list[int]) -> None:
        self.earliest, self.latest = earliest, latest
        self.x: list[dict[int, int]] = []
        for low, high in zip(earliest, latest):
            self.x.append({} if low == high else
                          {layer: model.column(0.0, 1.0, True) for layer in range(low, high + 1)})
        for choices in self.x:
            if choices:
                model.at_least(({c: 1.0 for c in choices.values()}, 0.0), ({}, 1.0))
                model.row_upper[-1] = 1.0  # each node runs in exactly one layer

    def at_or_before(self, node: int, layer: int) -> Linear:
        """Return [node runs in a layer <= layer] as a linear expression."""
        if layer >= self.latest[node]:
            return {}, 1.0
        if layer < self.earliest[node]:
            return {}, 0.0
        return {c: 1.0 for l, c in self.x[node].items() if l <= layer}, 0.0

    def at_or_after(self, node: int, layer: int) -> Linear:
        """Return [node runs in a layer >= layer] as a linear expression."""
        if layer <= self.earliest[node]:
            return {}, 1.0
        if layer > self.latest[node]:
            return {}, 0.0
        return {c: 1.0 for l, c in self.x[node].items() if l >= layer}, 0.0


def _constant(expr: Linear) -> float | None:
    return expr[1] if not expr[0] else None


def _add_liveness(model: _Model, graph: Graph, place: _Placement, n_layers: int, width: int,
                  readers: list[list[int]], logit_dims: set[int]) -> None:
    """Add rows that bound ``width`` by the live dimensions at every time 0..2L."""
    fixed = [0] * (2 * n_layers + 1)
    live: list[dict[int, float]] = [{} for _ in range(2 * n_layers + 1)]
    pinned = set(pinned_dims(graph))
    for dim in range(graph.width):
        if dim in pinned:
            for t in range(2 * n_layers + 1):
                fixed[t] += 1
            continue
        if not readers[dim] and dim not in logit_dims:
            continue
        writer = graph.node_of_dim.get(dim)
        for t in range(2 * n_layers + 1):
            if writer is None:
                started: Linear = ({}, 1.0)
            elif isinstance(graph.nodes[writer], LookupNode):
                started = place.at_or_before(writer, t // 2)  # starts at 2l
            else:
                started = place.at_or_before(writer, (t - 1) // 2)  # starts at 2l+1
            if _constant(started) == 0.0:
                continue
            if dim in logit_dims:
                needed = [({}, 1.0)]
            else:
                needed = [place.at_or_after(j, t // 2) for j in readers[dim]]  # ends at 2l+1
                needed = [n for n in needed if _constant(n) != 0.0]
                if not needed:
                    continue
            if any(_constant(n) == 1.0 for n in needed):
                if _constant(started) == 1.0:
                    fixed[t] += 1
                    continue
                still_needed: Linear = ({}, 1.0)
            else:
                e = model.column(0.0, 1.0, False)
                for n in needed:
                    model.at_least(({e: 1.0}, 0.0), n)
                still_needed = ({e: 1.0}, 0.0)
            y = model.column(0.0, 1.0, False)
            terms = dict(started[0])
            for index, coeff in still_needed[0].items():
                terms[index] = terms.get(index, 0.0) + coeff
            model.at_least(({y: 1.0}, 0.0), (terms, started[1] + still_needed[1] - 1.0))
            live[t][y] = 1.0
    for t in range(2 * n_layers + 1):
        model.at_least(({width: 1.0}, 0.0), (live[t], float(fixed[t])))


def _layers_of(place: _Placement, values: np.ndarray) -> list[int]:
    layers = []
    for low, choices in zip(place.earliest, place.x):
        if not choices:
            layers.append(low)
        else:
            layers.append(max(choices, key=lambda layer: values[choices[layer]]))
    return layers


@contextlib.contextmanager
def _stdout_silenced():
    """Send file descriptor 1 to the null device for the duration of the block.

    highspy 1.16 prints a two-line banner to the process's stdout when the first ``Highs``
    object is constructed, before any option can turn output off. ``hullvm run`` writes the
    program's output to stdout, so the banner would corrupt it.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1, so there is nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def schedule_milp(graph: Graph, *, time_limit: float = 60.0,
                  stages: tuple[str, ...] = STAGES) -> LayerPlan:
    """Schedule the graph in the ASAP depth, minimizing the peaks named in ``stages`` in order.

    Raises ScheduleError when HiGHS fails or stops without a feasible placement.
    """
    unknown = set(stages) - set(STAGES)
    if unknown or not stages:
        raise ValueError(f"invalid MILP stages {stages!r}; use names from {STAGES}")
    import highspy

    start = time.perf_counter()
    deps = dependencies(graph)
    earliest = earliest_layers(graph, deps)
    n_layers = 1 + max(earliest, default=0)
    latest = latest_layers(deps, n_layers)

    readers: list[list[int]] = [[] for _ in range(graph.width)]
    for index, node in enumerate(graph.nodes):
        for dim in sorted(node_reads(node)):
            readers[dim].append(index)
    logit_dims = {d for expr in graph.logits for d in expr.dims()}

    model = _Model()
    peaks = {name: model.column(0.0, np.inf, True) for name in STAGES}
    place = _Placement(model, earliest, latest)
    for consumer, node_deps in enumerate(deps):
        for producer, delta in node_deps:
            for layer in range(earliest[consumer], latest[consumer]):
                if layer - delta < latest[producer]:
                    model.at_least(place.at_or_before(producer, layer - delta),
                                   place.at_or_before(consumer, layer))
    for layer in range(n_layers):
        heads: dict[int, float] = {}
        neurons: dict[int, float] = {}
        fixed_heads = fixed_neurons = 0.0
        for index, node in enumerate(graph.nodes):
            if not earliest[index] <= layer <= latest[index]:
                continue
            size, terms = (1.0, heads) if isinstance(node, LookupNode) else (
                float(len(node.neurons)), neurons)
            if not place.x[index]:
                if isinstance(node, LookupNode):
                    fixed_heads += size
                else:
                    fixed_neurons += size
            else:
                terms[place.x[index][layer]] = size
        model.at_least(({peaks["heads"]: 1.0}, 0.0), (heads, fixed_heads))
        model.at_least(({peaks["neurons"]: 1.0}, 0.0), (neurons, fixed_neurons))
    if "width" in stages:
        _add_liveness(model, graph, place, n_layers, peaks["width"], readers, logit_dims)

    with _stdout_silenced():
        highs = highspy.Highs()
    for option, value in (("output_flag", False), ("threads", 1), ("random_seed", SEED),
                          ("mip_rel_gap", 0.0), ("mip_abs_gap", 0.5)):
        highs.setOptionValue(option, value)
    n_cols = len(model.lower)
    highs.addVars(n_cols, np.array(model.lower), np.array(model.upper))
    if model.integer:
        integer = np.array(model.integer, dtype=np.int32)
        highs.changeColsIntegrality(len(integer), integer,
                                    np.ones(len(integer), dtype=np.uint8))
    highs.addRows(len(model.row_lower), np.array(model.row_lower), np.array(model.row_upper),
                  len(model.row_index), np.array(model.row_start, dtype=np.int32),
                  np.array(model.row_index, dtype=np.int32), np.array(model.row_value))

    layers = earliest
    objective: dict[str, int] = {}
    notes = []
    for stage in stages:
        remaining = time_limit - (time.perf_counter() - start)
        if remaining <= 0:
            if stage == stages[0]:
                raise ScheduleError(f"time limit {time_limit:g} s reached while building the "
                                    f"model")
            notes.append(f"time limit {time_limit:g} s reached before minimizing {stage}")
            break
        highs.setOptionValue("time_limit", remaining)
        costs = np.zeros(n_cols)
        costs[peaks[stage]] = 1.0
        highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), costs)
        hint = [(c, 1.0 if layers[i] == l else 0.0)
                for i, choices in enumerate(place.x) for l, c in choices.items()]
        if hint:
            index, value = zip(*hint)
            highs.setSolution(len(hint), np.array(index, dtype=np.int32), np.array(value))
        highs.run()
        status = highs.getModelStatus()
        has_solution = highs.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
        if not has_solution:
            if stage == stages[0]:
                raise ScheduleError(f"HiGHS stopped with status "
                                    f"{highs.modelStatusToString(status)} and no placement")
            notes.append(f"HiGHS found no placement when minimizing {stage} "
                         f"({highs.modelStatusToString(status)})")
            break
        values = np.array(highs.getSolution().col_value)
        layers = _layers_of(place, values)
        objective[stage] = int(round(values[peaks[stage]]))
        highs.changeColBounds(peaks[stage], 0.0, float(objective[stage]))
        if status != highspy.HighsModelStatus.kOptimal:
            notes.append(f"{stage} not proven optimal ({highs.modelStatusToString(status)})")
    return plan_from_layers(graph, layers, n_layers, seconds=time.perf_counter() - start,
                            method="milp", note="; ".join(notes), objective=objective)
