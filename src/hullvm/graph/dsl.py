"""The graph DSL: scalar dimensions computed per token from ReGLU neurons and 2D hard-max lookups.

A graph describes, for every position of a token sequence, how each dimension of the residual
stream is computed. There are four kinds of dimension:

- token features, a fixed number per vocabulary entry (the embedding);
- position features, fixed functions of the position (``position`` and ``position**2``);
- neuron sums, ``sum(c * relu(b) * a)`` over ReGLU neurons whose ``a`` and ``b`` are affine
  expressions of dimensions at the same position;
- lookups, one attention head of dimension 2. The query is two affine expressions at the current
  position. The key and the two values are affine expressions at each earlier position and at
  the current one. The head returns the values at the key with the largest dot product with the
  query, and the head's tie rule ('latest' or 'mean') breaks ties.

Affine expressions never get a dimension of their own: the weight builder folds them into the
matrices that read them. Dimensions are created in dependency order, so creation order is a
topological order of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

Number = Union[int, float]


@dataclass(frozen=True)
class Dim:
    """One scalar slot of the residual stream."""

    index: int
    name: str

    def __add__(self, other: ExprLike) -> Expr:
        return as_expr(self) + other

    def __radd__(self, other: ExprLike) -> Expr:
        return as_expr(self) + other

    def __sub__(self, other: ExprLike) -> Expr:
        return as_expr(self) - other

    def __rsub__(self, other: ExprLike) -> Expr:
        return as_expr(other) - as_expr(self)

    def __mul__(self, k: Number) -> Expr:
        return as_expr(self) * k

    def __rmul__(self, k: Number) -> Expr:
        return as_expr(self) * k

    def __neg__(self) -> Expr:
        return as_expr(self) * -1


@dataclass(frozen=True)
class Expr:
    """An affine expression: ``const + sum(coeff * dim)``."""

    terms: tuple[tuple[int, float], ...] = ()
    const: float = 0.0

    def __add__(self, other: ExprLike) -> Expr:
        other = as_expr(other)
        merged: dict[int, float] = dict(self.terms)
        for index, coeff in other.terms:
            merged[index] = merged.get(index, 0.0) + coeff
        terms = tuple(sorted((i, c) for i, c in merged.items() if c != 0.0))
        return Expr(terms, self.const + other.const)

    def __radd__(self, other: ExprLike) -> Expr:
        return self + other

    def __sub__(self, other: ExprLike) -> Expr:
        return self + as_expr(other) * -1

    def __rsub__(self, other: ExprLike) -> Expr:
        return as_expr(other) - self

    def __mul__(self, k: Number) -> Expr:
        if not isinstance(k, (int, float)):
            raise TypeError("an Expr can only be scaled by a number; use a neuron for products")
        k = float(k)
        if k == 0.0:
            return Expr((), 0.0)
        return Expr(tuple((i, c * k) for i, c in self.terms), self.const * k)

    def __rmul__(self, k: Number) -> Expr:
        return self * k

    def __neg__(self) -> Expr:
        return self * -1

    def dims(self) -> list[int]:
        return [i for i, _ in self.terms]


ExprLike = Union[Expr, Dim, int, float]


def as_expr(x: ExprLike) -> Expr:
    """Convert a dimension or a number to an expression."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, Dim):
        return Expr(((x.index, 1.0),), 0.0)
    if isinstance(x, (int, float)):
        return Expr((), float(x))
    raise TypeError(f"cannot use {type(x).__name__} as a graph expression")


@dataclass(frozen=True)
class Neuron:
    """One ReGLU neuron contributing ``coeff * relu(b) * a`` to its output dimension."""

    coeff: float
    a: Expr
    b: Expr


@dataclass(frozen=True)
class NeuronNode:
    """A dimension computed as the sum of ReGLU neurons."""

    out: int
    neurons: tuple[Neuron, ...]


@dataclass(frozen=True)
class LookupNode:
    """A 2D hard-max attention head writing two dimensions."""

    name: str
    query: tuple[Expr, Expr]
    key: tuple[Expr, Expr]
    values: tuple[Expr, Expr]
    tie: str
    outs: tuple[int, int]


Node = Union[NeuronNode, LookupNode]

TIE_RULES = ("latest", "mean")


@dataclass
class Graph:
    """A finished graph: dimensions, nodes in dependency order, the embedding and the logits."""

    dim_names: list[str]
    dim_kinds: list[str]
    nodes: list[Node]
    vocab_size: int
    token_features: dict[int, list[float]]
    logits: list[Expr]
    one: int
    position: int
    position_sq: int
    node_of_dim: dict[int, int] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.dim_names)


class GraphBuilder:
    """Collects dimensions and nodes for one graph; each builder owns its state."""

    def __init__(self, vocab_size: int) -> None:
        self.vocab_size = vocab_size
        self._names: list[str] = []
        self._kinds: list[str] = []
        self._nodes: list[Node] = []
        self._token_features: dict[int, list[float]] = {}
        self._logits: list[Expr] | None = None
        self.one = self._new_dim("one", "token")
        self._token_features[self.one.index] = [1.0] * vocab_size
        self.position = self._new_dim("position", "position")
        self.position_sq = self._new_dim("position_sq", "position")

    def _new_dim(self, name: str, kind: str) -> Dim:
        dim = Dim(len(self._names), name)
        self._names.append(name)
        self._kinds.append(kind)
        return dim

    def _check(self, *exprs: Expr) -> None:
        for expr in exprs:
            for index in expr.dims():
                if index >= len(self._names):
                    raise ValueError(f"expression refers to unknown dimension {index}")

    def token_feature(self, name: str, values: Sequence[float]) -> Dim:
        """Add a dimension whose value is a fixed number per vocabulary entry."""
        if len(values) != self.vocab_size:
            raise ValueError(f"feature {name} has {len(values)} values for {self.vocab_size} tokens")
        dim = self._new_dim(name, "token")
        self._token_features[dim.index] = [float(v) for v in values]
        return dim

    def neurons(self, name: str, terms: Iterable[tuple[Number, ExprLike, ExprLike]]) -> Dim:
        """Add a dimension equal to ``sum(coeff * relu(b) * a)`` over the given neurons."""
        neurons = []
        for coeff, a, b in terms:
            a_expr, b_expr = as_expr(a), as_expr(b)
            self._check(a_expr, b_expr)
            neurons.append(Neuron(float(coeff), a_expr, b_expr))
        if not neurons:
            raise ValueError(f"neuron dimension {name} has no neurons")
        dim = self._new_dim(name, "ffn")
        self._nodes.append(NeuronNode(dim.index, tuple(neurons)))
        return dim

    def lookup(
        self,
        name: str,
        query: tuple[ExprLike, ExprLike],
        key: tuple[ExprLike, ExprLike],
        values: tuple[ExprLike, ExprLike] | ExprLike,
        tie: str = "latest",
    ) -> tuple[Dim, Dim]:
        """Add a hard-max lookup head; returns the two value dimensions it writes."""
        if tie not in TIE_RULES:
            raise ValueError(f"tie rule {tie!r} is not one of {TIE_RULES}")
        if not isinstance(values, tuple):
            values = (values, 0.0)
        q = (as_expr(query[0]), as_expr(query[1]))
        k = (as_expr(key[0]), as_expr(key[1]))
        v = (as_expr(values[0]), as_expr(values[1]))
        self._check(*q, *k, *v)
        outs = (self._new_dim(f"{name}.0", "lookup"), self._new_dim(f"{name}.1", "lookup"))
        self._nodes.append(LookupNode(name, q, k, v, tie, (outs[0].index, outs[1].index)))
        return outs

    def set_logits(self, logits: Sequence[ExprLike]) -> None:
        """Set the unembedding: one affine expression of the final residual per token."""
        if len(logits) != self.vocab_size:
            raise ValueError(f"{len(logits)} logits for {self.vocab_size} tokens")
        exprs = [as_expr(x) for x in logits]
        self._check(*exprs)
        self._logits = exprs

    def build(self) -> Graph:
        """Freeze the graph; raises ValueError when no logits were set."""
        if self._logits is None:
            raise ValueError("the graph has no logits; call set_logits first")
        node_of_dim: dict[int, int] = {}
        for position, node in enumerate(self._nodes):
            outs = (node.out,) if isinstance(node, NeuronNode) else node.outs
            for out in outs:
                node_of_dim[out] = position
        return Graph(
            dim_names=list(self._names),
            dim_kinds=list(self._kinds),
            nodes=list(self._nodes),
            vocab_size=self.vocab_size,
            token_features=dict(self._token_features),
            logits=list(self._logits),
            one=self.one.index,
            position=self.position.index,
            position_sq=self.position_sq.index,
            node_of_dim=node_of_dim,
        )
