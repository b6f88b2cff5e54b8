"""What every corpus of documents offers the detector, and the types it shares.

A corpus is the persistent SQLite index (:mod:`index.sqlite`) or an
in-memory one built for a run (:mod:`index.memory`); both implement
:class:`Corpus`. Documents go in as :class:`Fingerprinted` (a
:class:`~corpus.document.Document` with its fingerprints) and come out as
:class:`~corpus.document.Document`; queries return :class:`Candidate` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.document import Document
from corpus.normalize import Normalized, normalize
from index.fingerprint import (
    FingerprintParams,
    Fingerprints,
    all_grams,
    distinct_grams_many,
    fingerprint,
    fingerprint_many,
)


@dataclass(frozen=True)
class Fingerprinted:
    """A document with its fingerprints, ready to store or query."""

    document: Document
    fingerprints: Fingerprints
    gram_set: np.ndarray | None = None  # every distinct gram, for exact in-memory frequencies
    normalized: Normalized | None = None  # kept on request, so a bulk run normalizes each document once


@runtime_checkable
class Corpus(Protocol):
    """The query interface the detector uses, whatever holds the documents."""

    params: FingerprintParams
    path: str

    @property
    def exact_frequencies(self) -> bool:
        """Whether :meth:`document_frequencies` counts every gram (else winnowed ones)."""
        ...

    def document_count(self) -> int: ...

    def document(self, doc_id: int) -> Document: ...

    def document_id(self, path: str) -> int | None: ...

    def documents_with_hash(self, sha256: str) -> list[tuple[int, str]]: ...

    def known_hash(self, path: str) -> str | None: ...

    def paths(self) -> list[str]: ...

    def document_frequencies(self, queries: np.ndarray) -> np.ndarray: ...

    def candidates(
        self, fp: Fingerprints, *, stock: np.ndarray | None = None, exclude: Iterable[int] = (), limit: int = 50
    ) -> list[Candidate]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Candidate:
    doc_id: int
    band_hits: int
    gram_hits: int

    @property
    def score(self) -> float:
        return self.band_hits + 2.0 * self.gram_hits


_DENSE_SPAN = 16  # count hits in an array over the id range when it is at most this many times the postings


def hit_counts(band_docs: np.ndarray, gram_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document ids in ascending order, band hits, gram hits) from the
    document id of each band and gram posting found."""
    band_docs = np.asarray(band_docs, dtype=np.int64)
    gram_docs = np.asarray(gram_docs, dtype=np.int64)
    total = len(band_docs) + len(gram_docs)
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    top = max(int(band_docs.max()) if len(band_docs) else 0, int(gram_docs.max()) if len(gram_docs) else 0)
    if top < _DENSE_SPAN * total + 4096:  # ids are rowids: usually dense, a bincount is quickest
        band = np.bincount(band_docs, minlength=top + 1)
        gram = np.bincount(gram_docs, minlength=top + 1)
        ids = np.flatnonzero(band | gram)
        return ids, band[ids], gram[ids]
    # sparse ids (many documents removed): sort instead of spanning every id
    band_ids, band = _counted(band_docs)
    gram_ids, gram = _counted(gram_docs)
    ids = np.union1d(band_ids, gram_ids)
    band_hits = np.zeros(len(ids), dtype=np.int64)
    gram_hits = np.zeros(len(ids), dtype=np.int64)
    band_hits[np.searchsorted(ids, band_ids)] = band
    gram_hits[np.searchsorted(ids, gram_ids)] = gram
    return ids, band_hits, gram_hits


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values, sorted, and how often each occurs."""
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    values = np.sort(values)
    firsts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    return values[firsts], np.diff(np.r_[firsts, len(values)])


def top_candidates(
    ids: np.ndarray, band_hits: np.ndarray, gram_hits: np.ndarray, *, exclude: Iterable[int] = (), limit: int
) -> list[Candidate]:
    """The ``limit`` best of documents ``ids`` (ascending) with their hits, as
    a full sort by (-score, doc id) would rank them, ``exclude`` left out;
    without sorting them all."""
    if limit <= 0 or not len(ids):
        return []
    score = band_hits + 2 * gram_hits  # Candidate.score, in integers: the same order
    excluded = np.fromiter(set(exclude), dtype=np.int64)
    keep = score > 0
    if len(excluded):
        keep &= ~np.isin(ids, excluded)
    ids, band_hits, gram_hits, score = ids[keep], band_hits[keep], gram_hits[keep], score[keep]
    if len(ids) > limit:
        threshold = np.partition(score, len(score) - limit)[len(score) - limit]  # the limit-th highest
        above = np.flatnonzero(score > threshold)
        tied = np.flatnonzero(score == threshold)[: limit - len(above)]  # lowest ids first, as the sort does
        chosen = np.concatenate([above, tied])
        ids, band_hits, gram_hits, score = ids[chosen], band_hits[chosen], gram_hits[chosen], score[chosen]
    order = np.lexsort((ids, -score))
    return [
        Candidate(int(i), int(b), int(g))
        for i, b, g in zip(ids[order].tolist(), band_hits[order].tolist(), gram_hits[order].tolist())
    ]


def prepare_many(
    documents: Sequence[Document],
    params: FingerprintParams,
    *,
    gram_set: bool = False,
    keep_normalized: bool = False,
) -> list[Fingerprinted]:
    """:func:`prepare` for many documents with one batched fingerprint pass."""
    normalized = [normalize(document.text) for document in documents]
    streams = [n.text for n in normalized]
    fingerprints = fingerprint_many(streams, params)
    gram_sets: list[np.ndarray | None] = distinct_grams_many(streams, params) if gram_set else [None] * len(streams)
    return [
        Fingerprinted(document, fp, grams, norm if keep_normalized else None)
        for document, fp, grams, norm in zip(documents, fingerprints, gram_sets, normalized)
    ]


def prepare(document: Document, params: FingerprintParams, *, gram_set: bool = False) -> Fingerprinted:
    """Fingerprint a document; ``gram_set`` also keeps all its distinct grams
    (an in-memory corpus counts exact document frequencies from them)."""
    normalized = normalize(document.text)
    grams = np.unique(all_grams(normalized.text, params)) if gram_set else None
    return Fingerprinted(document, fingerprint(normalized, params), grams)


def gram_frequencies(corpus: Corpus, grams: np.ndarray) -> dict[int, int]:
    """Document frequency of each gram hash the corpus holds (for inspection and benchmarks)."""
    queries = np.unique(np.asarray(grams, dtype=np.int64))
    counts = corpus.document_frequencies(queries)
    found = counts > 0
    return dict(zip(queries[found].tolist(), counts[found].tolist()))
