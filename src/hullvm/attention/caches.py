"""Key-value caches for hard-max attention heads of dimension 2.

A head stores one (key, value) pair per token. A query q returns the value stored with the key k
that maximizes the dot product q.k over every key inserted so far. Keys whose scores are exactly
equal to the maximum are combined by the head's tie rule:

- ``'latest'`` returns the value of the most recently inserted tied key.
- ``'mean'`` returns the element-wise mean of the tied values. The sum of each component is exact
  (the same result as ``math.fsum``), and one float64 division by the count follows.

Keys and queries are float64. Scores are compared exactly, never after rounding: each coordinate
becomes a Python ``int`` when it is integral, otherwise a ``fractions.Fraction``, and every product
or cross product is computed in that exact arithmetic. Integral coordinates never build a
Fraction, so the usual integer keys take the fast path.

``StandardCache`` scans every key per query (O(t) at t inserted keys). ``HullCache`` keeps the
convex hull of the distinct key points and binary-searches it (O(log t) per query).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from fractions import Fraction
from typing import Iterable, Protocol, Sequence, Union

import numpy as np

TIES = ("latest", "mean")

Exact = Union[int, Fraction]

# Slack, relative to max |qx*kx| + |qy*ky|, that StandardCache subtracts from the float64 max
# score before it re-scores candidates exactly. The float64 score of a key is off by at most
# about 2**-51 of that sum (two rounded products and one rounded sum), so 2**-46 leaves a wide
# margin, including the rounding of the subtraction itself.
_RELATIVE_SLACK = 2.0**-46
# Absolute slack for products that underflow into subnormals, which lose up to 2**-1075 each.
_ABSOLUTE_SLACK = 2.0**-1060


class Cache(Protocol):
    """The interface that both caches implement."""

    tie: str

    def insert(self, key: tuple[float, float], value: tuple[float, ...]) -> None: ...

    def query(self, q: tuple[float, float]) -> tuple[float, ...]: ...

    def __len__(self) -> int: ...


def _exact(number: float) -> Exact:
    """Convert a float (or int) to an exact int or Fraction. Raises ValueError if not finite."""
    if type(number) is not float:
        if type(number) is int:
            return number
        number = float(number)
    if number.is_integer():
        return int(number)
    if math.isfinite(number):
        return Fraction(number)
    raise ValueError(f"expected a finite number, got {number!r}")


def _check_tie(tie: str) -> str:
    if tie not in TIES:
        raise ValueError(f"invalid tie rule {tie!r}, expected one of {TIES}")
    return tie


def _check_value_dim(value_dim: int) -> int:
    if not isinstance(value_dim, int) or value_dim < 1:
        raise ValueError(f"value_dim must be a positive int, got {value_dim!r}")
    return value_dim


def _check_key(key: Sequence[float]) -> None:
    if len(key) != 2:
        raise ValueError(f"a key or query must have 2 components, got {len(key)}: {key!r}")


def _check_value(value: Sequence[float], value_dim: int) -> None:
    if len(value) != value_dim:
        raise ValueError(f"expected a value of {value_dim} components, got {len(value)}: {value!r}")


class StandardCache:
    """Cache that stores every entry and scans all keys per query: the O(t) baseline.

    Scores are first computed in float64 with numpy. Only the keys whose float64 score lies within
    a proven rounding bound of the float64 maximum are re-scored exactly, so the argmax and the
    tie detection are exact.
    """

    def __init__(self, tie: str, value_dim: int) -> None:
        """Create an empty cache. Raises ValueError for an unknown tie rule or a bad value_dim."""
        self.tie = _check_tie(tie)
        self.value_dim = _check_value_dim(value_dim)
        self._size = 0
        self._keys = np.empty((16, 2), dtype=np.float64)
        self._values = np.empty((16, value_dim), dtype=np.float64)

    def __len__(self) -> int:
        return self._size

    def insert(self, key: tuple[float, float], value: tuple[float, ...]) -> None:
        """Append one entry.

        Raises ValueError if the key is not 2 finite numbers, if the value does not have
        ``value_dim`` components, or, under the 'mean' rule, if a value component is not finite.
        """
        _check_key(key)
        _check_value(value, self.value_dim)
        kx, ky = float(key[0]), float(key[1])
        if not (math.isfinite(kx) and math.isfinite(ky)):
            raise ValueError(f"expected a key of finite numbers, got {key!r}")
        if self.tie == "mean" and not all(math.isfinite(v) for v in value):
            raise ValueError(f"the 'mean' rule needs finite value components, got {value!r}")
        n = self._size
        if n == len(self._keys):
            # Doubling keeps appends amortized O(1).
            self._keys = np.concatenate([self._keys, np.empty_like(self._keys)])
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        self._keys[n, 0] = kx
        self._keys[n, 1] = ky
        self._values[n] = value
        self._size = n + 1

    def query(self, q: tuple[float, float]) -> tuple[float, ...]:
        """Return the value at the key of maximum score, combining exact ties by the tie rule.

        Raises LookupError if the cache is empty and ValueError if q is not 2 finite numbers.
        """
        _check_key(q)
        qx, qy = float(q[0]), float(q[1])
        if not (math.isfinite(qx) and math.isfinite(qy)):
            raise ValueError(f"expected a query of finite numbers, got {q!r}")
        n = self._size
        if n == 0:
            raise LookupError("query on an empty cache")
        keys = self._keys[:n]
        candidates = self._candidates(keys, qx, qy)
        if len(candidates) > 1:
            candidates = self._exact_ties(keys, candidates, qx, qy)
        if self.tie == "latest":
            return tuple(self._values[candidates[-1]].tolist())
        tied = self._values[candidates]
        count = len(candidates)
        return tuple(math.fsum(tied[:, j].tolist()) / count for j in range(self.value_dim))

    @staticmethod
    def _candidates(keys: np.ndarray, qx: float, qy: float) -> np.ndarray:
        """Return the ascending indices of every key that may reach the exact maximum score."""
        # Huge keys may overflow to inf or nan here, which the isfinite check below handles.
        with np.errstate(over="ignore", invalid="ignore"):
            scores = keys @ np.array([qx, qy])
            magnitude = float((np.abs(keys) @ np.array([abs(qx), abs(qy)])).max())
        threshold = float(scores.max()) - (magnitude * _RELATIVE_SLACK + _ABSOLUTE_SLACK)
        if not math.isfinite(threshold):
            # An overflowed score voids the rounding bound, so every key stays a candidate.
            return np.arange(len(keys))
        return np.flatnonzero(scores >= threshold)

    @staticmethod
    def _exact_ties(keys: np.ndarray, candidates: np.ndarray, qx: float, qy: float) -> np.ndarray:
        """Return the candidates whose exact score equals the exact maximum, in ascending order."""
        exact_qx, exact_qy = _exact(qx), _exact(qy)
        scores = [exact_qx * _exact(kx) + exact_qy * _exact(ky)
                  for kx, ky in keys[candidates].tolist()]
        best = max(scores)
        return candidates[[i for i, score in enumerate(scores) if score == best]]


class _MeanSum:
    """Exact running sum and count of the values that one 'mean' aggregate covers."""

    __slots__ = ("sums", "count")

    def __init__(self, value: tuple[Exact, ...]) -> None:
        self.sums = list(value)
        self.count = 1

    def add(self, value: tuple[Exact, ...]) -> None:
        sums = self.sums
        for j, v in enumerate(value):
            sums[j] += v
        self.count += 1

    def mean(self) -> tuple[float, ...]:
        count = self.count
        return tuple(float(total) / count for total in self.sums)


def _combined_mean(parts: Iterable[_MeanSum]) -> tuple[float, ...]:
    """Return the mean over the union of several exact aggregates (sum of sums / sum of counts)."""
    parts = list(parts)
    count = sum(part.count for part in parts)
    totals = [sum(column) for column in zip(*(part.sums for part in parts))]
    return tuple(float(total) / count for total in totals)


class _Chain:
    """One half of the convex hull of the distinct key points: the upper or the lower chain.

    ``xs`` is strictly increasing and ``ys`` contains the matching y coordinates. Invariants, with
    ``sign`` +1 for the upper chain and -1 for the lower chain (the lower chain is the upper chain
    of the points mirrored through the x axis):

    - every consecutive triple a, b, c satisfies ``sign * cross(a, b, c) <= 0``, so the chain is
      concave (upper) or convex (lower). Equality means b lies on the segment ac. Such collinear
      points are kept because they tie with a and c for the query normal to that edge.
    - every inserted point lies on the chain or strictly beyond it (below the upper chain, above
      the lower chain), and every inserted point lying on the chain is in the lists.

    A point with the same x as a chain point but lower (upper chain) is on the vertical side of
    the hull if x is the minimum or maximum x, and strictly inside otherwise. Neither case is on
    this chain, and ``HullCache`` answers horizontal queries from separate column aggregates.
    """

    __slots__ = ("xs", "ys", "sign")

    def __init__(self, sign: int) -> None:
        self.xs: list[Exact] = []
        self.ys: list[Exact] = []
        self.sign = sign

    def add(self, x: Exact, y: Exact) -> None:
        """Insert a point that is new to the cache, dropping chain points that fall strictly inside.

        ``cross(a, b, c) = (b - a) x (c - a)``, and b between a and c is strictly inside the hull
        when ``sign * cross > 0``.
        """
        xs, ys, sign = self.xs, self.ys, self.sign
        n = len(xs)
        if n == 0 or x > xs[-1]:
            # Fast path for keys arriving in increasing x: amortized O(1), like a monotone chain.
            while n >= 2:
                ax, ay, bx, by = xs[n - 2], ys[n - 2], xs[n - 1], ys[n - 1]
                if sign * ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) <= 0:
                    break
                xs.pop()
                ys.pop()
                n -= 1
            xs.append(x)
            ys.append(y)
            return
        i = 0 if x < xs[0] else bisect_left(xs, x)
        if xs[i] == x:
            if sign * (y - ys[i]) <= 0:
                return  # Below (upper) or above (lower) the chain point at the same x.
            right = i + 1  # The old point at this x is now strictly beyond the chain.
        else:
            if i > 0:
                ax, ay, cx, cy = xs[i - 1], ys[i - 1], xs[i], ys[i]
                if sign * ((x - ax) * (cy - ay) - (y - ay) * (cx - ax)) > 0:
                    return  # Strictly beyond the edge that spans x, so never maximal.
            right = i
        left = i
        while left >= 2:
            ax, ay, bx, by = xs[left - 2], ys[left - 2], xs[left - 1], ys[left - 1]
            if sign * ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) <= 0:
                break
            left -= 1
        while right + 1 < n:
            bx, by, cx, cy = xs[right], ys[right], xs[right + 1], ys[right + 1]
            if sign * ((bx - x) * (cy - y) - (by - y) * (cx - x)) <= 0:
                break
            right += 1
        xs[left:right] = [x]
        ys[left:right] = [y]

    def argmax(self, qx: Exact, qy: Exact) -> tuple[int, int]:
        """Return the first and last index of the chain points of maximum score q.p.

        Requires ``qy > 0`` on the upper chain and ``qy < 0`` on the lower chain. Then the score
        step ``d(i) = q.(p[i+1] - p[i])`` has the sign of ``qx + qy * slope(i)``, which never
        increases along the chain. So ``d(i) <= 0`` is false up to the first maximal point and
        true after it, and the maximal points form one run of ``d == 0`` steps.
        """
        xs, ys = self.xs, self.ys
        n = len(xs)
        lo, hi = 0, n - 1
        while lo < hi:
            mid = (lo + hi) >> 1
            if qx * (xs[mid + 1] - xs[mid]) + qy * (ys[mid + 1] - ys[mid]) <= 0:
                hi = mid
            else:
                lo = mid + 1
        last = lo
        while last + 1 < n and qx * (xs[last + 1] - xs[last]) + qy * (ys[last + 1] - ys[last]) == 0:
            last += 1
        return lo, last


class HullCache:
    """Cache that computes each query in O(log t) from the convex hull of the distinct keys.

    Entries with the same key point are aggregated into one record: the latest value and its
    insertion serial for 'latest', the exact component sums and the count for 'mean'. The upper
    and lower hull chains hold the points that can be maximal for a query with ``qy > 0`` or
    ``qy < 0``. Queries with ``qy == 0`` read aggregates kept per insert for the points at the
    minimum x and at the maximum x (the vertical sides of the hull), and ``q == (0, 0)`` reads the
    aggregate of every entry, since then all keys tie.

    Records are kept for every distinct point, including points that have fallen strictly inside
    the hull. Such a point is never maximal again because the hull only grows, so its record is
    written on a repeated insert but never read. Keeping it makes a repeated key one dict lookup
    and leaves memory at O(distinct keys).
    """

    def __init__(self, tie: str, value_dim: int) -> None:
        """Create an empty cache. Raises ValueError for an unknown tie rule or a bad value_dim."""
        self.tie = _check_tie(tie)
        self.value_dim = _check_value_dim(value_dim)
        self._latest = tie == "latest"
        self._size = 0
        # 'latest': point -> [serial, value]. 'mean': point -> _MeanSum.
        self._records: dict[tuple[Exact, Exact], list | _MeanSum] = {}
        self._upper = _Chain(1)
        self._lower = _Chain(-1)
        self._min_x: Exact = 0
        self._max_x: Exact = 0
        # Aggregates of the entries at the minimum x, at the maximum x and of all entries: the
        # latest value tuple for 'latest', a _MeanSum for 'mean'. None while the cache is empty.
        self._left_side = None
        self._right_side = None
        self._all = None

    def __len__(self) -> int:
        return self._size

    def insert(self, key: tuple[float, float], value: tuple[float, ...]) -> None:
        """Add one entry to the cache.

        A repeated key point costs one dict lookup. A new point at a larger x than every earlier
        key costs amortized O(1). Any other new point costs an O(log t) binary search plus a
        list splice, which is a memmove of O(hull size) pointers.

        Raises ValueError if the key is not 2 finite numbers, if the value does not have
        ``value_dim`` components, or, under the 'mean' rule, if a value component is not finite.
        The cache is unchanged when it raises.
        """
        _check_key(key)
        _check_value(value, self.value_dim)
        x = _exact(key[0])
        y = _exact(key[1])
        point = (x, y)
        record = self._records.get(point)
        if self._latest:
            item = tuple(map(float, value))
            if record is None:
                self._records[point] = [self._size, item]
            else:
                record[0] = self._size
                record[1] = item
            self._all = item
            self._update_sides(x, item)
        else:
            exact_value = tuple(map(_exact, value))
            if record is None:
                self._records[point] = _MeanSum(exact_value)
            else:
                record.add(exact_value)
            if self._all is None:
                self._all = _MeanSum(exact_value)
            else:
                self._all.add(exact_value)
            self._update_sides(x, exact_value)
        self._size += 1
        if record is None:
            self._upper.add(x, y)
            self._lower.add(x, y)

    def _update_sides(self, x: Exact, item: tuple) -> None:
        """Fold one entry into the aggregates of the points at the minimum and maximum x.

        An entry at a new extreme x starts that side over, because every earlier point now lies
        strictly inside it. Must run before ``_size`` counts the entry.
        """
        first = self._size == 0
        if first or x > self._max_x:
            self._max_x = x
            self._right_side = item if self._latest else _MeanSum(item)
        elif x == self._max_x:
            if self._latest:
                self._right_side = item
            else:
                self._right_side.add(item)
        if first or x < self._min_x:
            self._min_x = x
            self._left_side = item if self._latest else _MeanSum(item)
        elif x == self._min_x:
            if self._latest:
                self._left_side = item
            else:
                self._left_side.add(item)

    def query(self, q: tuple[float, float]) -> tuple[float, ...]:
        """Return the value at the key of maximum score, combining exact ties by the tie rule.

        Raises LookupError if the cache is empty and ValueError if q is not 2 finite numbers.
        """
        _check_key(q)
        qx = _exact(q[0])
        qy = _exact(q[1])
        if self._size == 0:
            raise LookupError("query on an empty cache")
        if qy == 0:
            if qx > 0:
                side = self._right_side
            elif qx < 0:
                side = self._left_side
            else:
                side = self._all
            return side if self._latest else side.mean()
        chain = self._upper if qy > 0 else self._lower
        first, last = chain.argmax(qx, qy)
        xs, ys, records = chain.xs, chain.ys, self._records
        if first == last:
            record = records[(xs[first], ys[first])]
            return record[1] if self._latest else record.mean()
        tied = [records[(xs[i], ys[i])] for i in range(first, last + 1)]
        if self._latest:
            return max(tied, key=lambda record: record[0])[1]
        return _combined_mean(tied)
