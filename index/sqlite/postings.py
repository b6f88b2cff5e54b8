"""The posting tables of the SQLite index: buckets of packed postings.

A posting table holds one row per bucket, not per posting: the bucket is the
low :data:`BUCKET_BITS` bits of the 64-bit key, and the row's BLOB is the
sorted array of its postings, each a little-endian uint64 of the next 32 bits
of the key (high half) and the document id (low half). See
:mod:`index.sqlite.store` for the whole layout.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator

import numpy as np

from corpus.processes import clean_stale_tempdirs, private_tempdir
from index.errors import IndexCorruptError, IndexStoreError
from index.fingerprint import Fingerprints

BANDS, GRAMS = "band_buckets", "gram_buckets"
SQL_CHUNK = 900  # stay below SQLite's host-parameter limit

BUCKET_BITS = 20  # 1,048,576 buckets: ~75 band postings (600 bytes) each at 100,000 summaries
_BUCKET_MASK = np.uint64((1 << BUCKET_BITS) - 1)
LOW32 = np.uint64(0xFFFFFFFF)
_MAX_REF = (1 << 32) - 1


def split_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, key bits stored in the bucket) of int64 keys.

    The bucket comes from the low bits: winnowing keeps the smallest gram
    hashes, so their high bits are far from uniform, their low bits are.
    """
    u = np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64)
    return (u & _BUCKET_MASK).astype(np.int64), (u >> np.uint64(BUCKET_BITS)) & LOW32


def postings(keys: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, packed posting) of each (key, document id)."""
    refs = np.asarray(refs, dtype=np.int64)
    if len(refs) and (refs.min() < 0 or refs.max() > _MAX_REF):
        raise IndexStoreError("document id out of the 32 bits a posting holds; the index is full")
    buckets, bits = split_keys(keys)
    return buckets, (bits << np.uint64(32)) | refs.astype(np.uint64)


def document_postings(fp: Fingerprints, doc_id: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The postings of one document: its windows' band keys and its winnowed
    grams, all under ``doc_id``. A band key two windows share gives the same
    posting twice: the merge into the buckets keeps one (no sort here)."""
    bands = np.asarray(fp.window_bands, dtype=np.int64).ravel()
    grams = np.asarray(fp.grams, dtype=np.int64)
    return {
        BANDS: postings(bands, np.full(len(bands), doc_id, dtype=np.int64)),
        GRAMS: postings(grams, np.full(len(grams), doc_id, dtype=np.int64)),
    }


def _sorted_unique(buckets: np.ndarray, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings sorted by (bucket, posting), duplicates dropped.

    One unstable sort on (bucket, key bits) — six times faster than a
    lexsort of the two columns — then a lexsort of the few postings that tie
    there (postings of one shared key) by their document id.
    """
    primary = (buckets.astype(np.uint64) << np.uint64(32)) | (packed >> np.uint64(32))
    order = np.argsort(primary)
    ties = primary[order]
    ties = ties[1:] == ties[:-1]
    if ties.any():
        at = np.flatnonzero(np.r_[ties, False] | np.r_[False, ties])
        tied = order[at]
        order[at] = tied[np.lexsort((packed[tied], primary[tied]))]
    buckets, packed = buckets[order], packed[order]
    if len(buckets) > 1:
        keep = np.r_[True, (buckets[1:] != buckets[:-1]) | (packed[1:] != packed[:-1])]
        buckets, packed = buckets[keep], packed[keep]
    return buckets, packed


def _runs(values: np.ndarray) -> np.ndarray:
    """Start of each run of equal values (``values`` not empty)."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _bucket_rows(buckets: np.ndarray, packed: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """(bucket, postings BLOB) rows of unique postings sorted by (bucket, posting)."""
    if not len(buckets):
        return
    starts = _runs(buckets)
    ends = np.r_[starts[1:], len(buckets)] * 8
    data = packed.astype("<u8", copy=False).tobytes()
    for b, s, e in zip(buckets[starts].tolist(), (starts * 8).tolist(), ends.tolist()):
        yield b, data[s:e]


def _write_rows(db: sqlite3.Connection, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
    """Write the bucket rows of ``table`` holding exactly these postings
    (unique, sorted by (bucket, posting)), replacing the rows there."""
    db.executemany(f"INSERT OR REPLACE INTO {table}(bucket, postings) VALUES (?, ?)", _bucket_rows(buckets, packed))


_SPILL_POSTINGS = 8_000_000  # buffered postings (12 bytes each) before they go to spill files
_SPILL_PARTS = 32  # spill files per table, by bucket range: the final merge holds one in memory
SPILL_PREFIX = "chachong-add-"  # + pid + "-": a folder whose process is gone is stale


def _partitions(buckets: np.ndarray, packed: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(range number, buckets, postings) of each non-empty range of
    :data:`_SPILL_PARTS` consecutive bucket ranges."""
    part = (buckets >> np.uint32(BUCKET_BITS - (_SPILL_PARTS.bit_length() - 1))).astype(np.uint16)
    order = np.argsort(part, kind="stable")  # a radix sort for 16-bit keys
    bounds = np.searchsorted(part[order], np.arange(_SPILL_PARTS + 1))
    for k in range(_SPILL_PARTS):
        if bounds[k + 1] > bounds[k]:
            at = order[bounds[k] : bounds[k + 1]]
            yield k, buckets[at], packed[at]


class PendingPostings:
    """Postings of an add, merged into the bucket tables at the end (or when
    a document added earlier in the same add is replaced).

    Merging touches every bucket the postings fall in, so it is done once per
    add rather than per batch. Past :data:`_SPILL_POSTINGS` the buffer goes to
    temporary files (12 bytes a posting, ~14 KB a summary, in the system's
    temporary folder: ``TMPDIR``), one per range of buckets, and the final
    merge takes one range at a time: memory stays bounded for any number of
    documents. The files are removed when the add ends, however it ends; the
    folder is named with this process's id, so that the folders a killed add
    left behind are deleted when the next add starts.
    """

    def __init__(self) -> None:
        clean_stale_tempdirs(SPILL_PREFIX)  # what an add killed with -9 left behind
        self.memory: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {BANDS: ([], []), GRAMS: ([], [])}
        self.rows = 0
        self.docs: set[int] = set()
        self.spill_dir: str | None = None

    def add(self, doc_id: int, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
        self.docs.add(doc_id)
        self.memory[table][0].append(buckets.astype(np.uint32))
        self.memory[table][1].append(packed)
        self.rows += len(buckets)
        if self.rows >= _SPILL_POSTINGS:
            self._spill()

    def _take(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        buckets, packed = self.memory[table]
        out = (
            np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.uint32),
            np.concatenate(packed) if packed else np.zeros(0, dtype=np.uint64),
        )
        self.memory[table] = ([], [])
        return out

    def _spill(self) -> None:
        try:
            if self.spill_dir is None:
                self.spill_dir = private_tempdir(SPILL_PREFIX)
            for table in self.memory:
                for k, buckets, packed in _partitions(*self._take(table)):
                    with open(self._file(table, k, "b"), "ab") as f:
                        buckets.tofile(f)
                    with open(self._file(table, k, "p"), "ab") as f:
                        packed.astype("<u8", copy=False).tofile(f)
        except OSError as err:
            raise IndexStoreError(
                f"cannot write the temporary files of a large add ({err}); set TMPDIR to a folder with more space"
            ) from err
        self.rows = 0

    def _file(self, table: str, part: int, kind: str) -> str:
        return os.path.join(str(self.spill_dir), f"{table}-{part}.{kind}")

    def chunks(self, table: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The postings of ``table``, one range of buckets at a time."""
        if self.spill_dir is None:
            for _, buckets, packed in _partitions(*self._take(table)):
                yield buckets.astype(np.int64), packed
            return
        if any(self.memory[t][0] for t in self.memory):
            self._spill()
        for k in range(_SPILL_PARTS):
            path = self._file(table, k, "b")
            if os.path.exists(path):
                buckets = np.fromfile(path, dtype=np.uint32).astype(np.int64)
                packed = np.fromfile(self._file(table, k, "p"), dtype="<u8")
                os.remove(path)
                os.remove(self._file(table, k, "p"))
                yield buckets, packed

    def close(self) -> None:
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
            self.spill_dir = None


class BucketTables:
    """Reading and writing the bucket rows of the posting tables of one connection."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self.db = db
        self.path = path

    def read_buckets(self, table: str, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored buckets among ``buckets`` (sorted, unique): (their ids,
        their posting counts, all their postings in bucket order)."""
        rows: list[tuple[int, bytes]] = []
        for lo in range(0, len(buckets), SQL_CHUNK):
            chunk = buckets[lo : lo + SQL_CHUNK].tolist()
            rows += self.db.execute(
                f"SELECT bucket, postings FROM {table} WHERE bucket IN ({','.join('?' * len(chunk))}) ORDER BY bucket",
                chunk,
            ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        ids, blobs = zip(*rows)
        data = b"".join(blobs)
        lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
        if (lengths % 8).any():
            raise IndexCorruptError(f"{self.path}: a {table} row is not a whole number of postings")
        entries = np.frombuffer(data, dtype="<u8").astype(np.uint64, copy=False)  # read-only: nothing writes it
        return np.array(ids, dtype=np.int64), lengths // 8, entries

    def read_postings(self, table: str, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bucket of each posting, posting) of the stored buckets among ``buckets``."""
        ids, counts, packed = self.read_buckets(table, buckets)
        return np.repeat(ids, counts), packed

    def merge(self, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
        """Add postings to their buckets (a posting already there stays once)."""
        if not len(buckets):
            return
        buckets, packed = _sorted_unique(buckets.astype(np.int64, copy=False), packed)
        old_buckets, old_packed = self.read_postings(table, buckets[_runs(buckets)])
        if len(old_buckets):
            buckets, packed = _sorted_unique(
                np.concatenate([old_buckets, buckets]), np.concatenate([old_packed, packed])
            )
        _write_rows(self.db, table, buckets, packed)

    def remove(self, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
        """Take postings out of their buckets; a bucket left empty is deleted."""
        if not len(buckets):
            return
        touched = np.unique(buckets)
        old_buckets, old_packed = self.read_postings(table, touched)
        flag = np.r_[np.zeros(len(old_buckets), dtype=np.int8), np.ones(len(buckets), dtype=np.int8)]
        all_buckets = np.concatenate([old_buckets, buckets])
        all_packed = np.concatenate([old_packed, packed])
        order = np.lexsort((flag, all_packed, all_buckets))
        all_buckets, all_packed, flag = all_buckets[order], all_packed[order], flag[order]
        removed = np.r_[
            (all_buckets[1:] == all_buckets[:-1]) & (all_packed[1:] == all_packed[:-1]) & (flag[1:] == 1), False
        ]
        keep = (flag == 0) & ~removed
        buckets, packed = all_buckets[keep], all_packed[keep]
        emptied = np.setdiff1d(touched, buckets)
        self.db.executemany(f"DELETE FROM {table} WHERE bucket = ?", [(b,) for b in emptied.tolist()])
        _write_rows(self.db, table, buckets, packed)

    def search(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Postings of ``keys`` in their buckets: (all postings read, the
        first index of each key's postings, their number); the postings of
        one key are consecutive."""
        keys = np.asarray(keys, dtype=np.int64)
        buckets, bits = split_keys(keys)
        wanted, slot = np.unique(buckets, return_inverse=True)
        ids, counts, stored = self.read_buckets(table, wanted)
        if not len(stored):
            none = np.zeros(len(keys), dtype=np.int64)
            return stored, none, none
        # (bucket slot, key bits) is sorted: buckets come in order, entries sorted within one
        slots = np.repeat(np.searchsorted(wanted, ids).astype(np.uint64), counts)
        found = slots << np.uint64(32) | (stored >> np.uint64(32))
        queries = slot.reshape(-1).astype(np.uint64) << np.uint64(32) | bits
        lo = np.searchsorted(found, queries, side="left")
        return stored, lo, np.searchsorted(found, queries, side="right") - lo

    def lookup(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Postings of ``keys``: (index into ``keys`` of each, its document id)."""
        stored, lo, counts = self.search(table, keys)
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        which = np.repeat(np.arange(len(counts)), counts)
        at = lo[which] + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, (stored[at] & LOW32).astype(np.int64)
