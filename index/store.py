"""The persistent index: one SQLite file, WAL, one transaction per add.

Tables
    meta       key/value: schema version and the fingerprint manifest
    documents  one row per indexed file: path, content hash, metadata,
               zlib-compressed decoded text, whole-document signature
    windows    stream ranges of each document's MinHash windows
    bands      (key, window): LSH buckets, addressable by key, so a query
               reads only the buckets it hits (no in-memory LSH to rebuild)
    grams      (hash, doc): winnowed gram postings; their counts are the
               document frequencies of the stock-phrase model

Nothing is pickled. Removing a document recomputes its fingerprints from its
stored text and deletes exactly those rows, so no secondary index by document
is needed on the two big tables.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from corpus.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from corpus.metadata import DocMeta
from corpus.normalize import normalize
from corpus.readers import DecodedDocument
from index.fingerprint import (
    FingerprintParams,
    Fingerprints,
    all_grams,
    distinct_grams_many,
    fingerprint,
    fingerprint_many,
)

SCHEMA_VERSION = "chachong-index-1"
_SQL_CHUNK = 900  # stay below SQLite's host-parameter limit

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
    signature BLOB NOT NULL,
    text BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS windows (
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS windows_doc ON windows(doc);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, window INTEGER NOT NULL, PRIMARY KEY (key, window)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grams (hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc)) WITHOUT ROWID;
"""


_FLUSH_ROWS = 500_000  # buffered band + gram rows before a sorted bulk insert


class _PendingRows:
    """Band and gram rows of an add, buffered to be inserted in key order."""

    def __init__(self) -> None:
        self.bands: list[np.ndarray] = []
        self.grams: list[np.ndarray] = []
        self.rows = 0

    def add(self, bands: np.ndarray, grams: np.ndarray, doc_id: int) -> None:
        self.bands.append(bands)
        self.grams.append(np.stack([grams, np.full(len(grams), doc_id, dtype=np.int64)], axis=1))
        self.rows += len(bands) + len(grams)

    def size(self) -> int:
        return self.rows

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        bands = np.concatenate(self.bands) if self.bands else np.zeros((0, 2), dtype=np.int64)
        grams = np.concatenate(self.grams) if self.grams else np.zeros((0, 2), dtype=np.int64)
        self.__init__()
        return bands[np.lexsort((bands[:, 1], bands[:, 0]))], grams[np.lexsort((grams[:, 1], grams[:, 0]))]


@dataclass(frozen=True)
class PreparedDocument:
    """A decoded document with its fingerprints, ready to store or query."""

    decoded: DecodedDocument
    meta: DocMeta
    fingerprints: Fingerprints
    gram_set: np.ndarray | None = None  # every distinct gram, for exact in-memory frequencies


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


def prepare_many(
    documents: Sequence[tuple[DecodedDocument, DocMeta]], params: FingerprintParams, *, gram_set: bool = False
) -> list[PreparedDocument]:
    """:func:`prepare` for many documents with one batched fingerprint pass."""
    streams = [normalize(decoded.text).text for decoded, _ in documents]
    fingerprints = fingerprint_many(streams, params)
    gram_sets: list[np.ndarray | None] = distinct_grams_many(streams, params) if gram_set else [None] * len(streams)
    return [
        PreparedDocument(decoded, meta, fp, grams)
        for (decoded, meta), fp, grams in zip(documents, fingerprints, gram_sets)
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
        if self.path != ":memory:":
            target = Path(self.path)
            if not target.exists() and not create:
                raise IndexStoreError(f"{self.path}: no index here (build one with `chachong index add`)")
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
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
                f"{self.path}: index schema {stored.get('schema')!r}, this chachong reads {SCHEMA_VERSION!r}; rebuild the index"
            )
        manifest = json.loads(stored["fingerprint"])
        stored_params = FingerprintParams.from_manifest(manifest)
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
        self._pending = _PendingRows()
        with self.transaction():
            for doc in documents:
                existing = self.db.execute(
                    "SELECT id, sha256 FROM documents WHERE path = ?", (doc.decoded.path,)
                ).fetchone()
                if existing and existing[1] == doc.decoded.sha256:
                    unchanged.append(doc.decoded.path)
                    continue
                if existing:
                    self._flush()  # rows of this add must be in the tables before any delete
                    self._delete(existing[0])
                    replaced.append(doc.decoded.path)
                else:
                    added.append(doc.decoded.path)
                self._insert(doc)
                if self._pending.size() >= _FLUSH_ROWS:
                    self._flush()
            self._flush()
        return AddOutcome(added, replaced, unchanged)

    def _flush(self) -> None:
        """Write the buffered LSH and gram rows sorted by key: in-order b-tree
        inserts are several times faster than random ones."""
        bands, grams = self._pending.take()
        if len(bands):
            self.db.executemany("INSERT OR IGNORE INTO bands(key, window) VALUES (?, ?)", bands.tolist())
        if len(grams):
            self.db.executemany("INSERT OR IGNORE INTO grams(hash, doc) VALUES (?, ?)", grams.tolist())

    def known_hash(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM documents WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def _insert(self, doc: PreparedDocument) -> int:
        d, fp = doc.decoded, doc.fingerprints
        cur = self.db.execute(
            "INSERT INTO documents(path, sha256, encoding, format, chars, unit, year, submitted, added, signature, text)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                fp.signature.astype("<u4").tobytes(),
                zlib.compress(d.text.encode("utf-8"), 6),
            ),
        )
        doc_id = int(cur.lastrowid)
        window_rows = [(doc_id, int(s), int(e)) for s, e in fp.window_ranges.tolist()]
        first = self._insert_windows(window_rows)
        windows = np.repeat(np.arange(first, first + len(window_rows), dtype=np.int64), fp.window_bands.shape[1])
        self._pending.add(np.stack([fp.window_bands.ravel(), windows], axis=1), fp.grams, doc_id)
        return doc_id

    def _insert_windows(self, rows: list[tuple[int, int, int]]) -> int:
        """Insert windows with consecutive ids; return the first id."""
        first = int(self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM windows").fetchone()[0])
        self.db.executemany(
            "INSERT INTO windows(id, doc, start, end) VALUES (?,?,?,?)",
            [(first + i, *row) for i, row in enumerate(rows)],
        )
        return first

    def remove(self, paths: Sequence[str]) -> list[str]:
        """Remove documents by indexed path; return the paths that were there."""
        removed = []
        with self.transaction():
            for path in paths:
                row = self.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
                if row:
                    self._delete(row[0])
                    removed.append(path)
        return removed

    def _delete(self, doc_id: int) -> None:
        stored = self.document(doc_id)
        fp = fingerprint(normalize(stored.text), self.params)
        windows = [r[0] for r in self.db.execute("SELECT id FROM windows WHERE doc = ? ORDER BY id", (doc_id,))]
        self.db.executemany(
            "DELETE FROM bands WHERE key = ? AND window = ?",
            [(int(k), w) for w, keys in zip(windows, fp.window_bands) for k in keys],
        )
        self.db.executemany("DELETE FROM grams WHERE hash = ? AND doc = ?", [(int(h), doc_id) for h in fp.grams])
        self.db.execute("DELETE FROM windows WHERE doc = ?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

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
            text=zlib.decompress(row[8]).decode("utf-8"),
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
        self, fp: Fingerprints, *, stock: set[int] = frozenset(), exclude: Iterable[int] = (), limit: int = 50
    ) -> list[Candidate]:
        """Documents sharing an LSH bucket or a gram not in ``stock`` with ``fp``.

        Ranked by evidence; the cost depends on the buckets and postings hit,
        not on the size of the corpus.
        """
        excluded = set(exclude)
        band_hits: dict[int, int] = {}
        for rows in self._select_in(
            "SELECT w.doc, COUNT(DISTINCT b.window) FROM bands b JOIN windows w ON w.id = b.window"
            " WHERE b.key IN ({}) GROUP BY w.doc",
            fp.window_bands.ravel(),
        ):
            for doc, hits in rows:
                band_hits[doc] = band_hits.get(doc, 0) + int(hits)
        gram_hits: dict[int, int] = {}
        for rows in self._select_in(
            "SELECT doc, COUNT(*) FROM grams WHERE hash IN ({}) GROUP BY doc",
            np.array([g for g in fp.grams if int(g) not in stock], dtype=np.int64),
        ):
            for doc, hits in rows:
                gram_hits[doc] = gram_hits.get(doc, 0) + int(hits)
        found = [
            Candidate(doc, band_hits.get(doc, 0), gram_hits.get(doc, 0))
            for doc in sorted(set(band_hits) | set(gram_hits))
            if doc not in excluded
        ]
        found.sort(key=lambda c: (-c.score, c.doc_id))
        return found[:limit]

    def gram_frequencies(self, grams: np.ndarray) -> dict[int, int]:
        """Document frequency of each gram hash in the index."""
        counts: dict[int, int] = {}
        for rows in self._select_in("SELECT hash, COUNT(*) FROM grams WHERE hash IN ({}) GROUP BY hash", grams):
            counts.update((int(h), int(c)) for h, c in rows)
        return counts

    def common_grams(self, grams: np.ndarray, min_docs: int) -> set[int]:
        """The grams among ``grams`` found in at least ``min_docs`` documents."""
        return {h for h, c in self.gram_frequencies(grams).items() if c >= min_docs}

    def _select_in(self, sql: str, values: np.ndarray) -> Iterator[list[tuple[int, int]]]:
        unique = np.unique(np.asarray(values, dtype=np.int64))
        for lo in range(0, len(unique), _SQL_CHUNK):
            chunk = [int(v) for v in unique[lo : lo + _SQL_CHUNK]]
            yield self.db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()

    def stats(self) -> dict[str, object]:
        size = Path(self.path).stat().st_size if self.path != ":memory:" else 0
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(chars), 0), MIN(added), MAX(added) FROM documents"
        ).fetchone()
        return {
            "path": self.path,
            "documents": int(row[0]),
            "chars": int(row[1]),
            "first_added": row[2],
            "last_added": row[3],
            "windows": int(self.db.execute("SELECT COUNT(*) FROM windows").fetchone()[0]),
            "band_rows": int(self.db.execute("SELECT COUNT(*) FROM bands").fetchone()[0]),
            "gram_rows": int(self.db.execute("SELECT COUNT(*) FROM grams").fetchone()[0]),
            "file_bytes": size,
            "fingerprint": self.params.manifest(),
        }


def _mismatch_message(path: str, stored: dict[str, object], wanted: dict[str, object]) -> str:
    diffs = [
        f"{k}: index has {stored.get(k)!r}, asked for {wanted.get(k)!r}"
        for k in sorted(wanted)
        if stored.get(k) != wanted.get(k)
    ]
    return f"{path}: index was built with other fingerprint parameters ({'; '.join(diffs)}); use a new --index or the same settings"
