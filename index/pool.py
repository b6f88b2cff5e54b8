"""A candidate query's pool as arrays, and the choice of the candidates kept from it.

The view asks each store for its best ``POOL`` × ``limit`` documents and
keeps ``limit`` of them (:func:`kept_rows`). A pool of a hundred and more
documents a query is built and sorted for every submission of an audit, so
it is held as columns, not as objects: a store that can (the in-memory and
disk corpora) gives its pool as arrays, with its documents' precedence and
identity as ranks over the store, and only the kept rows become
:class:`~index.corpus.Candidate` objects. Any other pool (the SQLite index,
several stores at once) is made from its candidates by :meth:`CandidatePool.of`,
its ranks counted within the pool: the same order either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.corpus import Candidate

REGION_SOURCES = 3  # documents credited with each shared key
_NEW_KEYS = 2  # keys a candidate must be credited with to be kept


@dataclass(frozen=True, eq=False)
class CandidatePool:
    """Row ``i`` is a document of store ``store[i]`` holding the query keys
    ``keys[starts[i]:starts[i] + sizes[i]]`` (sorted, distinct). ``precedence`` and
    ``identity`` are ranks that order the rows as their documents'
    precedence tuples and identities order them (equal values, equal
    ranks). Rows come in the stores' order, each store's best score first.
    ``candidate(i)`` makes row ``i``'s (store, candidate)."""

    store: np.ndarray
    band_hits: np.ndarray
    gram_hits: np.ndarray
    precedence: np.ndarray
    identity: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    keys: np.ndarray
    candidate: Callable[[int], tuple[int, Candidate]]

    @property
    def score(self) -> np.ndarray:
        return self.band_hits + 2 * self.gram_hits

    def __len__(self) -> int:
        return len(self.store)

    @classmethod
    def of(cls, found: Sequence[tuple[int, Candidate]]) -> CandidatePool:
        """The pool of candidates given as objects: (store, candidate) pairs."""
        candidates = [c for _, c in found]
        hits = [_hits(c) for c in candidates]
        sizes = np.array([len(h) for h in hits], dtype=np.int64)
        return cls(
            store=np.array([s for s, _ in found], dtype=np.int64),
            band_hits=np.array([c.band_hits for c in candidates], dtype=np.int64),
            gram_hits=np.array([c.gram_hits for c in candidates], dtype=np.int64),
            precedence=dense_ranks([c.precedence for c in candidates]),
            identity=dense_ranks([c.identity for c in candidates]),
            starts=np.cumsum(sizes) - sizes,
            sizes=sizes,
            keys=np.concatenate(hits) if hits else np.zeros(0, dtype=np.int64),
            candidate=lambda i: found[i],
        )


def kept_rows(pool: CandidatePool, limit: int) -> np.ndarray:
    """The rows kept, best first: the best ``limit`` credited with some of
    their keys. A key is credited to a row when fewer than
    ``REGION_SOURCES`` rows before it in precedence order (precedence, then
    best score, then identity) hold it; a row is kept when credited with
    ``_NEW_KEYS`` of its keys (all, when it holds fewer). The kept rows are
    taken best score first, then by precedence and identity."""
    if not len(pool):
        return np.zeros(0, dtype=np.int64)
    score, rows = pool.score, np.arange(len(pool))
    by_precedence = np.lexsort((rows, pool.identity, -score, pool.precedence))
    sizes = pool.sizes[by_precedence]
    keys = pool.keys[_gather(pool.starts[by_precedence], sizes)]
    earlier = _earlier_holders(keys, sizes)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    credited = np.bincount(owner, weights=earlier < REGION_SOURCES, minlength=len(sizes))
    enough = credited >= np.minimum(_NEW_KEYS, sizes)
    kept, place = by_precedence[enough], np.flatnonzero(enough)
    best = np.lexsort((place, pool.identity[kept], pool.precedence[kept], -score[kept]))
    return kept[best][:limit]


def _gather(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The positions ``starts[i]:starts[i] + sizes[i]`` for every ``i``, concatenated."""
    total = int(sizes.sum())
    first = np.cumsum(sizes) - sizes
    return np.repeat(starts - first, sizes) + np.arange(total, dtype=np.int64)


def _earlier_holders(keys: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each key of the concatenated lists (``sizes`` long each, in
    order), how many earlier lists hold it too."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    order = np.lexsort((owner, keys))
    ranked = keys[order]
    first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if len(ranked) else np.zeros(0, dtype=np.int64)
    group_start = np.repeat(first, np.diff(np.r_[first, len(ranked)]))
    earlier = np.empty(len(keys), dtype=np.int64)
    earlier[order] = np.arange(len(keys)) - group_start
    return earlier


def dense_ranks(values: Sequence) -> np.ndarray:
    """Dense ranks of comparable values (equal values, equal ranks)."""
    rank = {v: r for r, v in enumerate(sorted(set(values)))}
    return np.array([rank[v] for v in values], dtype=np.int64)


def _hits(candidate: Candidate) -> np.ndarray:
    hits = candidate.hits
    return np.asarray(hits, dtype=np.int64) if hits is not None else np.zeros(0, dtype=np.int64)
