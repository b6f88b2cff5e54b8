"""An in-memory corpus with the query interface of the SQLite index.

Built in bulk for an audit (or a ``--against`` check, or a gate's
references): gram postings and LSH buckets are sorted numpy arrays looked up
with ``searchsorted``, so a query costs the same as against SQLite without a
round trip per row, and building it allocates a handful of arrays rather
than millions of Python objects. Only the documents of the sample (see
:mod:`index.corpus`) keep their gram sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corpus.document import Document
from index.corpus import (
    Candidate,
    DocumentIdentity,
    Fingerprinted,
    KeyCap,
    QueryKeys,
    SampleMember,
    distinct_grams,
    hits_of,
    lookup_sorted,
    precedence,
    sample_rank,
    top_candidates,
)
from index.errors import IndexStoreError
from index.fingerprint import BULK_CHARS, FingerprintParams, bulk_kernels
from index.pool import CandidatePool, dense_ranks
from index.sorted_keys import SortedKeys

#: Postings from which a corpus answers candidate queries with the compiled
#: kernels (below, numpy's per-query arrays over the corpus cost little).
BULK_POSTINGS = 1_000_000


@dataclass
class MemoryIndex:
    """Documents, gram postings and LSH buckets held in numpy arrays."""

    params: FingerprintParams
    documents: list[Document]
    gram_keys: np.ndarray  # sorted int64 gram hashes
    gram_docs: np.ndarray  # doc index of each posting
    band_keys: np.ndarray  # sorted int64 bucket keys
    band_docs: np.ndarray  # doc index of each bucket entry
    path: str = ":memory:"
    _ids: dict[str, int] = field(default_factory=dict, repr=False)
    _by_identity: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _by_content: dict[tuple[str, str], list[int]] = field(default_factory=dict, repr=False)
    _sample: list[SampleMember] = field(default_factory=list, repr=False)
    _compiled: Any = field(default=None, repr=False)  # index.kernels for the candidate query, False: numpy
    _counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _order_ranks: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._bands = SortedKeys(self.band_keys)
        self._grams = SortedKeys(self.gram_keys)
        for i, doc in enumerate(self.documents):
            self._ids.setdefault(doc.path, i)
            self._by_identity.setdefault(doc.identity, []).append(i)
            self._by_content.setdefault((doc.sha256, doc.name), []).append(i)
        self._order = sorted(range(len(self.documents)), key=lambda i: self._rank(i))
        self._precedence = [precedence(doc.meta, doc.is_fanwen) for doc in self.documents]

    def _rank(self, i: int) -> tuple[int, str]:
        identity = self.documents[i].identity
        return sample_rank(identity), identity

    @classmethod
    def build(cls, prepared: Sequence[Fingerprinted], params: FingerprintParams) -> MemoryIndex:
        docs, grams, gram_docs, bands, band_docs = [], [], [], [], []
        seen: set[str] = set()
        for doc in prepared:
            if doc.document.path in seen:
                raise IndexStoreError(f"{doc.document.path}: given twice")
            seen.add(doc.document.path)
            i = len(docs)
            docs.append(doc.document)
            grams.append(doc.fingerprints.grams)
            gram_docs.append(np.full(len(doc.fingerprints.grams), i, dtype=np.int32))
            keys = np.unique(doc.fingerprints.window_bands.ravel())
            bands.append(keys)
            band_docs.append(np.full(len(keys), i, dtype=np.int32))
        gram_keys, gram_owner = _sorted_postings(grams, gram_docs)
        band_keys, band_owner = _sorted_postings(bands, band_docs)
        return cls(params, docs, gram_keys, gram_owner, band_keys, band_owner)

    # -- the Corpus interface ------------------------------------------------

    def document_count(self) -> int:
        return len(self.documents)

    def document(self, doc_id: int) -> Document:
        return self.documents[doc_id]

    def document_id(self, path: str) -> int | None:
        return self._ids.get(path)

    def identities(self) -> list[DocumentIdentity]:
        return [DocumentIdentity.of(doc, i) for i, doc in enumerate(self.documents)]

    def matching_ids(self, identity: DocumentIdentity) -> set[int]:
        return set(self._by_identity.get(identity.identity, ())) | set(
            self._by_content.get((identity.sha256, identity.name), ())
        )

    def sample(self, count: int) -> list[SampleMember]:
        """The ``count`` documents of lowest rank with their grams (computed once each)."""
        while len(self._sample) < min(count, len(self.documents)):
            i = self._order[len(self._sample)]
            rank, identity = self._rank(i)
            grams = distinct_grams(self.documents[i].text, self.params)
            self._sample.append(SampleMember(rank, identity, grams, i))
        return self._sample[:count]

    def key_holders(self, keys: QueryKeys) -> tuple[np.ndarray, np.ndarray]:
        """How many postings each band key and gram has (a document posts a key once)."""
        kernels = self._kernels()
        ranges = (
            (_ranges(kernels, self._bands, keys.bands), _ranges(kernels, self._grams, keys.grams))
            if kernels is not None
            else (self._bands.ranges(keys.bands), self._grams.ranges(keys.grams))
        )
        return tuple(hi - lo for lo, hi in ranges)  # type: ignore[return-value]

    def candidates(
        self, keys: QueryKeys, *, exclude: Iterable[int] = (), limit: int = 50, cap: KeyCap | None = None
    ) -> list[Candidate]:
        """Like the SQLite index's: the best ``limit`` and ties, with
        identities, precedence and the query keys each holds."""
        if self._kernels() is not None:
            pool = self.candidate_pool(keys, exclude=exclude, limit=limit, cap=cap)
            return [pool.candidate(i)[1] for i in range(len(pool))]
        return self._numpy_candidates(keys, exclude, limit, cap)

    def _numpy_candidates(
        self, keys: QueryKeys, exclude: Iterable[int], limit: int, cap: KeyCap | None
    ) -> list[Candidate]:
        if cap is not None:
            keys = cap.keys(keys, self.key_holders(keys))
        bands, grams = keys
        band_which, band_docs = lookup_sorted(self._bands, self.band_docs, bands)
        gram_which, gram_docs = lookup_sorted(self._grams, self.gram_docs, grams)
        band_hits = np.bincount(band_docs, minlength=len(self.documents))
        gram_hits = np.bincount(gram_docs, minlength=len(self.documents))
        ids = np.flatnonzero(band_hits | gram_hits)
        found = top_candidates(ids, band_hits[ids], gram_hits[ids], exclude=exclude, limit=limit)
        hits = hits_of([c.doc_id for c in found], band_which, band_docs, gram_which, gram_docs, len(bands))
        return [self._described(c, hits.get(c.doc_id)) for c in found]

    def _kernels(self):  # -> module index.kernels | None
        """The compiled candidate query for a corpus of many postings (numba
        importable), else None: numpy answers small corpora quicker. Its
        scratch counts serve one query at a time (workers are processes)."""
        if self._compiled is None:
            large = len(self.gram_keys) + len(self.band_keys) >= BULK_POSTINGS
            self._compiled = (bulk_kernels(BULK_CHARS) if large else None) or False
            if self._compiled:  # zeroed counts per document, which the kernels leave zeroed
                self._counts = np.zeros(len(self.documents), dtype=np.int64)
        return self._compiled or None

    def candidate_pool(
        self,
        keys: QueryKeys,
        *,
        exclude: Iterable[int] = (),
        limit: int = 50,
        cap: KeyCap | None = None,
        store: int = 0,
    ) -> CandidatePool:
        """:meth:`candidates` as the rows of store ``store`` of a pool: from
        the compiled query, only the rows a caller takes become objects."""
        kernels = self._kernels()
        if kernels is None or limit <= 0:
            found = self._numpy_candidates(keys, exclude, limit, cap) if limit > 0 else []
            return CandidatePool.of([(store, c) for c in found])
        ids, band_hits, gram_hits, start, size, held = self._compiled_query(kernels, keys, exclude, limit, cap)
        order = np.lexsort((ids, -(band_hits + 2 * gram_hits)))  # as ranked_candidates orders them
        ids, band_hits, gram_hits, start, size = (column[order] for column in (ids, band_hits, gram_hits, start, size))
        precedence, identity = self.ranks()
        documents, precedences = self.documents, self._precedence

        def candidate(i: int) -> tuple[int, Candidate]:
            d, s = int(ids[i]), int(start[i])
            hits = held[s : s + int(size[i])]
            return store, Candidate(
                d, int(band_hits[i]), int(gram_hits[i]), documents[d].identity, precedences[d], hits
            )

        return CandidatePool(
            np.full(len(ids), store, dtype=np.int64),
            band_hits,
            gram_hits,
            precedence[ids],
            identity[ids],
            start,
            size,
            held,
            candidate,
        )

    def _compiled_query(
        self, kernels, keys: QueryKeys, exclude: Iterable[int], limit: int, cap: KeyCap | None
    ) -> tuple[np.ndarray, ...]:
        """The compiled query's arrays (ids, band hits, gram hits, key starts,
        key counts, keys), unordered: the numpy path's candidates once ranked
        (tests hold them equal); the cap applied to the ranges found, not by a
        second lookup."""
        band_lo, band_hi = _ranges(kernels, self._bands, keys.bands)
        gram_lo, gram_hi = _ranges(kernels, self._grams, keys.grams)
        if cap is not None:
            bands, grams = cap.kept((band_hi - band_lo, gram_hi - gram_lo))
            band_lo, band_hi, gram_lo, gram_hi = band_lo[bands], band_hi[bands], gram_lo[grams], gram_hi[grams]
        excluded = np.fromiter(set(exclude), dtype=np.int64)
        return kernels.candidate_query(
            band_lo, band_hi, self.band_docs, gram_lo, gram_hi, self.gram_docs, excluded, limit, self._counts
        )

    def ranks(self) -> tuple[np.ndarray, np.ndarray]:
        """Each document's rank by precedence and by identity over the corpus
        (computed once: a bulk run asks before forking its workers)."""
        if self._order_ranks is None:
            self._order_ranks = (dense_ranks(self._precedence), dense_ranks([d.identity for d in self.documents]))
        return self._order_ranks

    def _described(self, candidate: Candidate, hits: np.ndarray | None) -> Candidate:
        i = candidate.doc_id
        identity = self.documents[i].identity
        return Candidate(i, candidate.band_hits, candidate.gram_hits, identity, self._precedence[i], hits)

    def close(self) -> None:
        return None

    def __enter__(self) -> MemoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ranges(kernels, keys: SortedKeys, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each query's postings lie (:meth:`SortedKeys.ranges`), compiled."""
    return kernels.posting_ranges(keys.keys, keys.starts, keys.bits, queries)


def _sorted_postings(keys: list[np.ndarray], owners: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    all_keys = np.concatenate(keys).astype(np.int64, copy=False)
    all_owners = np.concatenate(owners)
    order = np.argsort(all_keys)  # ties in any order: lookups only count owners
    return all_keys[order], all_owners[order]
