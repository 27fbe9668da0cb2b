"""Scheduling: assign every graph node to a layer's attention or feed-forward sublayer.

A layer reads the residual stream, runs its attention heads, adds their outputs, then runs its
feed-forward neurons and adds theirs. Time 2*l is "before the attention of layer l" and 2*l+1
"before the feed-forward of layer l"; token and position features exist at time 0. A lookup runs
in the first attention sublayer whose input has every dimension it reads. A neuron dimension
runs in the first feed-forward sublayer that has its inputs. This as-soon-as-possible schedule gives the fewest
layers the graph allows, and it is deterministic: the same graph always gets the same plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hullvm.graph.dsl import Graph, LookupNode, NeuronNode


@dataclass(frozen=True)
class LayerPlan:
    """Node indices (into ``graph.nodes``) run by each layer's two sublayers."""

    attention: tuple[tuple[int, ...], ...]
    ffn: tuple[tuple[int, ...], ...]
    seconds: float

    @property
    def n_layers(self) -> int:
        return len(self.attention)


def _ready_time(graph: Graph, exprs, ready: list[int]) -> int:
    latest = 0
    for expr in exprs:
        for index in expr.dims():
            latest = max(latest, ready[index])
    return latest


def schedule_layers(graph: Graph) -> LayerPlan:
    """Place each node at the earliest sublayer whose input contains all it reads."""
    start = time.perf_counter()
    ready = [0] * graph.width
    placed: list[tuple[str, int]] = []
    for node in graph.nodes:
        if isinstance(node, LookupNode):
            t = _ready_time(graph, (*node.query, *node.key, *node.values), ready)
            layer = (t + 1) // 2
            for out in node.outs:
                ready[out] = 2 * layer + 1
            placed.append(("attention", layer))
        else:
            assert isinstance(node, NeuronNode)
            exprs = [e for n in node.neurons for e in (n.a, n.b)]
            t = _ready_time(graph, exprs, ready)
            layer = t // 2  # the first l with 2*l + 1 >= t
            ready[node.out] = 2 * layer + 2
            placed.append(("ffn", layer))
    n_layers = 1 + max(layer for _, layer in placed)
    attention: list[list[int]] = [[] for _ in range(n_layers)]
    ffn: list[list[int]] = [[] for _ in range(n_layers)]
    for index, (sublayer, layer) in enumerate(placed):
        (attention if sublayer == "attention" else ffn)[layer].append(index)
    return LayerPlan(
        attention=tuple(tuple(a) for a in attention),
        ffn=tuple(tuple(f) for f in ffn),
        seconds=time.perf_counter() - start,
    )
