"""A run's corpus on disk: the in-memory corpus's arrays and documents, spilled.

:class:`DiskIndex` answers every query exactly as
:class:`~index.memory.MemoryIndex` over the same documents in the same order
does (it is one, with its posting arrays memory-mapped from files and its
documents' texts and normalized streams in a record file read on demand,
and the keys a query for each document looks up, as the read stage computed
them, in another);
what stays in memory is each document's header (path, hashes, metadata,
role: a :class:`~corpus.document.Document` without its text) and the record
offsets. It is built by :class:`DiskIndexWriter` from batches prepared in
worker processes (:func:`prepare_batch`), so the process that builds it
never holds the texts of more than a batch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from corpus.document import Document
from corpus.errors import ChachongError
from corpus.normalize import Normalized
from index.corpus import QueryKeys, SampleMember, prepare_many
from index.disk.postings import MapParts, SpilledPostings, document_keys
from index.disk.records import decode, decode_keys, decode_text, encode, encode_keys
from index.errors import IndexStoreError
from index.fingerprint import FingerprintParams, all_grams
from index.memory import MemoryIndex


@dataclass
class PreparedBatch:
    """Documents fingerprinted in a worker: headers, records and postings
    (posting owners are positions in the batch)."""

    headers: list[Document]
    records: list[bytes]
    gram_keys: np.ndarray
    gram_owner: np.ndarray
    band_keys: np.ndarray
    band_owner: np.ndarray
    keys: list[bytes]  # each document's query keys (:func:`~index.disk.records.encode_keys`)


def prepare_batch(documents: Sequence[Document], params: FingerprintParams) -> PreparedBatch:
    """Normalize and fingerprint ``documents`` (one batched pass) into what a :class:`DiskIndexWriter` stores."""
    prepared = prepare_many(documents, params, keep_normalized=True)
    grams, bands = zip(*(document_keys(p.fingerprints) for p in prepared)) if prepared else ((), ())
    owners = [np.full(len(g), i, dtype=np.int32) for i, g in enumerate(grams)]
    band_owners = [np.full(len(b), i, dtype=np.int32) for i, b in enumerate(bands)]
    return PreparedBatch(
        headers=[replace(p.document, text="") for p in prepared],
        records=[encode(p.document.text, _normalized(p.normalized)) for p in prepared],
        gram_keys=_joined(grams, np.int64),
        gram_owner=_joined(owners, np.int32),
        band_keys=_joined(bands, np.int64),
        band_owner=_joined(band_owners, np.int32),
        keys=[encode_keys(b, np.unique(g)) for g, b in zip(grams, bands)],
    )


def _normalized(normalized: Normalized | None) -> Normalized:
    if normalized is None:  # pragma: no cover - prepare_many keeps it when asked
        raise IndexStoreError("a prepared document without its normalized stream")
    return normalized


def _joined(arrays: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if len(arrays) else np.zeros(0, dtype=dtype)


class RecordFile:
    """Records appended to one file, read back by document id with ``pread``
    (safe in forked workers sharing the descriptor)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets = [0]
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, records: Sequence[bytes]) -> None:
        data = b"".join(records)
        try:
            written = os.write(self._fd, data)
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError as err:
            raise ChachongError(f"cannot write the audit's spill file {self.path}: {err}") from err
        for record in records:
            self.offsets.append(self.offsets[-1] + len(record))

    def freeze(self) -> None:
        self.offsets = np.asarray(self.offsets, dtype=np.int64)

    def read(self, doc_id: int) -> bytes:
        start, end = int(self.offsets[doc_id]), int(self.offsets[doc_id + 1])
        return os.pread(self._fd, end - start, start)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


RECENT_RECORDS = 32  # decoded records a disk index keeps


@dataclass
class DiskIndex(MemoryIndex):
    """A :class:`MemoryIndex` whose arrays are mapped files and whose
    ``documents`` are headers (texts in ``records``)."""

    records: RecordFile | None = field(default=None, repr=False)
    keys: RecordFile | None = field(default=None, repr=False)  # each document's query keys
    _recent: dict[int, tuple[str, Normalized]] = field(default_factory=dict, repr=False)

    def document(self, doc_id: int) -> Document:
        return self.documents[doc_id].with_text(self.text_and_normalized(doc_id)[0])

    def text(self, doc_id: int) -> str:
        """A document's text, its stream left encoded (unless just decoded)."""
        found = self._recent.get(doc_id)
        return found[0] if found is not None else decode_text(self._record(doc_id))

    def text_and_normalized(self, doc_id: int) -> tuple[str, Normalized]:
        """A document's text and stream; the last few decoded are kept, since
        a comparison asks for a source's text and then for its stream."""
        found = self._recent.get(doc_id)
        if found is None:
            found = decode(self._record(doc_id))
            if len(self._recent) >= RECENT_RECORDS:
                del self._recent[next(iter(self._recent))]
            self._recent[doc_id] = found
        return found

    def query_keys(self, doc_id: int) -> QueryKeys | None:
        """The keys a query for the document looks up (its fingerprints'
        :class:`QueryKeys`, none busy), as the read stage computed them; None
        when the corpus was written without them."""
        if self.keys is None:
            return None
        return QueryKeys(*decode_keys(self.keys.read(doc_id)))

    def document_by_identity(self, identity: str) -> int | None:
        """The id of the last document with this identity (the one a cache by identity would keep)."""
        found = self._by_identity.get(identity)
        return found[-1] if found else None

    def _record(self, doc_id: int) -> bytes:
        if self.records is None:
            raise IndexStoreError("a disk index without its record file")
        return self.records.read(doc_id)

    def sample(self, count: int) -> list[SampleMember]:
        """As :meth:`MemoryIndex.sample`, the grams from the stored streams."""
        while len(self._sample) < min(count, len(self.documents)):
            i = self._order[len(self._sample)]
            rank, identity = self._rank(i)
            _, normalized = self.text_and_normalized(i)
            grams = np.unique(all_grams(normalized.text, self.params))
            self._sample.append(SampleMember(rank, identity, grams, i))
        return self._sample[:count]

    def close(self) -> None:
        for records in (self.records, self.keys):
            if records is not None:
                records.close()


class DiskIndexWriter:
    """Batches in, a :class:`DiskIndex` in ``folder`` out (ids in the order added)."""

    def __init__(self, folder: Path, params: FingerprintParams) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.params = params
        self.headers: list[Document] = []
        self._paths: set[str] = set()
        self.records = RecordFile(self.folder / "records.bin")
        self.keys = RecordFile(self.folder / "keys.bin")
        self.grams = SpilledPostings(self.folder, "grams")
        self.bands = SpilledPostings(self.folder, "bands")

    def add(self, batch: PreparedBatch) -> None:
        first = len(self.headers)
        for header in batch.headers:
            if header.path in self._paths:
                raise IndexStoreError(f"{header.path}: given twice")
            self._paths.add(header.path)
        self.headers += batch.headers
        self.records.append(batch.records)
        self.keys.append(batch.keys)
        self.grams.append(batch.gram_keys, batch.gram_owner + first)
        self.bands.append(batch.band_keys, batch.band_owner + first)

    def finish(self, map_parts: MapParts = map) -> DiskIndex:
        """The index of everything added (the writer is done); ``map_parts``
        sorts the postings' key ranges (see :meth:`SpilledPostings.finish`)."""
        self.records.freeze()
        self.keys.freeze()
        gram_keys, gram_docs = self.grams.finish(map_parts)
        band_keys, band_docs = self.bands.finish(map_parts)
        return DiskIndex(
            self.params,
            self.headers,
            gram_keys,
            gram_docs,
            band_keys,
            band_docs,
            path=str(self.folder),
            records=self.records,
            keys=self.keys,
        )
