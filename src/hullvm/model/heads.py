"""Head kinds: which attention heads need a convex hull and which can be answered more cheaply.

Every head of the compiled model is a hard-max lookup, but most of them have a special form that
the weights reveal row by row:

- ``const``: the query rows read only the constant ``one`` dimension, so the query is the same
  at every position. A key's score is then known when it is inserted, and a running maximum
  answers every query.
- ``position``: the key is ``(2 * position, -position**2)``, the second query component is the
  constant 1, and ties go to the latest key. The score ``2*p*q - p*p`` peaks at the position
  nearest to ``q``, so the head reads an array indexed by position.
- ``hull``: anything else.

The kinds are computed from the weights when a file is written, stored in its metadata, and
computed again and compared when it is read.
"""

from __future__ import annotations

import numpy as np

from hullvm.compile.weights import Weights

KINDS = ("const", "position", "hull")


def _only(row: np.ndarray, dims: dict[int, float]) -> bool:
    """True when ``row`` is zero except at ``dims``, where it holds the given values."""
    expected = np.zeros_like(row)
    for index, value in dims.items():
        expected[index] = value
    return bool(np.array_equal(row, expected))


def head_kinds(weights: Weights) -> list[list[str]]:
    """The kind of every head, layer by layer."""
    one = weights.dim_names.index("one")
    position, position_sq = weights.position_dims
    kinds = []
    for layer in weights.layers:
        row_kinds = []
        for h, tie in enumerate(layer.ties):
            q0, q1 = layer.wq[2 * h], layer.wq[2 * h + 1]
            k0, k1 = layer.wk[2 * h], layer.wk[2 * h + 1]
            if _only(q0, {one: q0[one]}) and _only(q1, {one: q1[one]}):
                row_kinds.append("const")
            elif (tie == "latest" and _only(k0, {position: 2.0})
                  and _only(k1, {position_sq: -1.0}) and _only(q1, {one: 1.0})):
                row_kinds.append("position")
            else:
                row_kinds.append("hull")
        kinds.append(row_kinds)
    return kinds


def position_stores(weights: Weights, kinds: list[list[str]]) -> list[list[int]]:
    """Return, per head, the index of the per-position value array it reads (-1 for other kinds).

    Two position heads store the same numbers when their value rows are equal and no sublayer
    between them writes a dimension those rows read. Such heads share one array, across layers
    too. Arrays are numbered in order of first use.
    """
    stores: list[list[int]] = []
    # (value rows, dimensions they read, layer of first use, array index)
    seen: list[tuple[bytes, np.ndarray, int, int]] = []
    written_since: list[set[int]] = []  # per entry of seen: dims written after its first use
    for index, (layer, layer_kinds) in enumerate(zip(weights.layers, kinds)):
        row = []
        for h, kind in enumerate(layer_kinds):
            if kind != "position":
                row.append(-1)
                continue
            rows = np.ascontiguousarray(layer.wv[2 * h:2 * h + 2])
            reads = np.flatnonzero(rows.any(axis=0))
            match = -1
            for (key, dims, _, store), written in zip(seen, written_since):
                if key == rows.tobytes() and not written.intersection(dims.tolist()):
                    match = store
                    break
            if match < 0:
                match = len(seen)
                seen.append((rows.tobytes(), reads, index, match))
                written_since.append(set())
            row.append(match)
        stores.append(row)
        writes = set(np.flatnonzero(layer.wo.any(axis=1)).tolist())
        writes |= set(np.flatnonzero(layer.w_down.any(axis=1)).tolist())
        for written in written_since:
            written |= writes
    return stores
