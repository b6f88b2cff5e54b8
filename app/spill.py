"""Comparing a corpus spilled to disk, results spilled to disk.

The streaming audit's workers each get batches of document ids, read the
documents and their normalized streams from the run's
:class:`~index.disk.DiskIndex` with the query keys the read stage kept, compare
every document with :func:`~detector.compare.compare_document` (the one
comparison) and append each result to a file of their own
(:class:`ResultSpill`); the parent receives only where each result lies.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.compare import Comparison
from corpus.document import Document
from corpus.errors import ChachongError
from corpus.normalize import Normalized, normalize
from detector.model import DocumentResult
from index.corpus import QueryKeys
from index.disk import DiskIndex
from index.fingerprint import Fingerprints, fingerprint_many

NORMALIZED_CACHE = 512  # normalized streams a worker keeps (the stored ones are read again cheaply)


class ResultSpill:
    """Results appended by each process to its own file in ``folder``; read
    back by document id, whole or as their :meth:`~detector.model.DocumentResult.copy_view`
    (stored after the whole, so the relations stage reads a fraction)."""

    def __init__(self, folder: Path, count: int) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files: list[str] = []
        self.file_of = np.full(count, -1, dtype=np.int32)
        self.offset = np.zeros(count, dtype=np.int64)
        self.length = np.zeros(count, dtype=np.int64)
        self.view_length = np.zeros(count, dtype=np.int64)
        self._writer: tuple[int, int] | None = None  # (pid, descriptor) of this process's file
        self._readers: dict[int, int] = {}

    # -- in the process that compares ------------------------------------------------

    def write(self, result: DocumentResult) -> tuple[str, int, int, int]:
        """Append a result and its copy view to this process's file: (file
        name, offset, length of the result, length of the view after it)."""
        whole = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        view = pickle.dumps(result.copy_view(), protocol=pickle.HIGHEST_PROTOCOL)
        data = whole + view
        name = f"results-{os.getpid()}.bin"
        try:
            if self._writer is None or self._writer[0] != os.getpid():
                fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                self._writer = (os.getpid(), fd)
            fd = self._writer[1]
            offset = os.lseek(fd, 0, os.SEEK_END)
            written = os.write(fd, data)
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError as err:
            raise ChachongError(f"cannot write the audit's results in {self.folder}: {err}") from err
        return name, offset, len(whole), len(view)

    # -- in the parent ---------------------------------------------------------------------

    def locate(self, doc_id: int, name: str, offset: int, length: int, view_length: int) -> None:
        if name not in self.files:
            self.files.append(name)
        self.file_of[doc_id] = self.files.index(name)
        self.offset[doc_id], self.length[doc_id], self.view_length[doc_id] = offset, length, view_length

    def read(self, doc_id: int) -> DocumentResult:
        """A document's whole result."""
        return self._load(doc_id, int(self.offset[doc_id]), int(self.length[doc_id]))

    def read_copy_view(self, doc_id: int) -> DocumentResult:
        """A document's result as its copy view."""
        start = int(self.offset[doc_id]) + int(self.length[doc_id])
        return self._load(doc_id, start, int(self.view_length[doc_id]))

    def _load(self, doc_id: int, offset: int, length: int) -> DocumentResult:
        file = int(self.file_of[doc_id])
        if file < 0:
            raise ChachongError(f"the audit has no result for document {doc_id}")
        fd = self._readers.get(file)
        if fd is None:
            fd = self._readers[file] = os.open(self.folder / self.files[file], os.O_RDONLY)
        return pickle.loads(os.pread(fd, length, offset))  # noqa: S301 - this run's own file, written above

    def close(self) -> None:
        if self._writer is not None and self._writer[0] == os.getpid():
            os.close(self._writer[1])
        self._writer = None
        for fd in self._readers.values():
            os.close(fd)
        self._readers.clear()


@dataclass
class SpillComparison(Comparison):
    """A comparison whose documents' normalized streams come from the spilled
    corpus (computed once, in the fingerprint stage); a document from another
    store is normalized here, a bounded number kept."""

    disk: DiskIndex | None = None
    spill: ResultSpill | None = None
    normalized: dict[str, Normalized] = field(default_factory=dict)

    def normalize(self, document: Document) -> Normalized:
        found = self.normalized.get(document.identity)
        if found is not None:
            return found
        doc_id = self.disk.document_by_identity(document.identity) if self.disk is not None else None
        found = self.disk.text_and_normalized(doc_id)[1] if doc_id is not None else normalize(document.text)
        self.remember(document.identity, found)
        return found

    def remember(self, identity: str, normalized: Normalized) -> None:
        if len(self.normalized) >= NORMALIZED_CACHE:
            del self.normalized[next(iter(self.normalized))]
        self.normalized[identity] = normalized


def _query_keys(
    comparison: SpillComparison, disk: DiskIndex, doc_ids: Sequence[int], documents: list[Document]
) -> list[Fingerprints | QueryKeys]:
    """The documents' query keys as the read stage kept them, else their
    fingerprints again (one pass for the batch)."""
    kept = [disk.query_keys(doc_id) for doc_id in doc_ids]
    if all(keys is not None for keys in kept):
        return kept  # type: ignore[return-value]
    return list(fingerprint_many([comparison.normalize(d).text for d in documents], disk.params))


def compare_batch(comparison: SpillComparison, doc_ids: Sequence[int]) -> list[tuple[int, str, int, int, int]]:
    """Compare documents of the spilled corpus; each result goes to the
    spill: (id, file, offset, length, view length) of each."""
    disk, spill = comparison.disk, comparison.spill
    if disk is None or spill is None:
        raise ChachongError("a spilled comparison without its corpus")
    documents: list[Document] = []
    for doc_id in doc_ids:
        text, normalized = disk.text_and_normalized(doc_id)
        document = disk.documents[doc_id].with_text(text)
        comparison.remember(document.identity, normalized)
        documents.append(document)
    located = []
    for doc_id, document, keys in zip(doc_ids, documents, _query_keys(comparison, disk, doc_ids, documents)):
        comparison.fingerprints = {document.path: keys}
        located.append((doc_id, *spill.write(comparison.compare(document))))
    comparison.fingerprints = {}
    return located
