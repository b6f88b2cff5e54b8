"""What every corpus of documents offers the detector, and the types it shares.

A corpus is the persistent SQLite index (:mod:`index.sqlite`) or an
in-memory one built for a run (:mod:`index.memory`); both implement
:class:`Corpus`. Several act as one through :class:`index.view.CorpusView`.
Documents go in as :class:`Fingerprinted` (a
:class:`~corpus.document.Document` with its fingerprints) and come out as
:class:`~corpus.document.Document`; queries return :class:`Candidate` rows.

Every corpus keeps a *sample*: its :data:`SAMPLE_SIZE` + 1 documents of
lowest :func:`sample_rank` (a hash of the document's identity), each with
the set of all its grams. Document frequencies, the evidence that tells
stock phrasing from copying, are counted over the sample of the whole
view, so they are the same whichever store holds which document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np

from corpus.document import Document
from corpus.normalize import Normalized, normalize
from index.fingerprint import FingerprintParams, Fingerprints, all_grams, fingerprint, fingerprint_many
from index.sorted_keys import SortedKeys, sorted_member

if TYPE_CHECKING:  # index.pool builds on this module
    from index.pool import CandidatePool

#: Documents whose gram sets the document frequencies are counted over (a
#: uniform sample of larger corpora; every document of smaller ones).
SAMPLE_SIZE = 2000


def sample_rank(identity: str) -> int:
    """A document's place in the sample order: a hash of its identity (63 bits)."""
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def distinct_grams(text: str, params: FingerprintParams) -> np.ndarray:
    """Every distinct gram hash of a decoded text's stream, sorted (int64)."""
    return np.unique(all_grams(normalize(text).text, params))


@dataclass(frozen=True)
class Fingerprinted:
    """A document with its fingerprints, ready to store or query."""

    document: Document
    fingerprints: Fingerprints
    normalized: Normalized | None = None  # kept on request, so a bulk run normalizes each document once


@dataclass(frozen=True)
class DocumentIdentity:
    """What tells two documents apart: canonical path, content hash, file name."""

    doc_id: int
    identity: str
    sha256: str
    name: str

    @classmethod
    def of(cls, document: Document, doc_id: int = -1) -> DocumentIdentity:
        return cls(doc_id, document.identity, document.sha256, document.name)

    def same_as(self, other: DocumentIdentity) -> bool:
        return self.identity == other.identity or (self.sha256 == other.sha256 and self.name == other.name)


@dataclass(frozen=True)
class SampleMember:
    """A document of a corpus's sample: its rank, identity and grams."""

    rank: int
    identity: str
    grams: np.ndarray  # sorted distinct int64 gram hashes
    doc_id: int = -1  # in the corpus it came from


@dataclass(frozen=True)
class Candidate:
    """A document sharing LSH band keys or rare grams with a query."""

    doc_id: int
    band_hits: int
    gram_hits: int
    identity: str = ""
    precedence: tuple[int, str] = (1, "")  # (0 for a 范文, its date): who comes first among equals
    hits: np.ndarray | None = None  # which query keys it shares (see QueryKeys), sorted

    @property
    def score(self) -> int:
        return self.band_hits + 2 * self.gram_hits


class QueryKeys(NamedTuple):
    """The keys a candidate query looks up: the distinct LSH band keys of the
    document's windows, and its distinct winnowed grams but the busy ones. A
    candidate's ``hits`` index bands first, then grams."""

    bands: np.ndarray
    grams: np.ndarray

    @classmethod
    def of(cls, fp: Fingerprints | QueryKeys, busy: np.ndarray | None = None) -> QueryKeys:
        """The keys of ``fp`` (fingerprints, or the keys a bulk pass kept of
        them); ``busy`` gram hashes propose no candidates."""
        if isinstance(fp, QueryKeys):
            bands, grams = fp
        else:
            bands = np.unique(np.asarray(fp.window_bands, dtype=np.int64).ravel())
            grams = np.unique(np.asarray(fp.grams, dtype=np.int64))
        if busy is not None and len(busy):
            grams = grams[~sorted_member(np.sort(np.asarray(busy, dtype=np.int64)), grams)]
        return cls(bands, grams)


@dataclass(frozen=True)
class KeyCap:
    """A band key or gram held by more than ``most`` documents proposes no
    candidates. ``elsewhere``: how many documents of the view's other
    stores hold each band key and each gram of the query (None: no other)."""

    most: int
    elsewhere: tuple[np.ndarray, np.ndarray] | None = None

    def kept(self, own: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Which band keys and grams stay, ``own``: how many documents of this store hold each."""
        bands, grams = own
        if self.elsewhere is not None:
            bands, grams = bands + self.elsewhere[0], grams + self.elsewhere[1]
        return bands <= self.most, grams <= self.most

    def keys(self, keys: QueryKeys, own: tuple[np.ndarray, np.ndarray]) -> QueryKeys:
        """The keys that stay."""
        bands, grams = self.kept(own)
        return QueryKeys(keys.bands[bands], keys.grams[grams])


def hits_of(
    doc_ids: Sequence[int],
    band_which: np.ndarray,
    band_docs: np.ndarray,
    gram_which: np.ndarray,
    gram_docs: np.ndarray,
    bands: int,
) -> dict[int, np.ndarray]:
    """For each of ``doc_ids``, the query keys it holds (from the postings found)."""
    which = np.concatenate([band_which, gram_which + bands])
    docs = np.concatenate([band_docs, gram_docs])
    wanted = np.isin(docs, np.asarray(doc_ids, dtype=np.int64))
    return keys_by_document(which[wanted], docs[wanted])


def keys_by_document(which: np.ndarray, docs: np.ndarray) -> dict[int, np.ndarray]:
    """The distinct keys ``which`` of each document of ``docs`` (postings side by side), sorted."""
    span = int(which.max()) + 1 if len(which) else 1
    pairs = np.unique(docs * span + which)  # distinct (document, key), by document then key
    docs, which = pairs // span, pairs % span
    bounds = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1], True]) if len(docs) else np.zeros(1, dtype=np.int64)
    starts = bounds[:-1].tolist()
    return {int(d): which[lo:hi] for d, lo, hi in zip(docs[starts].tolist(), starts, bounds[1:].tolist())}


def lookup_sorted(keys: SortedKeys, values: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``queries``, value) of every entry whose key is in ``queries``
    (distinct, sorted); ``keys`` sorted ascending, ``values`` beside them."""
    lo, hi = keys.ranges(queries)
    counts = hi - lo
    if not counts.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    which = np.repeat(np.arange(len(queries)), counts)
    starts = np.repeat(lo, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return which, values[starts + offsets].astype(np.int64)


def precedence(document_meta: object, fanwen: bool) -> tuple[int, str]:
    """The order in which equally good candidates are taken: a 范文 first,
    then the earliest dated (a source more likely than a copier)."""
    submitted = getattr(document_meta, "submitted", None)
    year = getattr(document_meta, "year", None)
    when = submitted or (f"{year:04d}" if year else "9999")
    return (0 if fanwen else 1, when)


@runtime_checkable
class Corpus(Protocol):
    """The query interface the detector uses, whatever holds the documents."""

    params: FingerprintParams
    path: str

    def document_count(self) -> int: ...

    def document(self, doc_id: int) -> Document: ...

    def document_id(self, path: str) -> int | None: ...

    def identities(self) -> list[DocumentIdentity]:
        """Who every document is, without reading its text."""
        ...

    def matching_ids(self, identity: DocumentIdentity) -> set[int]:
        """The ids of the documents that are ``identity``: the same identity, or
        the same bytes under the same file name (one file indexed under
        another spelling of its path)."""
        ...

    def sample(self, count: int) -> list[SampleMember]:
        """The ``count`` documents of lowest (rank, identity), with their grams."""
        ...

    def key_holders(self, keys: QueryKeys) -> tuple[np.ndarray, np.ndarray]:
        """How many documents hold each band key and each gram of ``keys``."""
        ...

    def candidates(
        self, keys: QueryKeys, *, exclude: Iterable[int] = (), limit: int = 50, cap: KeyCap | None = None
    ) -> list[Candidate]:
        """The ``limit`` best documents sharing ``keys`` (those ``cap`` leaves) by score, and any tied with the last."""
        ...

    def candidate_pool(
        self,
        keys: QueryKeys,
        *,
        exclude: Iterable[int] = (),
        limit: int = 50,
        cap: KeyCap | None = None,
        store: int = 0,
    ) -> CandidatePool:
        """:meth:`candidates` as the rows of store ``store`` of a view's pool."""
        ...

    def close(self) -> None: ...


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
    """The ``limit`` best of documents ``ids`` with their hits, ``exclude``
    left out, and every document tied with the last of them (the caller
    breaks ties by identity, which ids do not know), best first."""
    if limit <= 0 or not len(ids):
        return []
    score = band_hits + 2 * gram_hits  # Candidate.score
    excluded = np.fromiter(set(exclude), dtype=np.int64)
    keep = score > 0
    if len(excluded):
        keep &= ~np.isin(ids, excluded)
    ids, band_hits, gram_hits, score = ids[keep], band_hits[keep], gram_hits[keep], score[keep]
    if len(ids) > limit:
        threshold = np.partition(score, len(score) - limit)[len(score) - limit]  # the limit-th highest
        chosen = score >= threshold
        ids, band_hits, gram_hits, score = ids[chosen], band_hits[chosen], gram_hits[chosen], score[chosen]
    return ranked_candidates(ids, band_hits, gram_hits)


def ranked_candidates(ids: np.ndarray, band_hits: np.ndarray, gram_hits: np.ndarray) -> list[Candidate]:
    """Candidates of documents ``ids`` with their hits, best score first, then by id."""
    order = np.lexsort((ids, -(band_hits + 2 * gram_hits)))
    return [
        Candidate(int(i), int(b), int(g))
        for i, b, g in zip(ids[order].tolist(), band_hits[order].tolist(), gram_hits[order].tolist())
    ]


def prepare_many(
    documents: Sequence[Document], params: FingerprintParams, *, keep_normalized: bool = False
) -> list[Fingerprinted]:
    """:func:`prepare` for many documents with one batched fingerprint pass."""
    normalized = [normalize(document.text) for document in documents]
    fingerprints = fingerprint_many([n.text for n in normalized], params)
    return [
        Fingerprinted(document, fp, norm if keep_normalized else None)
        for document, fp, norm in zip(documents, fingerprints, normalized)
    ]


def prepare(document: Document, params: FingerprintParams) -> Fingerprinted:
    """Fingerprint one document."""
    return Fingerprinted(document, fingerprint(normalize(document.text), params))
