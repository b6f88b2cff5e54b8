"""Executor side: what one document's comparison reads, precomputed by Spark.

:class:`Precomputed` is a :class:`~index.corpus.Corpus` holding only the
candidates Spark found for one document and their documents; with the
sample's :class:`~index.sample_index.SampleIndex` (built once per worker
from a broadcast) a :class:`~index.view.CorpusView` over it answers every
question :func:`detector.compare.compare_document` asks, exactly as the
view over the whole corpus would: same candidates, same frequencies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from corpus.document import DocMeta, Document
from corpus.normalize import Normalized, normalize
from detector.align import compiled_kernels, use_compiled
from index.corpus import Candidate, DocumentIdentity, KeyCap, QueryKeys, SampleMember
from index.fingerprint import FingerprintParams, Fingerprints
from index.pool import CandidatePool
from index.sample_index import SampleIndex
from index.view import CorpusView

#: A placeholder for a document's own fingerprints: its candidates come precomputed, not from a query.
NO_FINGERPRINTS = Fingerprints(
    np.zeros(0, dtype=np.uint32),
    np.zeros((0, 2), dtype=np.int64),
    np.zeros((0, 1), dtype=np.int64),
    np.zeros(0, dtype=np.int64),
)


class Precomputed:
    """One document's candidates and their documents, as a corpus."""

    path = ":spark:"

    def __init__(
        self, params: FingerprintParams, candidates: Sequence[Candidate] = (), documents: Sequence[Document] = ()
    ) -> None:
        self.params = params
        self._candidates = list(candidates)
        self._documents = list(documents)
        self._ids = {d.path: i for i, d in enumerate(self._documents)}

    def document_count(self) -> int:
        return len(self._documents)

    def document(self, doc_id: int) -> Document:
        return self._documents[doc_id]

    def document_id(self, path: str) -> int | None:
        return self._ids.get(path)

    def identities(self) -> list[DocumentIdentity]:
        return [DocumentIdentity.of(d, i) for i, d in enumerate(self._documents)]

    def matching_ids(self, identity: DocumentIdentity) -> set[int]:
        return set()  # the document itself and its copies were left out when the candidates were joined

    def sample(self, count: int) -> list[SampleMember]:
        return []  # the view is given the sample's statistics

    def key_holders(self, keys: QueryKeys) -> tuple[np.ndarray, np.ndarray]:
        """None counted: the join that chose the candidates already dropped the heavy keys."""
        return np.zeros(len(keys.bands), dtype=np.int64), np.zeros(len(keys.grams), dtype=np.int64)

    def candidates(
        self, keys: QueryKeys, *, exclude: Iterable[int] = (), limit: int = 50, cap: KeyCap | None = None
    ) -> list[Candidate]:
        return list(self._candidates)

    def candidate_pool(self, keys: QueryKeys, *, store: int = 0, **query: Any) -> CandidatePool:
        return CandidatePool.of([(store, c) for c in self.candidates(keys, **query)])

    def close(self) -> None:
        return None


def view_of(store: Precomputed, statistics: SampleIndex, sample_size: int) -> CorpusView:
    return CorpusView([store], sample_size=sample_size, statistics=statistics)


# -- once per worker --------------------------------------------------------------------


def compiled_in_worker() -> None:
    """The compiled alignment and stock kernels (numba) on in this Python
    worker, as the local engine's workers have them: loaded once, the same
    results as the numpy path, several times quicker."""
    if compiled_kernels() is None:
        use_compiled(True)


_INDEXES: dict[int, SampleIndex] = {}


def sample_index(broadcast: object, size: int) -> SampleIndex:
    """The sample's index, built once per worker process from the broadcast sample."""
    key = hash(broadcast._path) if hasattr(broadcast, "_path") else id(broadcast)
    found = _INDEXES.get(key)
    if found is None:
        _INDEXES.clear()
        found = _INDEXES[key] = SampleIndex(unpack_sample(broadcast.value), size)  # type: ignore[attr-defined]
    return found


def pack_sample(members: Sequence[SampleMember]) -> dict[str, object]:
    """The sample as a few arrays (what is broadcast)."""
    grams = [m.grams for m in members]
    return {
        "ranks": [m.rank for m in members],
        "identities": [m.identity for m in members],
        "offsets": np.cumsum([0] + [len(g) for g in grams]).astype(np.int64),
        "grams": np.concatenate(grams).astype(np.int64) if grams else np.zeros(0, dtype=np.int64),
    }


def unpack_sample(packed: dict[str, object]) -> list[SampleMember]:
    offsets, grams = packed["offsets"], packed["grams"]
    return [
        SampleMember(int(rank), identity, grams[offsets[i] : offsets[i + 1]], i)  # type: ignore[index]
        for i, (rank, identity) in enumerate(zip(packed["ranks"], packed["identities"]))  # type: ignore[arg-type]
    ]


# -- documents from rows --------------------------------------------------------------


def document_of(row: dict[str, object]) -> Document:
    """The :class:`Document` of a ``docs`` row."""
    return Document(
        path=row["path"],  # type: ignore[arg-type]
        text=row["text"],  # type: ignore[arg-type]
        sha256=row["sha256"],  # type: ignore[arg-type]
        encoding=row["encoding"],  # type: ignore[arg-type]
        format=row["format"],  # type: ignore[arg-type]
        meta=DocMeta(row["unit"], row["year"], row["submitted"]),  # type: ignore[arg-type]
        role=row["role"],  # type: ignore[arg-type]
        warnings=tuple(row["warnings"] or ()),  # type: ignore[arg-type]
        size=row["size"] or 0,  # type: ignore[arg-type]
        key=row["key"] or "",  # type: ignore[arg-type]
    )


class NormalizedCache:
    """Each text normalized once per worker while it stays among the most recent ``size``."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._found: OrderedDict[tuple[str, str], Normalized] = OrderedDict()

    def __call__(self, document: Document) -> Normalized:
        key = (document.identity, document.sha256)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = normalize(document.text)
            if len(self._found) > self.size:
                self._found.popitem(last=False)
        else:
            self._found.move_to_end(key)
        return found
