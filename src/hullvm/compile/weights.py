"""Weight construction: turn a scheduled graph into the arrays of a standard transformer.

A slot layout (``hullvm.compile.slots``) maps every graph dimension to a slot of the residual
stream. By default each dimension has a slot of its own (d_model = graph width). Affine
expressions become matrix rows, their constant read from the ``one`` dimension that every token
embeds as 1. Each lookup becomes one attention head of dimension 2; each neuron one row of the
feed-forward input matrices and one column of its output matrix. The cancelling neurons of a
layout with slot reuse follow the graph's neurons in their layer's feed-forward block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hullvm.compile.schedule import LayerPlan
from hullvm.compile.slots import SlotLayout, identity_layout
from hullvm.graph.dsl import Expr, Graph, LookupNode, Neuron, NeuronNode


@dataclass
class LayerWeights:
    """One layer: attention with 2D heads, then a ReGLU feed-forward block."""

    wq: np.ndarray  # (2H, d): rows 2h, 2h+1 are head h's query
    wk: np.ndarray  # (2H, d)
    wv: np.ndarray  # (2H, d)
    wo: np.ndarray  # (d, 2H)
    ties: list[str]  # per head: 'latest' or 'mean'
    head_names: list[str]
    w_gate: np.ndarray  # (N, d): relu(w_gate @ x) ...
    w_up: np.ndarray  # (N, d): ... times (w_up @ x)
    w_down: np.ndarray  # (d, N)


@dataclass
class Weights:
    """All arrays of the model, plus the facts needed to reject a mismatched file."""

    embedding: np.ndarray  # (V, d)
    position_dims: tuple[int, int]  # residual slots of position and position**2
    layers: list[LayerWeights]
    unembedding: np.ndarray  # (V, d)
    dim_names: list[str]

    @property
    def d_model(self) -> int:
        return self.embedding.shape[1]

    @property
    def vocab_size(self) -> int:
        return self.embedding.shape[0]

    def shape_summary(self) -> dict[str, int]:
        heads = [len(layer.ties) for layer in self.layers]
        ffn = [layer.w_gate.shape[0] for layer in self.layers]
        params = self.embedding.size + self.unembedding.size
        for layer in self.layers:
            params += sum(a.size for a in (layer.wq, layer.wk, layer.wv, layer.wo, layer.w_gate,
                                           layer.w_up, layer.w_down))
        return {
            "layers": len(self.layers),
            "d_model": self.d_model,
            "max_heads": max(heads),
            "total_heads": sum(heads),
            "max_d_ffn": max(ffn),
            "total_neurons": sum(ffn),
            "vocab": self.vocab_size,
            "parameters": int(params),
            "nonzero_parameters": int(
                np.count_nonzero(self.embedding) + np.count_nonzero(self.unembedding)
                + sum(np.count_nonzero(a) for layer in self.layers
                      for a in (layer.wq, layer.wk, layer.wv, layer.wo, layer.w_gate,
                                layer.w_up, layer.w_down))),
        }


def _row(expr: Expr, slot_of_dim: tuple[int | None, ...], d: int, one: int) -> np.ndarray:
    row = np.zeros(d)
    for index, coeff in expr.terms:
        slot = slot_of_dim[index]
        if slot is None:
            raise ValueError(f"dimension {index} is read but the slot layout gives it no slot")
        row[slot] += coeff
    row[slot_of_dim[one]] += expr.const
    return row


def build_weights(graph: Graph, plan: LayerPlan, layout: SlotLayout | None = None) -> Weights:
    """Build the weight arrays of the graph under a layer plan and a slot layout.

    ``layout`` None gives every dimension its own slot. Raises ValueError when the layout gives
    no slot to a dimension that something reads.
    """
    layout = layout or identity_layout(graph)
    slots, d, V, one = layout.slot_of_dim, layout.d_model, graph.vocab_size, graph.one
    embedding = np.zeros((V, d))
    for index, values in graph.token_features.items():
        if slots[index] is not None:
            embedding[:, slots[index]] = values
    cancels: dict[int, list[int]] = {}
    for layer, index in layout.cancels:
        cancels.setdefault(layer, []).append(index)
    layers = []
    for layer, (attention, ffn) in enumerate(zip(plan.attention, plan.ffn)):
        lookups = [graph.nodes[i] for i in attention]
        H = len(lookups)
        wq, wk, wv = (np.zeros((2 * H, d)) for _ in range(3))
        wo = np.zeros((d, 2 * H))
        for h, node in enumerate(lookups):
            assert isinstance(node, LookupNode)
            for j in range(2):
                wq[2 * h + j] = _row(node.query[j], slots, d, one)
                wk[2 * h + j] = _row(node.key[j], slots, d, one)
                wv[2 * h + j] = _row(node.values[j], slots, d, one)
                if slots[node.outs[j]] is not None:
                    wo[slots[node.outs[j]], 2 * h + j] = 1.0
        neurons = []
        for i in ffn:
            node = graph.nodes[i]
            assert isinstance(node, NeuronNode)
            neurons += [(node.out, n) for n in node.neurons]
        for index in cancels.get(layer, []):
            neurons.append((index, Neuron(-1.0, Expr(((index, 1.0),)), Expr(((one, 1.0),)))))
        N = len(neurons)
        w_gate, w_up = np.zeros((N, d)), np.zeros((N, d))
        w_down = np.zeros((d, N))
        for j, (out, neuron) in enumerate(neurons):
            w_gate[j] = _row(neuron.b, slots, d, one)
            w_up[j] = _row(neuron.a, slots, d, one)
            if slots[out] is not None:
                w_down[slots[out], j] = neuron.coeff
        layers.append(LayerWeights(wq, wk, wv, wo, [n.tie for n in lookups],
                                   [n.name for n in lookups], w_gate, w_up, w_down))
    unembedding = np.stack([_row(e, slots, d, one) for e in graph.logits])
    return Weights(embedding, (slots[graph.position], slots[graph.position_sq]), layers,
                   unembedding, list(layout.names))
