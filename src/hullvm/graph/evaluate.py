"""An exact evaluator that runs a graph on a token sequence without building any weights.

Every dimension is a float64 computed in the graph's dependency order. The machine graph keeps all
of its values integers or short dyadic fractions well inside 2**53, so float64 arithmetic here is
exact and equals what the weights compute, whatever order a matrix product adds its terms in.
"""

from __future__ import annotations

from typing import Callable, Sequence

from hullvm.graph.dsl import Expr, Graph, LookupNode, NeuronNode

CacheFactory = Callable[[str, int], object]


def _compile_expr(expr: Expr) -> Callable[[list[float]], float]:
    terms = expr.terms
    const = expr.const
    if not terms:
        return lambda x: const
    if len(terms) == 1:
        (i, c), = terms
        if c == 1.0 and const == 0.0:
            return lambda x: x[i]
        return lambda x: c * x[i] + const

    def evaluate(x: list[float]) -> float:
        total = const
        for index, coeff in terms:
            total += coeff * x[index]
        return total

    return evaluate


class GraphEvaluator:
    """Runs a graph one token at a time, keeping one cache per lookup head.

    ``cache_factory(tie, value_dim)`` builds the cache of each head, so the same evaluator runs
    with the standard cache or the hull cache.
    """

    def __init__(self, graph: Graph, cache_factory: CacheFactory) -> None:
        self.graph = graph
        self.position = 0
        self._features = graph.token_features
        self._steps: list[Callable[[list[float]], None]] = []
        self._caches = []
        for node in graph.nodes:
            if isinstance(node, NeuronNode):
                self._steps.append(self._neuron_step(node))
            else:
                cache = cache_factory(node.tie, 2)
                self._caches.append(cache)
                self._steps.append(self._lookup_step(node, cache))
        self._logits = [_compile_expr(e) for e in graph.logits]

    @staticmethod
    def _neuron_step(node: NeuronNode) -> Callable[[list[float]], None]:
        parts = [(n.coeff, _compile_expr(n.a), _compile_expr(n.b)) for n in node.neurons]
        out = node.out

        def step(x: list[float]) -> None:
            total = 0.0
            for coeff, a, b in parts:
                gate = b(x)
                if gate > 0.0:
                    total += coeff * (gate * a(x))
            x[out] = total

        return step

    @staticmethod
    def _lookup_step(node: LookupNode, cache) -> Callable[[list[float]], None]:
        q0, q1 = (_compile_expr(e) for e in node.query)
        k0, k1 = (_compile_expr(e) for e in node.key)
        v0, v1 = (_compile_expr(e) for e in node.values)
        o0, o1 = node.outs

        def step(x: list[float]) -> None:
            cache.insert((k0(x), k1(x)), (v0(x), v1(x)))
            x[o0], x[o1] = cache.query((q0(x), q1(x)))

        return step

    def residual(self, token: int) -> list[float]:
        """Feed one token at the next position and return every dimension's value there."""
        graph = self.graph
        x = [0.0] * graph.width
        for index, values in self._features.items():
            x[index] = values[token]
        p = float(self.position)
        x[graph.position] = p
        x[graph.position_sq] = p * p
        for step in self._steps:
            step(x)
        self.position += 1
        return x

    def logits(self, x: list[float]) -> list[float]:
        return [f(x) for f in self._logits]

    def feed(self, token: int) -> int:
        """Feed one token and return the greedy next token (lowest index among equal maxima)."""
        scores = self.logits(self.residual(token))
        best = max(range(len(scores)), key=scores.__getitem__)
        return best

    def feed_all(self, tokens: Sequence[int]) -> int:
        nxt = -1
        for token in tokens:
            nxt = self.feed(token)
        return nxt
