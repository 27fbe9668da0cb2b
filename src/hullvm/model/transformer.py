"""The model: a standard decoder-only transformer whose attention heads all have dimension 2.

Each layer is pre-residual attention (per-head Q, K, V projections to 2 numbers, an output
projection) followed by a ReGLU feed-forward block, ``down(relu(gate(x)) * up(x))``, both added
to the residual stream. The embedding is a token table plus two fixed position features,
``position`` and ``position**2``, written into their own residual slots. Everything is float64.

Attention is hard-max: each head returns the value at the key with the largest dot product with
the query. Exactly tied keys are combined by the head's tie rule ('latest' or 'mean'). With
``temperature`` set, heads use ordinary softmax attention of the scores divided by it instead,
which is differentiable.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from hullvm.compile.weights import Weights

DTYPE = torch.float64


def _param(array) -> nn.Parameter:
    return nn.Parameter(torch.as_tensor(array, dtype=DTYPE), requires_grad=False)


class Attention2D(nn.Module):
    """Multi-head attention with 2-dimensional heads and hard-max (or softmax) weighting."""

    def __init__(self, wq, wk, wv, wo, ties: list[str], names: list[str]) -> None:
        super().__init__()
        self.wq, self.wk, self.wv, self.wo = (_param(a) for a in (wq, wk, wv, wo))
        self.ties = list(ties)
        self.names = list(names)

    @property
    def n_heads(self) -> int:
        return len(self.ties)

    def forward(self, x: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Attend over a whole sequence x of shape (T, d); returns (T, d)."""
        T = x.shape[0]
        if self.n_heads == 0:
            return torch.zeros_like(x)
        q = (x @ self.wq.T).view(T, -1, 2).transpose(0, 1)  # (H, T, 2)
        k = (x @ self.wk.T).view(T, -1, 2).transpose(0, 1)
        v = (x @ self.wv.T).view(T, -1, 2).transpose(0, 1)
        scores = q @ k.transpose(1, 2)  # (H, T, T)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        if temperature is not None:
            weights = torch.softmax(
                (scores / temperature).masked_fill(~causal, float("-inf")), dim=-1)
        else:
            weights = self._hardmax(scores, causal)
        heads = weights @ v  # (H, T, 2)
        return heads.transpose(0, 1).reshape(T, -1) @ self.wo.T

    def _hardmax(self, scores: torch.Tensor, causal: torch.Tensor) -> torch.Tensor:
        masked = scores.masked_fill(~causal, float("-inf"))
        best = masked.max(dim=-1, keepdim=True).values
        tied = (masked == best) & causal
        weights = tied.to(DTYPE)
        latest = torch.tensor([tie == "latest" for tie in self.ties])
        if latest.any():
            # Keep only the last tied position of each row for 'latest' heads.
            index = torch.arange(scores.shape[-1]).expand_as(tied)
            last = torch.where(tied, index, -1).max(dim=-1, keepdim=True).values
            only_last = (index == last).to(DTYPE)
            weights = torch.where(latest.view(-1, 1, 1), only_last, weights)
        return weights / weights.sum(dim=-1, keepdim=True)


class FeedForward(nn.Module):
    """ReGLU block: down(relu(gate @ x) * (up @ x))."""

    def __init__(self, w_gate, w_up, w_down) -> None:
        super().__init__()
        self.w_gate, self.w_up, self.w_down = (_param(a) for a in (w_gate, w_up, w_down))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.w_gate.shape[0] == 0:
            return torch.zeros_like(x)
        return (torch.relu(x @ self.w_gate.T) * (x @ self.w_up.T)) @ self.w_down.T


class Block(nn.Module):
    def __init__(self, layer) -> None:
        super().__init__()
        self.attention = Attention2D(layer.wq, layer.wk, layer.wv, layer.wo, layer.ties,
                                     layer.head_names)
        self.ffn = FeedForward(layer.w_gate, layer.w_up, layer.w_down)

    def forward(self, x: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        x = x + self.attention(x, temperature)
        return x + self.ffn(x)


@dataclass
class DecodeState:
    """Per-head caches and the next position of one decoding run."""

    caches: list[list[object]]
    position: int = 0


class HullTransformer(nn.Module):
    """The compiled transformer; ``forward`` runs a sequence, ``step`` decodes one token."""

    def __init__(self, weights: Weights) -> None:
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(
            torch.as_tensor(weights.embedding, dtype=DTYPE), freeze=True)
        self.position_dims = weights.position_dims
        self.blocks = nn.ModuleList(Block(layer) for layer in weights.layers)
        self.unembedding = _param(weights.unembedding)

    def embed(self, tokens: torch.Tensor, start: int = 0) -> torch.Tensor:
        x = self.embedding(tokens).clone()
        positions = torch.arange(start, start + tokens.shape[0], dtype=DTYPE)
        x[:, self.position_dims[0]] = positions
        x[:, self.position_dims[1]] = positions * positions
        return x

    def forward(self, tokens: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Logits of shape (T, V) for a token sequence of shape (T,)."""
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x, temperature)
        return x @ self.unembedding.T

    def new_state(self, cache_factory: Callable[[str, int], object]) -> DecodeState:
        """Fresh decoding state with one cache per head, made by ``cache_factory(tie, 2)``."""
        caches = [[cache_factory(tie, 2) for tie in block.attention.ties] for block in self.blocks]
        return DecodeState(caches)

    def decode_plan(self) -> list[tuple]:
        """Per layer, the projections stacked for one-token decoding (built once, then reused).

        The unembedding is kept as a sparse matrix: each row has a few nonzeros, and adding the
        zeros a dense product adds would not change any logit.
        """
        if getattr(self, "_decode_plan", None) is None:
            plan = []
            for block in self.blocks:
                a, f = block.attention, block.ffn
                qkv = torch.cat([a.wq, a.wk, a.wv]).detach() if a.n_heads else None
                gate_up = torch.cat([f.w_gate, f.w_up]).detach() if f.w_gate.shape[0] else None
                plan.append((a.n_heads, qkv, a.wo.detach(), gate_up, f.w_down.detach()))
            self._decode_plan = plan
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # sparse CSR is marked beta
                self._unembedding_sparse = self.unembedding.detach().to_sparse_csr()
        return self._decode_plan

    @torch.no_grad()
    def prefill(self, tokens: list[int], state: DecodeState) -> int:
        """Feed tokens layer by layer and return the greedy token after the last one.

        Each cache receives its keys in position order, so the result equals feeding the tokens
        one at a time. Only the projections are batched.
        """
        if not tokens:
            raise ValueError("prefill needs at least one token")
        plan = self.decode_plan()
        x = self.embed(torch.tensor(tokens), state.position)
        for (n_heads, qkv, wo, gate_up, w_down), caches in zip(plan, state.caches):
            if n_heads:
                heads = [_attend(caches, row, n_heads) for row in (x @ qkv.T).tolist()]
                x = x + torch.tensor(heads, dtype=DTYPE) @ wo.T
            if gate_up is not None:
                n = gate_up.shape[0] // 2
                h = x @ gate_up.T
                x = x + (torch.relu(h[:, :n]) * h[:, n:]) @ w_down.T
        state.position += len(tokens)
        return int(torch.argmax(self._unembedding_sparse @ x[-1]))

    def step(self, token: int, state: DecodeState) -> int:
        """Feed one token, update the caches, and return the greedy next token."""
        return self.prefill([token], state)


def _attend(caches: list, projection: list[float], n_heads: int) -> list[float]:
    """Insert one position's keys and values into the head caches and return the head outputs."""
    q = projection[:2 * n_heads]
    k = projection[2 * n_heads:4 * n_heads]
    v = projection[4 * n_heads:]
    out: list[float] = []
    for h, cache in enumerate(caches):
        cache.insert((k[2 * h], k[2 * h + 1]), (v[2 * h], v[2 * h + 1]))
        out.extend(cache.query((q[2 * h], q[2 * h + 1])))
    return out
