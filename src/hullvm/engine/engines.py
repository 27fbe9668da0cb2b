"""Engines: the PyTorch model and the graph evaluator behind one `feed(token) -> token` call."""

from __future__ import annotations

from typing import Callable

import torch

from hullvm.attention import HullCache, StandardCache
from hullvm.graph.dsl import Graph
from hullvm.graph.evaluate import GraphEvaluator
from hullvm.model.transformer import HullTransformer

CACHES: dict[str, Callable[[str, int], object]] = {
    "hull": lambda tie, dim: HullCache(tie, dim),
    "standard": lambda tie, dim: StandardCache(tie, dim),
}


def cache_factory(kind: str) -> Callable[[str, int], object]:
    """Return the cache constructor for 'hull' or 'standard'; raises ValueError otherwise."""
    try:
        return CACHES[kind]
    except KeyError:
        raise ValueError(f"unknown cache {kind!r}; choose one of {sorted(CACHES)}") from None


class TorchEngine:
    """Greedy decoding with the PyTorch model and one KV cache per head."""

    def __init__(self, model: HullTransformer, cache: str = "hull") -> None:
        # One token at a time is far too little work to share between threads.
        torch.set_num_threads(1)
        self.model = model
        self.state = model.new_state(cache_factory(cache))

    def feed(self, token: int) -> int:
        return self.model.step(token, self.state)

    def prefill(self, tokens: list[int]) -> int:
        return self.model.prefill(tokens, self.state)


class GraphEngine:
    """Greedy decoding with the graph evaluator: no weights at all."""

    def __init__(self, graph: Graph, cache: str = "hull") -> None:
        self.evaluator = GraphEvaluator(graph, cache_factory(cache))

    def feed(self, token: int) -> int:
        return self.evaluator.feed(token)
