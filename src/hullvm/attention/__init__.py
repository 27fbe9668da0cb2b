"""Hard-max attention caches for 2-dimensional heads: a linear-scan baseline and a convex hull."""

from hullvm.attention.caches import TIES, Cache, HullCache, StandardCache

__all__ = ["TIES", "Cache", "HullCache", "StandardCache"]
