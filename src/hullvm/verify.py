"""Check a trace against the PyTorch model and the graph evaluator, a block of tokens at a time.

Greedy decoding writes token t+1 as the argmax of the logits at position t. A trace is therefore
what a decoder would write exactly when, fed the trace itself (teacher forcing), the decoder's
argmax at every position after the prefix equals the next token of the trace. Fed a whole block
of known tokens, a decoder computes each projection once per block instead of once per token.
Checking a trace of millions of tokens that way takes minutes, where decoding it one token at a
time in Python takes hours.

Both checkers keep one cache per head (``hullvm.native._core.HeadCache``, the native engine's
exact head kinds), insert each position's key and value and then query, in position order, so
every position sees itself and all earlier positions, as in causal attention.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from hullvm.compile.weights import Weights
from hullvm.errors import HullvmError
from hullvm.graph.dsl import Expr, Graph, LookupNode, NeuronNode

BLOCK = 1 << 15


@dataclass
class Verdict:
    """The outcome of checking one trace with one checker."""

    checker: str
    checked: int  # positions whose argmax was compared with the next token
    seconds: float
    mismatch: int | None = None  # first position whose argmax differs from the next token
    expected: int | None = None
    found: int | None = None

    @property
    def ok(self) -> bool:
        return self.mismatch is None


def _core():
    from hullvm.native import _core

    if _core is None:
        raise HullvmError("checking a trace needs the native extension (hullvm.native._core)")
    return _core


class BlockArgmax:
    """Argmax of ``x @ unembedding.T`` per row, as the native engine finds it.

    Blocks of tokens whose logits are quadratic in the token's offset are searched next to the
    vertex, and the candidates are scored with their own rows (as sparse dot products); other
    tokens are scored one by one. Ties go to the lowest token id.
    """

    def __init__(self, unembedding: np.ndarray, vocab_size: int) -> None:
        import torch

        from hullvm.native import quadratic_groups, token_blocks
        from hullvm.wasm.tokens import VOCAB

        blocks = token_blocks() if vocab_size == VOCAB.size else []
        self.groups = []
        grouped = np.zeros(vocab_size, dtype=bool)
        for first, count, a, b, c in quadratic_groups(unembedding, blocks):
            rows = unembedding[first:first + count]
            columns = np.flatnonzero(rows.any(axis=0))
            self.groups.append((first, count, torch.as_tensor(np.stack([a, b, c], axis=1)),
                                torch.as_tensor(columns), torch.as_tensor(rows[:, columns])))
            grouped[first:first + count] = True
        self.singles = torch.as_tensor(np.flatnonzero(~grouped), dtype=torch.int64)
        self.single_rows = torch.as_tensor(unembedding[~grouped])

    def __call__(self, x):
        import torch

        rows = x.shape[0]
        tokens = [self.singles.expand(rows, -1)]
        scores = [x @ self.single_rows.T]
        for first, count, abc, columns, block_rows in self.groups:
            coefficients = x @ abc
            b, c = coefficients[:, 1], coefficients[:, 2]
            last = float(count - 1)
            if bool((c < 0).any()):
                vertex = torch.where(c < 0, -b / (2 * c), torch.zeros_like(b))
                base = torch.floor(vertex.clamp(0.0, last))
                near = torch.stack([base - 1, base, base + 1, base + 2], dim=1)
            else:
                near = torch.zeros((rows, 4), dtype=torch.float64)
            ends = torch.tensor([0.0, last, 0.0, last]).expand(rows, 4)
            offsets = torch.where((c < 0).unsqueeze(1), near, ends).clamp(0.0, last).long()
            picked = x[:, columns]  # (rows, k): the dims any row of the block reads
            scores.append((block_rows[offsets] * picked.unsqueeze(1)).sum(dim=-1))
            tokens.append(first + offsets)
        tokens = torch.cat(tokens, dim=1)
        scores = torch.cat(scores, dim=1)
        best = scores.max(dim=1, keepdim=True).values
        big = torch.iinfo(torch.int64).max
        return torch.where(scores == best, tokens, big).min(dim=1).values


class SparseLinear:
    """``x @ weight.T`` computed one output column at a time from the nonzero weights only.

    The machine's matrices are about 98% zeros; a dense product of a block of thousands of
    rows spends nearly all its time on them.
    """

    def __init__(self, weight: np.ndarray) -> None:
        import torch

        self.out = weight.shape[0]
        self.rows = []
        for r in range(weight.shape[0]):
            nonzero = np.flatnonzero(weight[r])
            if len(nonzero):
                self.rows.append((r, [(int(j), float(weight[r, j])) for j in nonzero]))
        self.torch = torch

    def __call__(self, x):
        y = self.torch.zeros((x.shape[0], self.out), dtype=x.dtype)
        for r, terms in self.rows:
            j, w = terms[0]
            column = w * x[:, j]
            for j, w in terms[1:]:
                column = column + w * x[:, j]
            y[:, r] = column
        return y


def _check_block(predicted: np.ndarray, trace: np.ndarray, start: int, first_checked: int):
    """Compare a block's predictions with the next trace tokens.

    Returns the number of positions compared and the first mismatch as (position, expected,
    found), or None.
    """
    positions = np.arange(start, start + len(predicted))
    useful = (positions >= first_checked) & (positions + 1 < len(trace))
    wrong = useful & (predicted != trace[np.minimum(positions + 1, len(trace) - 1)])
    index = np.flatnonzero(wrong)
    count = int(np.count_nonzero(positions >= first_checked))
    if not len(index):
        return count, None
    position = int(positions[index[0]])
    return count, (position, int(trace[position + 1]), int(predicted[index[0]]))


def verify_with_model(weights: Weights, trace: np.ndarray, prefix_tokens: int,
                      block: int = BLOCK) -> Verdict:
    """Teacher-force the PyTorch model (float64, the model's own matrices) over the trace."""
    import torch

    from hullvm.model.heads import head_kinds

    core = _core()
    torch.set_num_threads(1)
    start_time = time.perf_counter()
    kinds = head_kinds(weights)
    layers = []
    for layer, layer_kinds in zip(weights.layers, kinds):
        caches = [core.HeadCache(kind, tie, name) for kind, tie, name in
                  zip(layer_kinds, layer.ties, layer.head_names)]
        qkv = torch.as_tensor(np.concatenate([layer.wq, layer.wk, layer.wv]))
        gate_up = SparseLinear(np.concatenate([layer.w_gate, layer.w_up]))
        layers.append((caches, qkv, torch.as_tensor(layer.wo), gate_up,
                       SparseLinear(layer.w_down)))
    embedding = torch.as_tensor(weights.embedding)
    argmax = BlockArgmax(weights.unembedding, weights.vocab_size)
    position, position_sq = weights.position_dims
    tokens = torch.as_tensor(trace.astype(np.int64))
    checked = 0
    for start in range(0, len(trace) - 1, block):
        chunk = tokens[start:min(start + block, len(trace) - 1)]
        x = embedding[chunk].clone()
        p = torch.arange(start, start + len(chunk), dtype=torch.float64)
        x[:, position] = p
        x[:, position_sq] = p * p
        for caches, qkv, wo, gate_up, w_down in layers:
            if caches:
                h = len(caches)
                proj = (x @ qkv.T).numpy()
                out = np.empty((len(chunk), 2 * h))
                for i, cache in enumerate(caches):
                    q = proj[:, 2 * i:2 * i + 2]
                    k = proj[:, 2 * h + 2 * i:2 * h + 2 * i + 2]
                    v = proj[:, 4 * h + 2 * i:4 * h + 2 * i + 2]
                    out[:, 2 * i:2 * i + 2] = cache.run(k, v, q)
                x = x + torch.as_tensor(out) @ wo.T
            if gate_up.out:
                n = gate_up.out // 2
                g = gate_up(x)
                x = x + w_down(torch.relu(g[:, :n]) * g[:, n:])
        predicted = argmax(x).numpy()
        count, bad = _check_block(predicted, trace, start, prefix_tokens - 1)
        checked += count
        if bad:
            return Verdict("torch", checked, time.perf_counter() - start_time, *bad)
    return Verdict("torch", checked, time.perf_counter() - start_time)


def _columns(expr: Expr, x: np.ndarray) -> np.ndarray:
    """Evaluate an affine expression on every row, adding terms in the evaluator's order."""
    total = np.full(x.shape[0], expr.const)
    for index, coeff in expr.terms:
        total = total + coeff * x[:, index]
    return total


def _lookup_kind(graph: Graph, node: LookupNode) -> str:
    key0, key1 = node.key
    if (node.tie == "latest" and key0 == Expr(((graph.position, 2.0),), 0.0)
            and key1 == Expr(((graph.position_sq, -1.0),), 0.0)
            and node.query[1] == Expr((), 1.0)):
        return "position"
    return "hull"


def verify_with_graph(graph: Graph, trace: np.ndarray, prefix_tokens: int,
                      block: int = BLOCK) -> Verdict:
    """Teacher-force the graph evaluator (no weights) over the trace, node by node."""
    core = _core()
    start_time = time.perf_counter()
    caches = {id(node): core.HeadCache(_lookup_kind(graph, node), node.tie, node.name)
              for node in graph.nodes if isinstance(node, LookupNode)}
    features = {index: np.asarray(values) for index, values in graph.token_features.items()}
    unembedding = np.zeros((graph.vocab_size, graph.width))
    for token, expr in enumerate(graph.logits):
        for index, coeff in expr.terms:
            unembedding[token, index] += coeff
        unembedding[token, graph.one] += expr.const
    argmax = BlockArgmax(unembedding, graph.vocab_size)
    checked = 0
    import torch

    for start in range(0, len(trace) - 1, block):
        chunk = trace[start:min(start + block, len(trace) - 1)].astype(np.int64)
        x = np.zeros((len(chunk), graph.width))
        for index, values in features.items():
            x[:, index] = values[chunk]
        p = np.arange(start, start + len(chunk), dtype=np.float64)
        x[:, graph.position] = p
        x[:, graph.position_sq] = p * p
        for node in graph.nodes:
            if isinstance(node, NeuronNode):
                total = np.zeros(len(chunk))
                for neuron in node.neurons:
                    gate = _columns(neuron.b, x)
                    open_ = gate > 0.0
                    total = total + np.where(open_, neuron.coeff * (gate * _columns(neuron.a, x)),
                                             0.0)
                x[:, node.out] = total
            else:
                q = np.stack([_columns(e, x) for e in node.query], axis=1)
                k = np.stack([_columns(e, x) for e in node.key], axis=1)
                v = np.stack([_columns(e, x) for e in node.values], axis=1)
                out = caches[id(node)].run(k, v, q)
                x[:, node.outs[0]] = out[:, 0]
                x[:, node.outs[1]] = out[:, 1]
        predicted = argmax(torch.as_tensor(x)).numpy()
        count, bad = _check_block(predicted, trace, start, prefix_tokens - 1)
        checked += count
        if bad:
            return Verdict("graph", checked, time.perf_counter() - start_time, *bad)
    return Verdict("graph", checked, time.perf_counter() - start_time)


def native_trace(weights: Weights, prefix: list[int], max_tokens: int | None = None):
    """Decode with the native engine; returns (prefix + generated tokens as uint16, seconds)."""
    from hullvm.engine.decode import STOP_TOKENS
    from hullvm.native import NativeEngine

    engine = NativeEngine(weights, "hull")
    start = time.perf_counter()
    token = engine.prefill(prefix)
    chunks = [np.asarray(prefix, dtype=np.uint16), np.asarray([token], dtype=np.uint16)]
    generated = 1
    while token not in STOP_TOKENS and (max_tokens is None or generated < max_tokens):
        limit = 1 << 20 if max_tokens is None else min(1 << 20, max_tokens - generated)
        chunk = engine.generate(token, limit, STOP_TOKENS)
        chunks.append(chunk)
        generated += len(chunk)
        token = int(chunk[-1])
    return np.concatenate(chunks), time.perf_counter() - start
