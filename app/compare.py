"""The one comparison service every use case calls.

A :class:`Comparison` is a set of corpora acting as one (a persistent index,
an in-memory corpus of a folder, reference folders), the detector's settings
and per-process caches (each text normalized once, however many pairs it is
in; each submission's fingerprints from the bulk pass). :func:`compare_all`
runs it over many documents, in forked workers when that pays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from app.workers import WorkerPool, cpu_count
from corpus.document import Document
from corpus.normalize import Normalized, normalize
from corpus.progress import Progress, no_progress
from detector.align import use_compiled
from detector.compare import DetectorParams, compare_document
from detector.model import DocumentResult
from index.corpus import Corpus, QueryKeys
from index.fingerprint import Fingerprints
from index.memory import MemoryIndex
from index.sqlite import IndexStore
from index.view import CorpusView


@dataclass
class Comparison:
    """Documents compared with ``view`` (several stores acting as one) under ``params``."""

    view: CorpusView
    params: DetectorParams = field(default_factory=DetectorParams)
    normalized: dict[str, Normalized] = field(default_factory=dict)
    fingerprints: dict[str, Fingerprints | QueryKeys] = field(default_factory=dict)  # by path, or their query keys

    @classmethod
    def of(cls, stores: Sequence[Corpus], params: DetectorParams = DetectorParams()) -> Comparison:
        """``stores`` in priority order: the first holding a document provides it."""
        return cls(CorpusView(stores), params)

    @property
    def stores(self) -> list[Corpus]:
        return self.view.stores

    def normalize(self, document: Document) -> Normalized:
        """Each document is normalized once per process, however many pairs it is in."""
        found = self.normalized.get(document.identity)
        if found is None:
            found = self.normalized[document.identity] = normalize(document.text)
        return found

    def compare(self, document: Document) -> DocumentResult:
        return compare_document(
            document,
            self.view,
            self.params,
            normalizer=self.normalize,
            fingerprints=self.fingerprints.get(document.path),
        )

    def shareable(self) -> bool:
        """Whether forked workers can use the stores: in memory, or index files they open anew."""
        return all(
            isinstance(s, MemoryIndex) or isinstance(s, IndexStore) and s.path != ":memory:" for s in self.stores
        )

    def after_fork(self) -> None:
        """In a forked worker: its own connection to each index file (an SQLite
        connection must not be used across a fork). The inherited ones are
        left open and unused, so the parent's stay intact."""
        stores = self.view.stores
        self.view.stores = [IndexStore(s.path, create=False) if isinstance(s, IndexStore) else s for s in stores]


def _compare_task(comparison: Comparison, document: Document) -> DocumentResult:
    return comparison.compare(document)


def compare_all(
    comparison: Comparison,
    documents: Sequence[Document],
    *,
    workers: int = 0,
    compiled: bool = True,
    progress: Progress = no_progress,
    stage: str = "compare",
) -> list[DocumentResult]:
    """Every document compared, in order; in forked workers sharing the
    corpus copy-on-write when there are enough documents. ``compiled`` loads
    the compiled seeding (numba) before any fork."""
    count = cpu_count(workers) if comparison.shareable() else 1
    comparison.view.document_frequencies(np.zeros(0, dtype=np.int64))  # the sample, once, before any fork
    results: list[DocumentResult] = []
    with compiled_seeding(compiled):
        pool = WorkerPool(_compare_task, comparison, workers=count)
        for result in pool.map(iter(documents), len(documents)):
            results.append(result)
            progress(stage, len(results), len(documents))
    return results


class compiled_seeding:
    """Compiled seeding on for the duration (loaded once, before workers fork)."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __enter__(self) -> None:
        if self.on:
            use_compiled(True)

    def __exit__(self, *exc: object) -> None:
        if self.on:
            use_compiled(False)


def source_documents(results: Sequence[DocumentResult], view: CorpusView) -> dict[str, Document]:
    """The documents the results name as sources, from the first store holding each."""
    found: dict[str, Document] = {}
    for source in sorted({m.source for r in results for m in r.matches}):
        document = view.find(source)
        if document is not None:
            found[source] = document
    return found
