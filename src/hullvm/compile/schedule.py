"""Scheduling: assign every graph node to a layer's attention or feed-forward sublayer.

A layer reads the residual stream, runs its attention heads, adds their outputs, then runs its
feed-forward neurons and adds theirs. Sublayer 2*l is the attention of layer l and sublayer
2*l+1 its feed-forward block. Time t is the residual stream at the input of sublayer t, so time
2*L (L layers) is the stream the logits read. Token and position features exist at time 0. A
node at sublayer k reads the stream at time k, and its outputs exist from time k+1 on. So a node
j that reads an output of node i needs ``layer(j) >= layer(i) + delta``, where delta is 0 when i
is a lookup and j a neuron dimension (the feed-forward block of a layer reads what its
attention wrote), and 1 otherwise.

Two schedulers share these rules:

- ``schedule_asap`` places each node in the first sublayer whose input has everything it reads.
  This gives the fewest layers the graph allows, L_min, in linear time.
- ``schedule_milp`` (in ``hullvm.compile.milp``) keeps exactly L_min layers and solves a mixed
  integer program with HiGHS for a placement that keeps the residual stream narrow and the
  layers even. Its objective is described there.

``schedule_layers`` runs the MILP and falls back to ASAP when HiGHS fails, is missing or finds
no feasible placement in its limits. The plan records which method produced it, why a fallback
happened, and how long scheduling took. Both schedulers are deterministic: the MILP runs single
threaded with a fixed seed, and ties between equal placements resolve the same way every time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from hullvm.graph.dsl import Graph, LookupNode, NeuronNode, Node

log = logging.getLogger(__name__)

METHODS = ("milp", "asap")

# Part of the machine version: change it whenever a scheduler or slot-layout change alters the
# weights built from an unchanged graph, so that cached weight files are rebuilt.
SCHEDULER_VERSION = "2"


@dataclass(frozen=True)
class LayerPlan:
    """Node indices (into ``graph.nodes``) run by each layer's two sublayers.

    ``method`` is the scheduler that produced the placement ('milp' or 'asap'). ``note`` gives
    the reason when the MILP was not used or not proven optimal, and is empty otherwise. ``seconds`` is the
    wall-clock scheduling time, ``objective`` the peak values the MILP minimized (empty for
    ASAP).
    """

    attention: tuple[tuple[int, ...], ...]
    ffn: tuple[tuple[int, ...], ...]
    seconds: float
    method: str = "asap"
    note: str = ""
    objective: dict[str, int] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        return len(self.attention)

    def layer_of_node(self) -> dict[int, int]:
        """Map every scheduled node to its layer."""
        layers = {}
        for layer, (attention, ffn) in enumerate(zip(self.attention, self.ffn)):
            for index in (*attention, *ffn):
                layers[index] = layer
        return layers


def node_reads(node: Node) -> set[int]:
    """Return the dimensions a node reads at its own position or at earlier ones."""
    if isinstance(node, LookupNode):
        exprs = (*node.query, *node.key, *node.values)
    else:
        exprs = tuple(e for n in node.neurons for e in (n.a, n.b))
    return {index for expr in exprs for index in expr.dims()}


def node_outputs(node: Node) -> tuple[int, ...]:
    return node.outs if isinstance(node, LookupNode) else (node.out,)


def dependencies(graph: Graph) -> list[list[tuple[int, int]]]:
    """Per node, (producer node, delta) pairs: the node's layer must be >= producer's + delta."""
    deps = []
    for node in graph.nodes:
        delta_after_lookup = 0 if isinstance(node, NeuronNode) else 1
        producers: dict[int, int] = {}
        for index in node_reads(node):
            producer = graph.node_of_dim.get(index)
            if producer is None:
                continue  # a token or position feature, present from time 0
            delta = delta_after_lookup if isinstance(graph.nodes[producer], LookupNode) else 1
            producers[producer] = max(producers.get(producer, 0), delta)
        deps.append(sorted(producers.items()))
    return deps


def earliest_layers(graph: Graph, deps: list[list[tuple[int, int]]]) -> list[int]:
    """Compute the ASAP layer of every node in one pass over the graph's creation order,
    which is a topological order."""
    layers: list[int] = []
    for node_deps in deps:
        layers.append(max((layers[p] + delta for p, delta in node_deps), default=0))
    return layers


def latest_layers(deps: list[list[tuple[int, int]]], n_layers: int) -> list[int]:
    """Compute the latest layer of every node that still lets all its readers fit in
    ``n_layers``."""
    latest = [n_layers - 1] * len(deps)
    for consumer in range(len(deps) - 1, -1, -1):
        for producer, delta in deps[consumer]:
            latest[producer] = min(latest[producer], latest[consumer] - delta)
    return latest


def plan_from_layers(graph: Graph, layers: list[int], n_layers: int, *, seconds: float,
                     method: str, note: str = "",
                     objective: dict[str, int] | None = None) -> LayerPlan:
    """Build a plan from one layer per node. Nodes of one sublayer keep the graph's order."""
    attention: list[list[int]] = [[] for _ in range(n_layers)]
    ffn: list[list[int]] = [[] for _ in range(n_layers)]
    for index, layer in enumerate(layers):
        is_lookup = isinstance(graph.nodes[index], LookupNode)
        (attention if is_lookup else ffn)[layer].append(index)
    return LayerPlan(
        attention=tuple(tuple(a) for a in attention),
        ffn=tuple(tuple(f) for f in ffn),
        seconds=seconds,
        method=method,
        note=note,
        objective=dict(objective or {}),
    )


def check_plan(graph: Graph, plan: LayerPlan) -> None:
    """Raise ValueError when a node is missing, in the wrong kind of sublayer, or runs before
    a node whose output it reads."""
    layer_of = plan.layer_of_node()
    if sorted(layer_of) != list(range(len(graph.nodes))):
        raise ValueError(f"the plan places {len(layer_of)} nodes of {len(graph.nodes)}")
    for layer, attention in enumerate(plan.attention):
        for index in attention:
            if not isinstance(graph.nodes[index], LookupNode):
                raise ValueError(f"node {index} is not a lookup but sits in attention {layer}")
    for layer, ffn in enumerate(plan.ffn):
        for index in ffn:
            if not isinstance(graph.nodes[index], NeuronNode):
                raise ValueError(f"node {index} is a lookup but sits in feed-forward {layer}")
    for consumer, node_deps in enumerate(dependencies(graph)):
        for producer, delta in node_deps:
            if layer_of[consumer] < layer_of[producer] + delta:
                raise ValueError(
                    f"node {consumer} at layer {layer_of[consumer]} reads node {producer} at "
                    f"layer {layer_of[producer]}, which is not written yet")


def schedule_asap(graph: Graph) -> LayerPlan:
    """Place each node at the earliest sublayer whose input contains all it reads."""
    start = time.perf_counter()
    layers = earliest_layers(graph, dependencies(graph))
    n_layers = 1 + max(layers, default=0)
    return plan_from_layers(graph, layers, n_layers, seconds=time.perf_counter() - start,
                            method="asap")


def schedule_layers(graph: Graph, method: str = "milp", *, minimize_width: bool = True,
                    time_limit: float = 60.0) -> LayerPlan:
    """Schedule the graph with the given method ('milp' or 'asap').

    'milp' falls back to ASAP, with the reason in ``plan.note``, when highspy is not installed,
    HiGHS fails, or it has no feasible placement when it stops. ``minimize_width`` makes the
    peak live width the MILP's first objective. That only pays when the builder reuses residual
    slots, because otherwise d_model is the graph width whatever the plan. ``time_limit`` caps
    the HiGHS solve in seconds.
    """
    if method not in METHODS:
        raise ValueError(f"unknown scheduling method {method!r}; choose one of {METHODS}")
    if method == "asap":
        return schedule_asap(graph)
    from hullvm.compile.milp import STAGES, ScheduleError, schedule_milp

    start = time.perf_counter()
    stages = STAGES if minimize_width else tuple(s for s in STAGES if s != "width")
    try:
        plan = schedule_milp(graph, time_limit=time_limit, stages=stages)
        check_plan(graph, plan)
        return plan
    except ScheduleError as error:
        reason = f"MILP failed ({error}); used ASAP"
    except ValueError as error:
        reason = f"MILP plan is invalid ({error}); used ASAP"
    except ImportError as error:
        reason = f"highspy is not installed ({error}); used ASAP"
    log.warning("scheduling: %s", reason)
    asap = schedule_asap(graph)
    return LayerPlan(asap.attention, asap.ffn, time.perf_counter() - start, "asap", reason)
