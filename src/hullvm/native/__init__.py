"""The native engine: a C++ decoder for the same weights as the PyTorch model.

The extension ``hullvm.native._core`` is compiled by the package build. When the build could
not compile it (no C++ compiler), ``available()`` is false and the PyTorch engine stays the
default.
"""

from __future__ import annotations

import numpy as np

from hullvm.compile.weights import Weights
from hullvm.errors import HullvmError
from hullvm.model.heads import KINDS, head_kinds, position_stores
from hullvm.wasm.tokens import KINDS as STEP_KINDS
from hullvm.wasm.tokens import VOCAB

try:
    from hullvm.native import _core
except ImportError:  # the extension was not built
    _core = None

CACHES = ("hull", "standard", "both")


def available() -> bool:
    """True when the compiled extension can be imported."""
    return _core is not None


def token_blocks() -> list[tuple[int, int]]:
    """(first token, count) of each block of 256 tokens that share a role."""
    blocks = [(VOCAB.code, 256), (VOCAB.da, 256), (VOCAB.data, 256), (VOCAB.input, 256),
              (VOCAB.byte, 256)]
    blocks += [(VOCAB.op + 256 * k, 256) for k in range(len(STEP_KINDS))]
    return blocks


def quadratic_groups(unembedding: np.ndarray, blocks: list[tuple[int, int]]):
    """Blocks whose logit rows are exactly ``a + v*b + v*v*c`` for the offset v in the block.

    The engine finds the best token of such a block from the vertex of the quadratic, then
    scores the few tokens around it with their own rows, so the winner is the one a full scan
    finds. Blocks of any other form are scored token by token.
    """
    groups = []
    for first, count in blocks:
        rows = unembedding[first:first + count]
        if count < 3:
            continue
        a = rows[0]
        c = (rows[2] - 2 * rows[1] + rows[0]) / 2
        b = rows[1] - rows[0] - c
        v = np.arange(count, dtype=np.float64)[:, None]
        if np.array_equal(a + v * b + v * v * c, rows):
            groups.append((first, count, a.copy(), b.copy(), c.copy()))
    return groups


class NativeEngine:
    """Greedy decoding in C++; ``cache`` is 'hull', 'standard' or 'both' (switchable)."""

    def __init__(self, weights: Weights, cache: str = "hull",
                 kinds: list[list[str]] | None = None) -> None:
        if _core is None:
            raise HullvmError("the native engine is not built in this installation; reinstall "
                              "hullvm with a C++ compiler present, or use --engine torch")
        if cache not in CACHES:
            raise ValueError(f"unknown cache {cache!r}; choose one of {CACHES}")
        kinds = kinds or head_kinds(weights)
        stores = position_stores(weights, kinds)
        core = _core.Engine(weights.embedding, tuple(weights.position_dims),
                            weights.dim_names.index("one"), cache)
        for layer, layer_kinds, layer_stores in zip(weights.layers, kinds, stores):
            core.add_layer(layer.wq, layer.wk, layer.wv, layer.wo, list(layer.ties),
                           list(layer.head_names), [KINDS.index(k) for k in layer_kinds],
                           layer_stores, layer.w_gate, layer.w_up, layer.w_down)
        # The blocks are those of the machine's vocabulary; other weights are scored per token.
        blocks = token_blocks() if weights.vocab_size == VOCAB.size else []
        core.set_unembedding(weights.unembedding, quadratic_groups(weights.unembedding, blocks))
        self.core = core
        self.cache = cache

    def _call(self, method, *args):
        try:
            return method(*args)
        except (ValueError, ArithmeticError) as error:
            raise HullvmError(f"native engine: {error}") from None

    def feed(self, token: int) -> int:
        return self._call(self.core.feed, token)

    def prefill(self, tokens: list[int]) -> int:
        return self._call(self.core.prefill, np.asarray(tokens, dtype=np.int64))

    def generate(self, token: int, limit: int, stop: list[int]) -> np.ndarray:
        """Feed ``token`` and each token produced after it; stop after ``limit`` tokens or at a
        token in ``stop``. Returns the produced tokens (the last is not fed)."""
        return self._call(self.core.generate, token, limit, stop)

    def set_scan(self, scan: bool) -> None:
        """With the 'both' cache: answer queries by scanning every key (True) or not."""
        self.core.set_scan(scan)

    @property
    def position(self) -> int:
        return self.core.position

    def memory(self) -> dict[str, int]:
        return dict(self.core.memory())
