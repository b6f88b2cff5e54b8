"""Several corpora acting as one: the one corpus every comparison queries.

A check against the index, against ``--against`` files, an audit with or
without an index and a gate over a folder, its references and an index all
compare a document with a :class:`CorpusView`. Whatever store holds a
document, the view gives the same answers:

* a document is one document however its path is spelled: the first store
  (in the order given) that holds it provides it; later stores' copies are
  hidden (same identity, or the same bytes under the same file name);
* candidates are the best ``limit`` of all stores together, ties broken by
  identity, not by a store's internal ids;
* document frequencies are counted over the view's sample: its
  :data:`~index.corpus.SAMPLE_SIZE` documents of lowest rank, the document
  asked about left out (the next one takes its place).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corpus.document import Document
from index.corpus import SAMPLE_SIZE, Candidate, Corpus, DocumentIdentity, KeyCap, QueryKeys, SampleMember
from index.fingerprint import FingerprintParams, Fingerprints
from index.pool import CandidatePool, kept_rows
from index.sample_index import SampleIndex


@dataclass(frozen=True)
class ViewCandidate:
    """A candidate of the view: which store holds it, and its hits."""

    store: int
    candidate: Candidate

    @property
    def identity(self) -> str:
        return self.candidate.identity


class CorpusView:
    """``stores`` as one corpus; the first store holding a document provides it."""

    def __init__(
        self, stores: Sequence[Corpus], *, sample_size: int = SAMPLE_SIZE, statistics: SampleIndex | None = None
    ) -> None:
        """``statistics``: the sample's index when it was built elsewhere (a
        distributed run builds it once per worker from the whole corpus's
        sample and shares it among the views of many documents)."""
        if not stores:
            raise ValueError("a view needs at least one corpus")
        self.stores = list(stores)
        self.params: FingerprintParams = self.stores[0].params
        self.sample_size = sample_size
        self._hidden: list[set[int]] = [set() for _ in self.stores]
        self._hide_duplicates()
        self._sample: list[SampleMember] | None = None
        self._statistics: SampleIndex | None = statistics

    def _hide_duplicates(self) -> None:
        """Hide in each store the documents an earlier store already holds.

        Earlier stores are enumerated, so put the small ones (a run's own
        documents) first and a large persistent index last."""
        for s, store in enumerate(self.stores[:-1]):
            for identity in store.identities():
                if identity.doc_id in self._hidden[s]:
                    continue
                for later in range(s + 1, len(self.stores)):
                    self._hidden[later] |= self.stores[later].matching_ids(identity)

    # -- documents ----------------------------------------------------------

    @property
    def path(self) -> str:
        return " + ".join(store.path for store in self.stores)

    def document_count(self) -> int:
        return sum(store.document_count() - len(hidden) for store, hidden in zip(self.stores, self._hidden))

    def document(self, candidate: ViewCandidate) -> Document:
        return self.stores[candidate.store].document(candidate.candidate.doc_id)

    def find(self, path: str) -> Document | None:
        """The document a report names by this path, from the first store holding it."""
        for store, hidden in zip(self.stores, self._hidden):
            doc_id = store.document_id(path)
            if doc_id is not None and doc_id not in hidden:
                return store.document(doc_id)
        return None

    def excluded(self, document: Document) -> list[set[int]]:
        """Per store, the ids not to compare ``document`` with: itself, and hidden copies."""
        identity = DocumentIdentity.of(document)
        return [hidden | store.matching_ids(identity) for store, hidden in zip(self.stores, self._hidden)]

    def others(self, document: Document) -> int:
        """How many documents of the view are not ``document``."""
        identity = DocumentIdentity.of(document)
        own = sum(len(store.matching_ids(identity) - hidden) for store, hidden in zip(self.stores, self._hidden))
        return self.document_count() - own

    # -- candidates -----------------------------------------------------------

    def candidates(
        self,
        fp: Fingerprints | QueryKeys,
        document: Document,
        *,
        busy: np.ndarray | None = None,
        limit: int = 25,
        max_holders: int | None = None,
    ) -> list[ViewCandidate]:
        """Up to ``limit`` documents of all stores to align ``document`` with.

        The query keys are ``fp``'s band keys and grams but the ``busy``
        grams; with ``max_holders``, a key that more documents hold (counted
        in every store) proposes no candidates either. The pool is the best
        ``POOL`` × ``limit`` by score. Each key the document shares (a band
        or a gram) is credited to the first :data:`~index.pool.REGION_SOURCES` documents
        holding it in order of precedence (a 范文 first, then the earliest
        dated), then score; a document is kept when it is credited with some
        of its keys, and the kept ones are taken best score first. A passage
        fifty units pasted so yields its 范文 (or its earliest holders)
        however much more the copies share with the document elsewhere, and
        the other passages still find their sources."""
        keys = QueryKeys.of(fp, busy)
        caps = self._caps(keys, max_holders)
        pools = [
            store.candidate_pool(keys, exclude=skip, limit=POOL * limit, cap=caps[s], store=s)
            for s, (store, skip) in enumerate(zip(self.stores, self.excluded(document)))
        ]
        pool = pools[0] if len(pools) == 1 else CandidatePool.of([p.candidate(i) for p in pools for i in range(len(p))])
        return [ViewCandidate(*pool.candidate(int(row))) for row in kept_rows(pool, limit)]

    def _caps(self, keys: QueryKeys, most: int | None) -> list[KeyCap | None]:
        """Per store, the cap with what the other stores hold (a store alone counts its own holders)."""
        if most is None:
            return [None] * len(self.stores)
        if len(self.stores) == 1:
            return [KeyCap(most)]
        own = [store.key_holders(keys) for store in self.stores]
        bands, grams = self.key_holders(keys, own)
        return [KeyCap(most, (bands - b, grams - g)) for b, g in own]

    def key_holders(
        self, keys: QueryKeys, own: list[tuple[np.ndarray, np.ndarray]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """How many documents of all stores hold each band key and each gram
        (``own``: each store's counts, when known)."""
        bands, grams = np.zeros(len(keys.bands), dtype=np.int64), np.zeros(len(keys.grams), dtype=np.int64)
        for band_holders, gram_holders in own if own is not None else (s.key_holders(keys) for s in self.stores):
            bands += band_holders
            grams += gram_holders
        return bands, grams

    # -- document frequencies ---------------------------------------------------

    def sample(self) -> list[SampleMember]:
        """The view's sample_size + 1 visible documents of lowest (rank, identity)."""
        if self._sample is None:
            members: dict[str, SampleMember] = {}
            for store, hidden in zip(self.stores, self._hidden):
                for member in store.sample(self.sample_size + 1 + len(hidden)):
                    if member.doc_id not in hidden:
                        members.setdefault(member.identity, member)
            ordered = sorted(members.values(), key=lambda m: (m.rank, m.identity))
            self._sample = ordered[: self.sample_size + 1]
        return self._sample

    def statistics(self) -> SampleIndex:
        """Who holds which gram over the sample (built once)."""
        if self._statistics is None:
            self._statistics = SampleIndex(self.sample(), self.sample_size)
        return self._statistics

    def sample_count(self, document: Document) -> int:
        """How many documents the frequencies for ``document`` are counted over."""
        statistics = self.statistics()
        return statistics.others(statistics.member_of(document.identity))

    def document_frequencies(self, grams: np.ndarray, document: Document | None = None) -> np.ndarray:
        """For each gram hash, how many documents of the sample hold it,
        ``document`` left out (when it is in the sample, the next one counts)."""
        statistics = self.statistics()
        own = statistics.member_of(document.identity) if document is not None else None
        return statistics.frequencies(grams, own)

    def holders(self, gram: int, document: Document) -> np.ndarray:
        """The sample members holding ``gram``, ``document`` left out."""
        statistics = self.statistics()
        return statistics.holders(gram, statistics.member_of(document.identity))

    def holder_lists(self, grams: np.ndarray, document: Document) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`holders` of many grams at once (see :meth:`SampleIndex.holder_lists`)."""
        statistics = self.statistics()
        return statistics.holder_lists(grams, statistics.member_of(document.identity))

    def close(self) -> None:
        for store in self.stores:
            store.close()


POOL = 4  # candidates asked of the stores, per candidate kept


def as_view(corpus: CorpusView | Corpus | Sequence[Corpus]) -> CorpusView:
    """A view of one corpus, of several (in priority order), or the view itself."""
    if isinstance(corpus, CorpusView):
        return corpus
    return CorpusView(list(corpus) if isinstance(corpus, (list, tuple)) else [corpus])
