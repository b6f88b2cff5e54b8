"""The persistent index: one SQLite file, WAL, one transaction per add.

Tables
    meta          key/value: schema version and the fingerprint manifest
    documents     one row per indexed file: path, content hash, metadata,
                  number of MinHash windows, compressed decoded text (see
                  :func:`encode_text`), whole-document signature
    band_buckets  LSH postings (band key, document), one per distinct band
                  key of a document, grouped into buckets
    gram_buckets  winnowed gram postings (gram hash, document), grouped into
                  buckets, and beside each bucket's postings the number of
                  documents of each of its keys: the document frequencies of
                  the stock-phrase model, read without reading the postings

A posting table holds one row per bucket, not per posting: the bucket is the
low :data:`BUCKET_BITS` bits of the 64-bit key, and the row's BLOB is the
sorted array of its postings, each a little-endian uint64 of the next 32 bits
of the key (high half) and the document id (low half). That is
8 bytes a posting instead of the 16 to 18 that a (key, id) row costs in a
b-tree, and an add writes one row per touched bucket instead of one per
posting. A query reads the buckets of its keys only (as many pages as a
per-posting table) and compares keys on their low ``BUCKET_BITS + 32`` = 52
bits: two different 64-bit keys agree there with probability 2^-52, so the
candidates are those of a full-key comparison but for that collision odds
(:class:`~index.memory.MemoryIndex` compares full keys).

A band posting names the document, not the window: a query counts, per
document, the distinct band keys it shares, straight from the postings (no
lookup of windows), as :class:`~index.memory.MemoryIndex` does. The
``counts`` column of ``gram_buckets`` holds, for each distinct key of the
bucket, a uint64 of its 32 key bits (high half) and its number of postings
(low half), sorted: a document-frequency query reads a few bytes per key
there, however many documents share a stock phrase. It comes before the
``postings`` column, so SQLite does not read the postings' overflow pages to
get it.

Nothing is pickled. Removing a document recomputes its fingerprints from its
stored text and deletes exactly those postings, so no secondary index by
document is needed on the posting tables.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from corpus.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from corpus.metadata import DocMeta
from corpus.normalize import Normalized, normalize
from corpus.readers import DecodedDocument
from index.fingerprint import (
    FingerprintParams,
    Fingerprints,
    all_grams,
    distinct_grams_many,
    fingerprint,
    fingerprint_many,
)

SCHEMA_VERSION = "chachong-index-3"
# 2: band postings by window id and a windows table; 1: a b-tree row per posting, UTF-8 text
_SQL_CHUNK = 900  # stay below SQLite's host-parameter limit
_PAGE_SIZE = 4096  # a query reads one page per bucket it hits: larger pages read more

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    encoding TEXT NOT NULL,
    format TEXT NOT NULL,
    chars INTEGER NOT NULL,
    unit TEXT, year INTEGER, submitted TEXT,
    added TEXT NOT NULL,
    windows INTEGER NOT NULL,
    signature BLOB NOT NULL,
    text BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS band_buckets (bucket INTEGER PRIMARY KEY, postings BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS gram_buckets (
    bucket INTEGER PRIMARY KEY,
    counts BLOB NOT NULL,
    postings BLOB NOT NULL
);
"""

BANDS, GRAMS = "band_buckets", "gram_buckets"

# -- document text -----------------------------------------------------------------

_TEXT_CODECS = {b"g": ("gb18030", "strict"), b"u": ("utf-8", "surrogatepass")}


def encode_text(text: str) -> bytes:
    """The stored form of a document's text: a codec tag and zlib.

    GB18030 takes two bytes for a Chinese character where UTF-8 takes
    three, and stays 14% smaller after zlib. It encodes every Unicode
    scalar value; the round trip is checked anyway, and text it would not
    give back exactly is stored as UTF-8.
    """
    try:
        raw = text.encode("gb18030")
        if raw.decode("gb18030") == text:
            return b"g" + zlib.compress(raw, 6)
    except UnicodeError:
        pass
    return b"u" + zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def decode_text(blob: bytes) -> str:
    """The text :func:`encode_text` stored."""
    codec = _TEXT_CODECS.get(bytes(blob[:1]))
    if codec is None:
        raise IndexCorruptError(f"stored text with an unknown codec tag {bytes(blob[:1])!r}")
    try:
        return zlib.decompress(blob[1:]).decode(*codec)
    except (zlib.error, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"stored text cannot be decoded ({err})") from err


# -- postings ------------------------------------------------------------------------

BUCKET_BITS = 20  # 1,048,576 buckets: ~75 band postings (600 bytes) each at 100,000 summaries
_BUCKET_MASK = np.uint64((1 << BUCKET_BITS) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)
_MAX_REF = (1 << 32) - 1


def split_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, key bits stored in the bucket) of int64 keys.

    The bucket comes from the low bits: winnowing keeps the smallest gram
    hashes, so their high bits are far from uniform, their low bits are.
    """
    u = np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64)
    return (u & _BUCKET_MASK).astype(np.int64), (u >> np.uint64(BUCKET_BITS)) & _LOW32


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


def key_counts(buckets: np.ndarray, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, count entry) of each distinct key of unique postings sorted
    by (bucket, posting): the entry is the key's 32 bits (high half) and its
    number of postings, i.e. of documents (low half)."""
    if not len(buckets):
        return buckets, np.zeros(0, dtype=np.uint64)
    bits = packed >> np.uint64(32)
    firsts = np.flatnonzero(np.r_[True, (buckets[1:] != buckets[:-1]) | (bits[1:] != bits[:-1])])
    counts = np.diff(np.r_[firsts, len(buckets)]).astype(np.uint64)
    return buckets[firsts], (bits[firsts] << np.uint64(32)) | counts


def _gram_rows(buckets: np.ndarray, packed: np.ndarray) -> Iterator[tuple[int, bytes, bytes]]:
    """(bucket, counts BLOB, postings BLOB) rows of unique gram postings
    sorted by (bucket, posting)."""
    count_buckets, entries = key_counts(buckets, packed)
    if not len(count_buckets):
        return
    starts = _runs(count_buckets)
    ends = np.r_[starts[1:], len(count_buckets)] * 8
    data = entries.astype("<u8", copy=False).tobytes()
    for (b, blob), s, e in zip(_bucket_rows(buckets, packed), (starts * 8).tolist(), ends.tolist()):
        yield b, data[s:e], blob


def _write_rows(db: sqlite3.Connection, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
    """Write the bucket rows of ``table`` holding exactly these postings
    (unique, sorted by (bucket, posting)), replacing the rows there."""
    if table == GRAMS:
        db.executemany(
            f"INSERT OR REPLACE INTO {GRAMS}(bucket, counts, postings) VALUES (?, ?, ?)", _gram_rows(buckets, packed)
        )
    else:
        db.executemany(f"INSERT OR REPLACE INTO {table}(bucket, postings) VALUES (?, ?)", _bucket_rows(buckets, packed))


_SPILL_POSTINGS = 8_000_000  # buffered postings (12 bytes each) before they go to spill files
_SPILL_PARTS = 32  # spill files per table, by bucket range: the final merge holds one in memory


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


class _PendingPostings:
    """Postings of an add, merged into the bucket tables at the end (or when
    a document added earlier in the same add is replaced).

    Merging touches every bucket the postings fall in, so it is done once per
    add rather than per batch. Past :data:`_SPILL_POSTINGS` the buffer goes to
    temporary files (12 bytes a posting, ~14 KB a summary, in the system's
    temporary folder: ``TMPDIR``), one per range of buckets, and the final
    merge takes one range at a time: memory stays bounded for any number of
    documents. The files are removed when the add ends, however it ends.
    """

    def __init__(self) -> None:
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
                self.spill_dir = tempfile.mkdtemp(prefix="chachong-add-")
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


@dataclass(frozen=True)
class PreparedDocument:
    """A decoded document with its fingerprints, ready to store or query."""

    decoded: DecodedDocument
    meta: DocMeta
    fingerprints: Fingerprints
    gram_set: np.ndarray | None = None  # every distinct gram, for exact in-memory frequencies
    normalized: Normalized | None = None  # kept on request, so a bulk run normalizes each document once


@dataclass(frozen=True)
class StoredDocument:
    id: int
    path: str
    sha256: str
    encoding: str
    chars: int
    meta: DocMeta
    text: str


@dataclass(frozen=True)
class AddOutcome:
    added: list[str]
    replaced: list[str]
    unchanged: list[str]


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
    firsts = _runs(values)
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
    documents: Sequence[tuple[DecodedDocument, DocMeta]],
    params: FingerprintParams,
    *,
    gram_set: bool = False,
    keep_normalized: bool = False,
) -> list[PreparedDocument]:
    """:func:`prepare` for many documents with one batched fingerprint pass."""
    normalized = [normalize(decoded.text) for decoded, _ in documents]
    streams = [n.text for n in normalized]
    fingerprints = fingerprint_many(streams, params)
    gram_sets: list[np.ndarray | None] = distinct_grams_many(streams, params) if gram_set else [None] * len(streams)
    return [
        PreparedDocument(decoded, meta, fp, grams, norm if keep_normalized else None)
        for (decoded, meta), fp, grams, norm in zip(documents, fingerprints, gram_sets, normalized)
    ]


def prepare(
    decoded: DecodedDocument, meta: DocMeta, params: FingerprintParams, *, gram_set: bool = False
) -> PreparedDocument:
    """Fingerprint a document; ``gram_set`` also keeps all its distinct grams
    (an in-memory corpus counts exact document frequencies from them)."""
    normalized = normalize(decoded.text)
    grams = np.unique(all_grams(normalized.text, params)) if gram_set else None
    return PreparedDocument(decoded, meta, fingerprint(normalized, params), grams)


class IndexStore:
    """A chachong index in one SQLite file (``:memory:`` for a temporary one)."""

    def __init__(self, path: str | Path, params: FingerprintParams | None = None, *, create: bool = True) -> None:
        self.path = str(path)
        self._pending: _PendingPostings | None = None
        if self.path != ":memory:":
            target = Path(self.path)
            if not target.exists() and not create:
                raise IndexStoreError(f"{self.path}: no index here (build one with `chachong index add`)")
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute(f"PRAGMA page_size={_PAGE_SIZE}")  # takes effect on a new file only
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache: bulk adds touch many b-tree pages
            self.db.execute("PRAGMA temp_store=MEMORY")
            self.params = self._open_or_init(params)
        except sqlite3.DatabaseError as err:
            raise IndexCorruptError(f"{self.path}: not a chachong index ({err})") from err

    # -- setup ---------------------------------------------------------------

    def _open_or_init(self, params: FingerprintParams | None) -> FingerprintParams:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables:
                raise IndexCorruptError(f"{self.path}: an SQLite file, but not a chachong index")
            params = params or FingerprintParams()
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [("schema", SCHEMA_VERSION), ("fingerprint", params.manifest_json())],
                )
            return params
        stored = dict(self.db.execute("SELECT key, value FROM meta"))
        if stored.get("schema") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"{self.path}: this index has the storage format {stored.get('schema')!r} of another chachong"
                f" version; this one reads {SCHEMA_VERSION!r} only. Rebuild the index: delete {self.path}"
                " and run `chachong index add` on the documents again"
            )
        manifest = json.loads(stored["fingerprint"])
        stored_params = FingerprintParams.from_manifest(manifest)
        if stored_params.manifest() != manifest:  # same parameters, but hashed or normalized differently
            raise IndexMismatchError(_rebuild_message(self.path, manifest, stored_params.manifest()))
        if params is not None and params.manifest() != manifest:
            raise IndexMismatchError(_mismatch_message(self.path, manifest, params.manifest()))
        return stored_params

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: an exception (or Ctrl-C) rolls everything back."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------

    def add(self, documents: Iterable[PreparedDocument]) -> AddOutcome:
        """Add or replace documents in one transaction.

        A path already indexed with the same content hash is left alone; with
        another hash its old rows are replaced.
        """
        added: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        self._pending = _PendingPostings()
        try:
            with self.transaction():
                for doc in documents:
                    existing = self.db.execute(
                        "SELECT id, sha256 FROM documents WHERE path = ?", (doc.decoded.path,)
                    ).fetchone()
                    if existing and existing[1] == doc.decoded.sha256:
                        unchanged.append(doc.decoded.path)
                        continue
                    if existing:
                        self._delete([existing[0]])
                        replaced.append(doc.decoded.path)
                    else:
                        added.append(doc.decoded.path)
                    self._insert(doc)
                self._flush()
        finally:
            self._pending.close()
            self._pending = None
        return AddOutcome(added, replaced, unchanged)

    def _flush(self) -> None:
        """Merge the postings buffered by this add into their buckets."""
        pending = self._pending
        if pending is None:
            return
        for table in (BANDS, GRAMS):
            for buckets, packed in pending.chunks(table):
                self._merge_postings(table, buckets, packed)
        pending.rows = 0
        pending.docs.clear()

    def known_hash(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM documents WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def _insert(self, doc: PreparedDocument) -> int:
        d, fp = doc.decoded, doc.fingerprints
        cur = self.db.execute(
            "INSERT INTO documents(path, sha256, encoding, format, chars, unit, year, submitted, added, windows,"
            " signature, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.path,
                d.sha256,
                d.encoding,
                d.format,
                len(d.text),
                doc.meta.unit,
                doc.meta.year,
                doc.meta.submitted,
                datetime.now(UTC).isoformat(timespec="seconds"),
                len(fp.window_bands),
                fp.signature.astype("<u4").tobytes(),
                encode_text(d.text),
            ),
        )
        doc_id = int(cur.lastrowid)
        pending = self._pending
        if pending is None:
            raise IndexStoreError("documents are inserted inside IndexStore.add only")
        for table, (buckets, packed) in document_postings(fp, doc_id).items():
            pending.add(doc_id, table, buckets, packed)
        return doc_id

    def remove(self, paths: Sequence[str]) -> list[str]:
        """Remove documents by indexed path; return the paths that were there."""
        removed, ids = [], []
        with self.transaction():
            for path in paths:
                row = self.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
                if row and row[0] not in ids:
                    ids.append(row[0])
                    removed.append(path)
            self._delete(ids)
        return removed

    def _delete(self, doc_ids: Sequence[int]) -> None:
        """Delete documents with their postings."""
        if self._pending is not None and self._pending.docs.intersection(doc_ids):
            self._flush()  # added earlier in this add: its postings must be in the buckets to go
        parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {BANDS: [], GRAMS: []}
        for doc_id in doc_ids:
            fp = fingerprint(normalize(self.document(doc_id).text), self.params)
            for table, posted in document_postings(fp, doc_id).items():
                parts[table].append(posted)
            self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        for table, posted in parts.items():
            if posted:
                self._remove_postings(
                    table, np.concatenate([b for b, _ in posted]), np.concatenate([p for _, p in posted])
                )

    # -- bucket tables -------------------------------------------------------------

    def _read_buckets(
        self, table: str, buckets: np.ndarray, column: str = "postings"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored buckets among ``buckets`` (sorted, unique): (their ids,
        their entry counts, all their entries in bucket order); the entries
        are the postings, or with ``column="counts"`` the key counts of
        ``gram_buckets``."""
        if column not in ("postings", "counts"):
            raise ValueError(f"not a bucket column: {column!r}")
        rows: list[tuple[int, bytes]] = []
        for lo in range(0, len(buckets), _SQL_CHUNK):
            chunk = buckets[lo : lo + _SQL_CHUNK].tolist()
            rows += self.db.execute(
                f"SELECT bucket, {column} FROM {table} WHERE bucket IN ({','.join('?' * len(chunk))}) ORDER BY bucket",
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

    def _read_postings(self, table: str, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bucket of each posting, posting) of the stored buckets among ``buckets``."""
        ids, counts, packed = self._read_buckets(table, buckets)
        return np.repeat(ids, counts), packed

    def _merge_postings(self, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
        """Add postings to their buckets (a posting already there stays once)."""
        if not len(buckets):
            return
        buckets, packed = _sorted_unique(buckets.astype(np.int64, copy=False), packed)
        old_buckets, old_packed = self._read_postings(table, buckets[_runs(buckets)])
        if len(old_buckets):
            buckets, packed = _sorted_unique(
                np.concatenate([old_buckets, buckets]), np.concatenate([old_packed, packed])
            )
        _write_rows(self.db, table, buckets, packed)

    def _remove_postings(self, table: str, buckets: np.ndarray, packed: np.ndarray) -> None:
        """Take postings out of their buckets; a bucket left empty is deleted."""
        if not len(buckets):
            return
        touched = np.unique(buckets)
        old_buckets, old_packed = self._read_postings(table, touched)
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

    def _search(self, table: str, keys: np.ndarray, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entries of ``keys`` in their buckets' ``column``: (all entries read,
        the first index of each key's entries, their number); the entries of
        one key are consecutive."""
        keys = np.asarray(keys, dtype=np.int64)
        buckets, bits = split_keys(keys)
        wanted, slot = np.unique(buckets, return_inverse=True)
        ids, counts, stored = self._read_buckets(table, wanted, column)
        if not len(stored):
            none = np.zeros(len(keys), dtype=np.int64)
            return stored, none, none
        # (bucket slot, key bits) is sorted: buckets come in order, entries sorted within one
        slots = np.repeat(np.searchsorted(wanted, ids).astype(np.uint64), counts)
        found = slots << np.uint64(32) | (stored >> np.uint64(32))
        queries = slot.reshape(-1).astype(np.uint64) << np.uint64(32) | bits
        lo = np.searchsorted(found, queries, side="left")
        return stored, lo, np.searchsorted(found, queries, side="right") - lo

    def _lookup(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Postings of ``keys``: (index into ``keys`` of each, its document id)."""
        stored, lo, counts = self._search(table, keys, "postings")
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        which = np.repeat(np.arange(len(counts)), counts)
        at = lo[which] + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, (stored[at] & _LOW32).astype(np.int64)

    # -- reading -------------------------------------------------------------

    exact_frequencies = False  # frequencies count winnowed grams only

    def document_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def document(self, doc_id: int) -> StoredDocument:
        row = self.db.execute(
            "SELECT id, path, sha256, encoding, chars, unit, year, submitted, text FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise IndexStoreError(f"{self.path}: no document with id {doc_id}")
        return StoredDocument(
            id=row[0],
            path=row[1],
            sha256=row[2],
            encoding=row[3],
            chars=row[4],
            meta=DocMeta(row[5], row[6], row[7]),
            text=decode_text(row[8]),
        )

    def document_id(self, path: str) -> int | None:
        row = self.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        return int(row[0]) if row else None

    def documents_with_hash(self, sha256: str) -> list[tuple[int, str]]:
        return [(int(i), p) for i, p in self.db.execute("SELECT id, path FROM documents WHERE sha256 = ?", (sha256,))]

    def paths(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM documents ORDER BY path")]

    def signatures(self) -> tuple[list[int], np.ndarray]:
        """All document ids and their signatures as one (N, num_perm) matrix."""
        ids, blobs = [], []
        for doc_id, blob in self.db.execute("SELECT id, signature FROM documents ORDER BY id"):
            ids.append(int(doc_id))
            blobs.append(blob)
        matrix = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(ids), self.params.num_perm)
        return ids, matrix

    def candidates(
        self,
        fp: Fingerprints,
        *,
        stock: Collection[int] | np.ndarray | None = None,
        exclude: Iterable[int] = (),
        limit: int = 50,
    ) -> list[Candidate]:
        """Documents sharing an LSH band key or a gram not in ``stock`` with
        ``fp``, best first: the ``limit`` highest :attr:`Candidate.score`,
        ties by document id. ``band_hits`` counts the distinct band keys a
        document shares, ``gram_hits`` the distinct grams.

        The cost is that of the postings read (those of the query's keys) and
        of the documents they name, not the size of the corpus; only the
        winners become Python objects.
        """
        _, band_docs = self._lookup(BANDS, np.unique(np.asarray(fp.window_bands, dtype=np.int64).ravel()))
        grams = np.unique(np.asarray(fp.grams, dtype=np.int64))
        if stock is not None and len(stock):
            if not isinstance(stock, np.ndarray):
                stock = np.fromiter(stock, dtype=np.int64, count=len(stock))
            grams = grams[~np.isin(grams, stock)]
        _, gram_docs = self._lookup(GRAMS, grams)
        return top_candidates(*hit_counts(band_docs, gram_docs), exclude=exclude, limit=limit)

    def gram_frequencies(self, grams: np.ndarray) -> dict[int, int]:
        """Document frequency of each gram hash found in the index."""
        queries = np.unique(np.asarray(grams, dtype=np.int64))
        counts = self.document_frequencies(queries)
        found = counts > 0
        return dict(zip(queries[found].tolist(), counts[found].tolist()))

    def document_frequencies(self, queries: np.ndarray) -> np.ndarray:
        """Documents holding each of ``queries`` (gram hashes), over the
        winnowed postings; 0 for a gram not in the index. Read from the
        buckets' key counts: a few bytes a key, however many documents
        share it."""
        stored, lo, found = self._search(GRAMS, queries, "counts")
        frequencies = np.zeros(len(found), dtype=np.int64)
        hit = found > 0  # one counts entry per distinct key of a bucket
        frequencies[hit] = (stored[lo[hit]] & _LOW32).astype(np.int64)
        return frequencies

    def common_grams(self, grams: np.ndarray, min_docs: int) -> set[int]:
        """The grams among ``grams`` found in at least ``min_docs`` documents."""
        return {h for h, c in self.gram_frequencies(grams).items() if c >= min_docs}

    def stats(self) -> dict[str, object]:
        size = Path(self.path).stat().st_size if self.path != ":memory:" else 0
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(chars), 0), MIN(added), MAX(added), COALESCE(SUM(windows), 0) FROM documents"
        ).fetchone()
        return {
            "path": self.path,
            "documents": int(row[0]),
            "chars": int(row[1]),
            "first_added": row[2],
            "last_added": row[3],
            "windows": int(row[4]),
            "band_rows": self.posting_count(BANDS),
            "gram_rows": self.posting_count(GRAMS),
            "file_bytes": size,
            "fingerprint": self.params.manifest(),
        }

    def posting_count(self, table: str) -> int:
        """Postings in ``band_buckets`` or ``gram_buckets``."""
        if table not in (BANDS, GRAMS):
            raise ValueError(f"not a posting table: {table!r}")
        return int(self.db.execute(f"SELECT COALESCE(SUM(length(postings)), 0) FROM {table}").fetchone()[0]) // 8


def _manifest_diffs(stored: dict[str, object], wanted: dict[str, object], wanted_name: str) -> str:
    return "; ".join(
        f"{k}: index has {stored.get(k)!r}, {wanted_name} {wanted.get(k)!r}"
        for k in sorted(wanted)
        if stored.get(k) != wanted.get(k)
    )


def _mismatch_message(path: str, stored: dict[str, object], wanted: dict[str, object]) -> str:
    diffs = _manifest_diffs(stored, wanted, "asked for")
    return (
        f"{path}: index was built with other fingerprint parameters ({diffs}); use a new --index or the same settings"
    )


def _rebuild_message(path: str, stored: dict[str, object], current: dict[str, object]) -> str:
    diffs = _manifest_diffs(stored, current, "this chachong")
    return (
        f"{path}: index was fingerprinted by another chachong version ({diffs}). Rebuild the index:"
        " delete it and run `chachong index add` on the documents again"
    )
