"""Many lookups in one large sorted array of 64-bit hash keys.

``np.searchsorted`` bisects the whole array for every query: twenty-odd
steps, most of them cache misses once the array outgrows the cache (the
postings of a 100,000-summary corpus are tens of millions of keys, and each
comparison looks up a few thousand). Hash keys are spread evenly over their
range, so a table of where each bucket of their top bits starts leaves a
handful of keys per bucket, and all the queries then bisect their buckets
together, a few vectorized steps. The answers are ``np.searchsorted``'s
exactly, however the keys are spread (an uneven spread only costs steps).
"""

from __future__ import annotations

import sys

import numpy as np

PER_BUCKET = 8  # keys a bucket holds on average
FEW = 32  # fewer queries than this are bisected by numpy itself
_SIGN = np.uint64(1 << 63)


class SortedKeys:
    """A sorted int64 array with the start of each top-bits bucket."""

    def __init__(self, keys: np.ndarray, per_bucket: int = PER_BUCKET) -> None:
        self.keys = keys
        self.bits = min(32, max(0, int(np.ceil(np.log2(max(len(keys) / per_bucket, 1.0))))))
        counts = np.bincount(self._bucket(keys), minlength=1 << self.bits)
        self.starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.starts[1:])
        self.steps = int(counts.max()).bit_length() if len(keys) else 0

    def _bucket(self, values: np.ndarray) -> np.ndarray:
        """The top ``bits`` bits of each value, in the order of the signed values."""
        values = np.asarray(values, dtype=np.int64)
        if self.bits == 0:
            return np.zeros(len(values), dtype=np.int64)
        shifted = (values.view(np.uint64) ^ _SIGN) >> np.uint64(64 - self.bits)
        return shifted.astype(np.int64)

    def search(self, queries: np.ndarray, side: str = "left") -> np.ndarray:
        """``np.searchsorted(keys, queries, side)``."""
        queries = np.asarray(queries, dtype=np.int64)
        if len(queries) < FEW:  # a few bisections cost less than the steps' numpy calls
            return np.searchsorted(self.keys, queries, side)  # type: ignore[call-overload]
        compiled = sys.modules.get("index.kernels")  # loaded by bulk runs; a one-file check never imports numba
        if compiled is not None:
            lo, hi = compiled.posting_ranges(self.keys, self.starts, self.bits, queries)
            return lo if side == "left" else hi
        bucket = self._bucket(queries)
        lo, hi = self.starts[bucket], self.starts[bucket + 1]
        last = max(len(self.keys) - 1, 0)
        for _ in range(self.steps):
            open_ = lo < hi
            mid = (lo + hi) >> 1
            key = self.keys[np.minimum(mid, last)] if len(self.keys) else queries
            after = (key < queries if side == "left" else key <= queries) & open_
            lo = np.where(after, mid + 1, lo)
            hi = np.where(open_ & ~after, mid, hi)
        return lo

    def ranges(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each query's entries start and end."""
        compiled = sys.modules.get("index.kernels")
        if compiled is not None and len(queries) >= FEW:
            return compiled.posting_ranges(self.keys, self.starts, self.bits, np.asarray(queries, dtype=np.int64))
        return self.search(queries, "left"), self.search(queries, "right")


def sorted_member(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.isin(queries, keys)`` for sorted ``keys``, without sorting both again."""
    if not len(keys):
        return np.zeros(len(queries), dtype=bool)
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return keys[at] == queries
