"""An in-memory corpus with the query interface of :class:`IndexStore`.

Built in bulk for an audit (or a ``--against`` check): gram postings and LSH
buckets are sorted numpy arrays looked up with ``searchsorted``, so a query
costs the same as against SQLite without a round trip per row, and building
it allocates a handful of arrays rather than millions of Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.document import Document
from index.corpus import Candidate, Fingerprinted, top_candidates
from index.errors import IndexStoreError
from index.fingerprint import FingerprintParams, Fingerprints


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """All ``values`` whose key is in ``queries`` (keys sorted ascending)."""
    queries = np.unique(np.asarray(queries, dtype=np.int64))
    lo = np.searchsorted(sorted_keys, queries, side="left")
    hi = np.searchsorted(sorted_keys, queries, side="right")
    counts = hi - lo
    if not counts.any():
        return np.zeros(0, dtype=values.dtype)
    starts = np.repeat(lo, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return values[starts + offsets]


@dataclass
class MemoryIndex:
    """Documents, gram postings and LSH buckets held in numpy arrays."""

    params: FingerprintParams
    documents: list[Document]
    gram_keys: np.ndarray  # sorted int64 gram hashes
    gram_docs: np.ndarray  # doc index of each posting
    band_keys: np.ndarray  # sorted int64 bucket keys
    band_docs: np.ndarray  # doc index of each bucket entry
    df_keys: np.ndarray | None = None  # every distinct gram of the corpus, sorted ...
    df_counts: np.ndarray | None = None  # ... and in how many documents it occurs
    path: str = ":memory:"
    _ids: dict[str, int] = field(default_factory=dict, repr=False)
    _by_hash: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._ids = {doc.path: i for i, doc in enumerate(self.documents)}
        for i, doc in enumerate(self.documents):
            self._by_hash.setdefault(doc.sha256, []).append(i)

    @classmethod
    def build(cls, prepared: Sequence[Fingerprinted], params: FingerprintParams) -> MemoryIndex:
        docs, grams, gram_docs, bands, band_docs, gram_sets = [], [], [], [], [], []
        seen: set[str] = set()
        for doc in prepared:
            if doc.document.path in seen:
                raise IndexStoreError(f"{doc.document.path}: given twice")
            seen.add(doc.document.path)
            i = len(docs)
            docs.append(doc.document)
            grams.append(doc.fingerprints.grams)
            if doc.gram_set is not None:
                gram_sets.append(doc.gram_set)
            gram_docs.append(np.full(len(doc.fingerprints.grams), i, dtype=np.int32))
            keys = np.unique(doc.fingerprints.window_bands.ravel())
            bands.append(keys)
            band_docs.append(np.full(len(keys), i, dtype=np.int32))
        gram_keys, gram_owner = _sorted_postings(grams, gram_docs)
        band_keys, band_owner = _sorted_postings(bands, band_docs)
        df_keys, df_counts = None, None
        if gram_sets and len(gram_sets) == len(docs):
            df_keys, df_counts = _counted_unique(np.concatenate(gram_sets))
            shared = df_counts >= 2  # a gram of one document is never common: 4x fewer keys to search
            df_keys, df_counts = df_keys[shared], df_counts[shared]
        return cls(params, docs, gram_keys, gram_owner, band_keys, band_owner, df_keys, df_counts)

    # -- the IndexStore query interface ------------------------------------------

    @property
    def exact_frequencies(self) -> bool:
        return self.df_keys is not None

    def document_count(self) -> int:
        return len(self.documents)

    def document(self, doc_id: int) -> Document:
        return self.documents[doc_id]

    def document_id(self, path: str) -> int | None:
        return self._ids.get(path)

    def documents_with_hash(self, sha256: str) -> list[tuple[int, str]]:
        return [(i, self.documents[i].path) for i in self._by_hash.get(sha256, [])]

    def paths(self) -> list[str]:
        return sorted(d.path for d in self.documents)

    def known_hash(self, path: str) -> str | None:
        doc_id = self.document_id(path)
        return None if doc_id is None else self.documents[doc_id].sha256

    def document_frequencies(self, queries: np.ndarray) -> np.ndarray:
        """Documents holding each of the sorted distinct ``queries``: exact for
        every gram in two or more documents when the documents were prepared
        with ``gram_set`` (a gram of one document counts 0: no stock threshold
        is that low), else over the winnowed postings (as SQLite)."""
        if self.df_keys is not None:
            keys, counts = self.df_keys, self.df_counts
            pos = np.minimum(np.searchsorted(keys, queries), max(len(keys) - 1, 0))
            found = keys[pos] == queries if len(keys) else np.zeros(len(queries), dtype=bool)
            return np.where(found, counts[pos] if len(keys) else 0, 0).astype(np.int64)
        lo = np.searchsorted(self.gram_keys, queries, side="left")
        hi = np.searchsorted(self.gram_keys, queries, side="right")
        return (hi - lo).astype(np.int64)

    def candidates(
        self, fp: Fingerprints, *, stock: np.ndarray | None = None, exclude: Iterable[int] = (), limit: int = 50
    ) -> list[Candidate]:
        """Like :meth:`IndexStore.candidates`; ``stock`` holds the sorted gram
        hashes that propose no candidates."""
        band_hits = np.bincount(
            _lookup(self.band_keys, self.band_docs, fp.window_bands.ravel()), minlength=len(self.documents)
        )
        grams = fp.grams
        if stock is not None and len(stock):
            grams = grams[~np.isin(grams, stock)]
        gram_hits = np.bincount(_lookup(self.gram_keys, self.gram_docs, grams), minlength=len(self.documents))
        ids = np.flatnonzero(band_hits | gram_hits)
        return top_candidates(ids, band_hits[ids], gram_hits[ids], exclude=exclude, limit=limit)

    def close(self) -> None:
        return None

    def __enter__(self) -> MemoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sorted_postings(keys: list[np.ndarray], owners: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    all_keys = np.concatenate(keys).astype(np.int64, copy=False)
    all_owners = np.concatenate(owners)
    order = np.argsort(all_keys)  # ties in any order: lookups only count owners
    return all_keys[order], all_owners[order]


def _counted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)``, sorting ``values`` in place
    (numpy's vectorized in-place sort is several times quicker than unique's
    own path, and no second copy of a large array is made)."""
    values.sort()
    n = len(values)
    if n == 0:
        return values, np.zeros(0, dtype=np.int64)
    starts_run = np.empty(n, dtype=bool)
    starts_run[0] = True
    np.not_equal(values[1:], values[:-1], out=starts_run[1:])
    firsts = np.flatnonzero(starts_run)
    counts = np.empty(len(firsts), dtype=np.int64)
    np.subtract(firsts[1:], firsts[:-1], out=counts[:-1])
    counts[-1] = n - firsts[-1]
    return values[firsts], counts
