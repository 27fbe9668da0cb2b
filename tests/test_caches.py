"""Tests for the hard-max attention caches in hullvm.attention.

Both caches are compared with a brute-force reference that scores every inserted key in exact
rational arithmetic and applies the tie rule directly.
"""

from __future__ import annotations

import math
import random
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hullvm.attention import TIES, HullCache, StandardCache

CACHES = (HullCache, StandardCache)

# Directions that hit every branch of a query: the axes, the zero vector and diagonals.
FIXED_QUERIES = [(float(a), float(b)) for a in (-2, -1, 0, 1, 2) for b in (-2, -1, 0, 1, 2)]


class Reference:
    """Exact argmax over all inserted keys, then the tie rule, with nothing clever."""

    def __init__(self, tie: str) -> None:
        self.tie = tie
        self.keys: list[tuple[Fraction, Fraction]] = []
        self.values: list[tuple[float, ...]] = []

    def insert(self, key: tuple[float, float], value: tuple[float, ...]) -> None:
        self.keys.append((Fraction(key[0]), Fraction(key[1])))
        self.values.append(tuple(float(v) for v in value))

    def query(self, q: tuple[float, float]) -> tuple[float, ...]:
        qx, qy = Fraction(q[0]), Fraction(q[1])
        scores = [qx * kx + qy * ky for kx, ky in self.keys]
        best = max(scores)
        tied = [self.values[i] for i, score in enumerate(scores) if score == best]
        if self.tie == "latest":
            return tied[-1]
        return tuple(math.fsum(column) / len(tied) for column in zip(*tied))


def run_and_compare(tie: str, keys, values, queries) -> None:
    """Insert keys one by one and, after each insert, check every query on all three caches."""
    reference = Reference(tie)
    caches = [cls(tie, len(values[0])) for cls in CACHES]
    for key, value in zip(keys, values):
        reference.insert(key, value)
        for cache in caches:
            cache.insert(key, value)
        for q in queries:
            expected = reference.query(q)
            for cache in caches:
                assert cache.query(q) == expected, (type(cache).__name__, key, q)
    for cache in caches:
        assert len(cache) == len(keys)


def latest_values(count: int) -> list[tuple[float, float]]:
    """Distinct values, so that returning the wrong tied entry is always visible."""
    return [(float(i), float(-3 * i)) for i in range(count)]


small_ints = st.integers(-6, 6)
int_queries = st.lists(st.tuples(small_ints, small_ints).map(lambda q: (float(q[0]), float(q[1]))),
                       max_size=6)
mean_values = st.tuples(st.integers(-100, 100), st.floats(-1e3, 1e3)).map(
    lambda v: (float(v[0]), v[1]))
ties = st.sampled_from(TIES)


def points(coordinates: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(coordinates, coordinates).map(lambda p: (float(p[0]), float(p[1])))


@st.composite
def values_for(draw, tie: str, count: int) -> list[tuple[float, float]]:
    if tie == "latest":
        return latest_values(count)
    return draw(st.lists(mean_values, min_size=count, max_size=count))


QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(tie=ties, keys=st.lists(points(st.integers(-8, 8)), min_size=1, max_size=30),
       queries=int_queries, data=st.data())
def test_small_integer_keys(tie, keys, queries, data) -> None:
    values = data.draw(values_for(tie, len(keys)))
    run_and_compare(tie, keys, values, FIXED_QUERIES + queries)


@QUICK
@given(tie=ties, keys=st.lists(points(st.integers(-2**52, 2**52)), min_size=1, max_size=25),
       queries=st.lists(points(st.integers(-2**20, 2**20)), max_size=4), data=st.data())
def test_large_integer_keys(tie, keys, queries, data) -> None:
    values = data.draw(values_for(tie, len(keys)))
    run_and_compare(tie, keys, values, FIXED_QUERIES + queries)


@QUICK
@given(tie=ties, addresses=st.lists(st.integers(-12, 12), min_size=1, max_size=40),
       queries=int_queries, data=st.data())
def test_parabola_keys(tie, addresses, queries, data) -> None:
    keys = [(2.0 * a, -float(a * a)) for a in addresses]
    values = data.draw(values_for(tie, len(keys)))
    address_queries = [(float(a), 1.0) for a in range(-13, 14)]
    run_and_compare(tie, keys, values, FIXED_QUERIES + address_queries + queries)


@given(addresses=st.lists(st.integers(-2**20, 2**20), min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_parabola_read_returns_latest_write(addresses) -> None:
    # The memory pattern: write value v at address a with key (2a, -a*a), read with query (a, 1).
    caches = [cls("latest", 2) for cls in CACHES]
    written: dict[int, tuple[float, float]] = {}
    for step, a in enumerate(addresses):
        value = (float(step), float(a))
        written[a] = value
        for cache in caches:
            cache.insert((2.0 * a, -float(a * a)), value)
        for address, expected in written.items():
            for cache in caches:
                assert cache.query((float(address), 1.0)) == expected


@QUICK
@given(tie=ties, origin=points(st.integers(-50, 50)),
       direction=points(st.integers(-4, 4)).filter(lambda d: d != (0.0, 0.0)),
       steps=st.lists(st.integers(-10, 10), min_size=1, max_size=30),
       extra=st.lists(points(st.integers(-40, 40)), max_size=3), data=st.data())
def test_collinear_keys(tie, origin, direction, steps, extra, data) -> None:
    (ox, oy), (dx, dy) = origin, direction
    keys = [(ox + t * dx, oy + t * dy) for t in steps]
    # A few keys off the line, inserted at random positions, turn parts of it into hull edges.
    for point in extra:
        keys.insert(data.draw(st.integers(0, len(keys))), point)
    values = data.draw(values_for(tie, len(keys)))
    normals = [(-dy, dx), (dy, -dx), (dx, dy), (-dx, -dy)]
    run_and_compare(tie, keys, values, FIXED_QUERIES + normals)


@QUICK
@given(tie=ties, pool=st.lists(points(st.integers(-5, 5)), min_size=1, max_size=4, unique=True),
       picks=st.lists(st.integers(0, 3), min_size=1, max_size=40), queries=int_queries,
       data=st.data())
def test_duplicate_keys(tie, pool, picks, queries, data) -> None:
    keys = [pool[i % len(pool)] for i in picks]
    values = data.draw(values_for(tie, len(keys)))
    run_and_compare(tie, keys, values, FIXED_QUERIES + queries)


@QUICK
@given(flags=st.lists(st.sampled_from([(0.0, 0.0), (1.0, 0.0)]), min_size=1, max_size=30))
def test_flag_keys_latest(flags) -> None:
    values = latest_values(len(flags))
    run_and_compare("latest", flags, values, FIXED_QUERIES)
    # Query (1, 0) selects the latest entry flagged 1, or the latest overall if none is.
    cache = HullCache("latest", 2)
    for key, value in zip(flags, values):
        cache.insert(key, value)
    flagged = [value for key, value in zip(flags, values) if key == (1.0, 0.0)]
    assert cache.query((1.0, 0.0)) == (flagged or values)[-1]
    assert cache.query((0.0, 1.0)) == values[-1]


@QUICK
@given(key=points(st.integers(-3, 3)), values=st.lists(mean_values, min_size=1, max_size=40))
def test_mean_over_equal_keys_is_running_mean(key, values) -> None:
    caches = [cls("mean", 2) for cls in CACHES]
    for count, value in enumerate(values, start=1):
        for cache in caches:
            cache.insert(key, value)
        expected = tuple(math.fsum(column) / count for column in zip(*values[:count]))
        for q in FIXED_QUERIES:
            for cache in caches:
                assert cache.query(q) == expected


finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@QUICK
@given(tie=ties,
       keys=st.lists(st.one_of(points(st.floats(-1e6, 1e6)), points(finite_floats),
                               points(st.sampled_from([0.5, -0.25, 1.5, 3.0, 1e-300]))),
                     min_size=1, max_size=20),
       queries=st.lists(st.one_of(points(st.floats(-1e3, 1e3)), points(finite_floats)),
                        max_size=4),
       data=st.data())
def test_float_keys(tie, keys, queries, data) -> None:
    values = data.draw(values_for(tie, len(keys)))
    run_and_compare(tie, keys, values, FIXED_QUERIES + queries)


@QUICK
@given(tie=ties, addresses=st.lists(st.integers(-30, 30), min_size=1, max_size=40),
       queries=int_queries, data=st.data())
def test_values_of_other_dimensions(tie, addresses, queries, data) -> None:
    dim = data.draw(st.integers(1, 4))
    keys = [(2.0 * a, -float(a * a)) for a in addresses]
    values = [tuple(float(step * 10 + j) for j in range(dim)) for step in range(len(keys))]
    run_and_compare(tie, keys, values, FIXED_QUERIES + queries)


def test_shuffled_insertion_order() -> None:
    # Hull inserts in the middle, at both ends and below the hull, all in one sequence.
    rng = random.Random(7)
    for tie in TIES:
        keys = [(float(x), float(y)) for x in range(-4, 5) for y in range(-4, 5)
                if x * x + y * y <= 16]
        keys += [(2.0 * a, -float(a * a)) for a in range(-4, 5)]
        rng.shuffle(keys)
        values = latest_values(len(keys))
        queries = FIXED_QUERIES + [(float(rng.randint(-9, 9)), float(rng.randint(-9, 9)))
                                   for _ in range(20)]
        run_and_compare(tie, keys, values, queries)


@pytest.mark.parametrize("cls", CACHES)
def test_float64_rounding_does_not_decide_ties(cls) -> None:
    # In float64, 2**53 + 1 rounds to 2**53, so both scores below round to the same number.
    cache = cls("latest", 1)
    cache.insert((2.0**53, 1.0), (1.0,))  # exact score 2**53 + 1
    cache.insert((2.0**53, 0.0), (2.0,))  # exact score 2**53
    assert cache.query((1.0, 1.0)) == (1.0,)
    # An exact tie with the first key: the later entry wins under 'latest'.
    cache.insert((2.0**53 + 2.0, -1.0), (3.0,))  # exact score 2**53 + 1
    assert cache.query((1.0, 1.0)) == (3.0,)
    # Rounded scores in the wrong order: the first key scores exactly 1 more than the second,
    # but float64 rounds its score down and the second's up, with or without a fused multiply-add.
    cache = cls("latest", 1)
    cache.insert((2.0**52 + 3.0, -(2.0**52 + 3.0)), (1.0,))
    cache.insert((2.0**52 + 2.0, -(2.0**52 + 2.0)), (2.0,))
    assert cache.query((3.5, 2.5)) == (1.0,)


@pytest.mark.parametrize("cls", CACHES)
def test_mean_of_tied_distinct_points(cls) -> None:
    cache = cls("mean", 2)
    for key, value in [((0.0, 1.0), (1.0, 0.0)), ((2.0, 1.0), (2.0, 1.0)),
                       ((1.0, 1.0), (6.0, 2.0)), ((1.0, 0.0), (100.0, 100.0))]:
        cache.insert(key, value)
    assert cache.query((0.0, 1.0)) == (3.0, 1.0)
    assert cache.query((0.0, 0.0)) == (109.0 / 4, 103.0 / 4)


@pytest.mark.parametrize("cls", CACHES)
def test_invalid_inputs_raise(cls) -> None:
    with pytest.raises(ValueError):
        cls("first", 2)
    with pytest.raises(ValueError):
        cls("latest", 0)
    cache = cls("mean", 2)
    with pytest.raises(LookupError):
        cache.query((1.0, 0.0))
    with pytest.raises(ValueError):
        cache.insert((1.0, 2.0, 3.0), (0.0, 0.0))
    with pytest.raises(ValueError):
        cache.insert((1.0, 2.0), (0.0,))
    with pytest.raises(ValueError):
        cache.insert((math.inf, 2.0), (0.0, 0.0))
    with pytest.raises(ValueError):
        cache.insert((math.nan, 2.0), (0.0, 0.0))
    with pytest.raises(ValueError):
        cache.insert((1.0, 2.0), (math.nan, 0.0))
    assert len(cache) == 0
    cache.insert((1.0, 2.0), (4.0, 5.0))
    with pytest.raises(ValueError):
        cache.query((math.inf, 0.0))
    assert len(cache) == 1
    assert cache.query((1.0, 0.0)) == (4.0, 5.0)


@given(keys=st.lists(points(st.integers(-10, 10)), min_size=1, max_size=40))
@settings(max_examples=100, deadline=None)
def test_hull_chains_keep_invariants(keys) -> None:
    cache = HullCache("latest", 2)
    for step, key in enumerate(keys):
        cache.insert(key, (float(step), 0.0))
    exact_keys = set(keys)
    for chain in (cache._upper, cache._lower):
        xs, ys, sign = chain.xs, chain.ys, chain.sign
        assert all(a < b for a, b in zip(xs, xs[1:])), "x must strictly increase"
        for i in range(len(xs) - 2):
            cross = ((xs[i + 1] - xs[i]) * (ys[i + 2] - ys[i])
                     - (ys[i + 1] - ys[i]) * (xs[i + 2] - xs[i]))
            assert sign * cross <= 0, "chain must be concave (upper) or convex (lower)"
        on_chain = set(zip(xs, ys))
        assert on_chain <= exact_keys
        for kx, ky in exact_keys:
            # Height of the chain at kx, where kx lies strictly inside its x range.
            i = next((i for i in range(len(xs) - 1) if xs[i] <= kx <= xs[i + 1]), None)
            if i is None or kx in (xs[0], xs[-1]):
                continue
            # Exact rationals: a float slope can put a vertex one ulp below itself.
            x0, x1, y0, y1 = (Fraction(v) for v in (xs[i], xs[i + 1], ys[i], ys[i + 1]))
            height = y0 + (y1 - y0) / (x1 - x0) * (Fraction(kx) - x0)
            assert sign * (ky - height) <= 0, "every key must lie on or beyond the chain"
            if ky == height:
                assert (kx, ky) in on_chain, "a key on the chain must be in its lists"


def test_latest_keeps_non_finite_values() -> None:
    # Only 'mean' needs exact sums, so 'latest' stores any float value as given.
    for cls in CACHES:
        cache = cls("latest", 2)
        cache.insert((0.0, 0.0), (math.inf, -math.inf))
        assert cache.query((1.0, 1.0)) == (math.inf, -math.inf)


def test_integer_and_numpy_inputs_accepted() -> None:
    np = pytest.importorskip("numpy")
    for cls in CACHES:
        cache = cls("latest", 2)
        cache.insert((3, -9), (1, 2))
        cache.insert((np.float64(4.0), np.float64(-4.0)), (np.float64(5.0), 6.0))
        assert cache.query((2, 1)) == (5.0, 6.0)
        assert cache.query((np.float64(-1.0), 0)) == (1.0, 2.0)


@pytest.mark.slow
def test_hull_cache_parabola_200k_is_fast() -> None:
    n = 200_000
    cache = HullCache("latest", 2)
    start = time.perf_counter()
    for j in range(n):
        cache.insert((2.0 * j, -float(j * j)), (float(j), 1.0))
        assert cache.query((float(j // 2), 1.0)) == (float(j // 2), 1.0)
    # Rewrite every address once more: repeated keys take the dict path.
    for j in range(0, n, 7):
        cache.insert((2.0 * j, -float(j * j)), (float(-j), 2.0))
        assert cache.query((float(j), 1.0)) == (float(-j), 2.0)
    elapsed = time.perf_counter() - start
    # About 1.5 s on a 2-core Xeon VM with CPython 3.11. A linear scan per query (StandardCache)
    # takes over a minute here, so the bound only catches a lost O(log t) query or O(1) insert.
    assert elapsed < 60.0
    assert len(cache) == n + len(range(0, n, 7))
