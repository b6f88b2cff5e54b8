"""The reviewer's use case: check one submission against an index or some files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.compare import Comparison, compare_all, source_documents
from app.indexing import open_index
from app.texts import TextLookup
from corpus.document import INDEXED
from corpus.errors import InputError
from corpus.progress import Progress, no_progress
from corpus.read import DEFAULT_MAX_BYTES, iter_documents
from detector.compare import DetectorParams
from detector.model import DocumentResult
from index.corpus import Corpus, prepare
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex


@dataclass(frozen=True)
class CorpusInfo:
    """What a run compared with: the index file (or the folders given) and its size."""

    path: str
    documents: int


@dataclass
class CheckResult:
    results: list[DocumentResult]
    errors: list[InputError]
    corpus: CorpusInfo
    texts: TextLookup

    @property
    def has_copies(self) -> bool:
        return any(r.has_copies for r in self.results)


def library_name(paths: Sequence[str | Path]) -> str:
    """What a report calls a library of files and folders given on the command line."""
    return ", ".join(Path(p).as_posix() for p in paths)


def temporary_index(
    paths: Sequence[str | Path],
    params: FingerprintParams | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    role: str = INDEXED,
    progress: Progress = no_progress,
) -> tuple[MemoryIndex, list[InputError]]:
    """An in-memory corpus of the documents under ``paths``: ``--against``
    files (``role`` INDEXED: like an index's, a 范文 when undated) or
    reference folders (REFERENCE)."""
    params = params or FingerprintParams()
    errors: list[InputError] = []
    prepared = [
        prepare(document, params)
        for document in iter_documents(paths, errors, max_bytes=max_bytes, role=role, progress=progress, stage="read")
    ]
    return MemoryIndex.build(prepared, params), errors


def run_check(
    files: Sequence[Path],
    *,
    index: Path,
    against: Sequence[Path] = (),
    params: DetectorParams = DetectorParams(),
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = no_progress,
) -> CheckResult:
    """Check ``files`` against the documents under ``against``, or else the index."""
    store: Corpus
    if against:
        store, errors = temporary_index(against, max_bytes=max_bytes, progress=progress)
    else:
        store, errors = open_index(index, create=False), []
    with store:
        submissions = list(iter_documents(files, errors, max_bytes=max_bytes, progress=progress, stage="read"))
        comparison = Comparison.of([store], params)
        results = compare_all(comparison, submissions, workers=1, compiled=False, progress=progress, stage="check")
        texts = TextLookup({**source_documents(results, comparison.view), **{d.path: d for d in submissions}})
        info = CorpusInfo(library_name(against) if against else store.path, store.document_count())
    return CheckResult(results, errors, info, texts)
