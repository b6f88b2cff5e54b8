"""The persistent index: one SQLite file, WAL, one transaction per add.

Tables
    meta          key/value: schema version and the fingerprint manifest
    documents     one row per indexed file: path, content hash, metadata,
                  number of MinHash windows, compressed decoded text (see
                  :func:`~index.sqlite.textcodec.encode_text`), whole-document signature
    band_buckets  LSH postings (band key, document), one per distinct band
                  key of a document, grouped into buckets
    gram_buckets  winnowed gram postings (gram hash, document), grouped into
                  buckets, and beside each bucket's postings the number of
                  documents of each of its keys: the document frequencies of
                  the stock-phrase model, read without reading the postings

A posting table holds one row per bucket, not per posting: the bucket is the low
:data:`~index.sqlite.postings.BUCKET_BITS` bits of the 64-bit key, and the row's BLOB is
the sorted array of its postings, each a little-endian uint64 of the next 32 bits of the
key (high half) and the document id (low half). That is 8 bytes a posting instead of the
16 to 18 that a (key, id) row costs in a b-tree, and an add writes one row per touched
bucket instead of one per posting. A query reads the buckets of its keys only (as many
pages as a per-posting table) and compares keys on their low ``BUCKET_BITS + 32`` = 52
bits: two different 64-bit keys agree there with probability 2^-52, so the candidates
are those of a full-key comparison but for that collision odds
(:class:`~index.memory.MemoryIndex` compares full keys).

A band posting names the document, not the window: a query counts, per document, the
distinct band keys it shares, straight from the postings (no lookup of windows), as
:class:`~index.memory.MemoryIndex` does. The ``counts`` column of ``gram_buckets``
holds, for each distinct key of the bucket, a uint64 of its 32 key bits (high half) and
its number of postings (low half), sorted: a document-frequency query reads a few bytes
per key there, however many documents share a stock phrase. It comes before the
``postings`` column, so SQLite does not read the postings' overflow pages to get it.

Nothing is pickled. Removing a document recomputes its fingerprints from its stored text
and deletes exactly those postings, so no secondary index by document is needed on the
posting tables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from corpus.document import INDEXED, DocMeta, Document, is_fanwen
from corpus.errors import ConfigError
from corpus.normalize import normalize
from index.corpus import (
    Candidate,
    DocumentIdentity,
    Fingerprinted,
    KeyCap,
    QueryKeys,
    SampleMember,
    hit_counts,
    hits_of,
    precedence,
    sample_rank,
    top_candidates,
)
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.fingerprint import FingerprintParams, fingerprint
from index.pool import CandidatePool
from index.sqlite.failures import is_busy, store_error, translated
from index.sqlite.postings import BANDS, GRAMS, SQL_CHUNK, BucketTables, PendingPostings, document_postings
from index.sqlite.sample import SCHEMA as SAMPLE_SCHEMA
from index.sqlite.sample import read_sample, refresh_sample
from index.sqlite.textcodec import decode_text, encode_text

SCHEMA_VERSION = "chachong-index-4"
# 3: gram key counts beside the postings and no sample; 2: band postings by window id and a windows table;
# 1: a b-tree row per posting, UTF-8 text
_PAGE_SIZE = 4096  # a query reads one page per bucket it hits: larger pages read more

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL,
    rank INTEGER NOT NULL,
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
CREATE INDEX IF NOT EXISTS documents_key ON documents(key);
CREATE INDEX IF NOT EXISTS documents_rank ON documents(rank, key);
CREATE TABLE IF NOT EXISTS band_buckets (bucket INTEGER PRIMARY KEY, postings BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS gram_buckets (bucket INTEGER PRIMARY KEY, postings BLOB NOT NULL);
"""
    + SAMPLE_SCHEMA
)
_NOTE = "note:"  # meta keys of the texts callers keep with the index (read_note)
#: Seconds a writer waits for another process writing the same index (an add holds it to the end).
BUSY_TIMEOUT = 300.0


@dataclass(frozen=True)
class AddOutcome:
    added: list[str]
    replaced: list[str]
    unchanged: list[str]


class IndexStore:
    """A chachong index in one SQLite file (``:memory:`` for a temporary one)."""

    def __init__(
        self,
        path: str | Path,
        params: FingerprintParams | None = None,
        *,
        create: bool = True,
        role: str = INDEXED,
        busy_timeout: float = BUSY_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """``role`` is that of every document it gives (INDEXED, or SUBMISSION
        for the gate's folder); ``on_wait`` hears a message when a write has
        to wait for another process."""
        self.path = str(path)
        self.role = role
        self.busy_timeout = busy_timeout
        self.on_wait = on_wait
        self._pending: PendingPostings | None = None
        if self.path != ":memory:":
            target = Path(self.path)
            if not target.exists() and not create:
                raise IndexStoreError(f"{self.path}: no index here (build one with `chachong index add`)")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise IndexStoreError(f"{self.path}: cannot make its folder ({err.strerror or err})") from None
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout)
            self.db.execute(f"PRAGMA page_size={_PAGE_SIZE}")  # takes effect on a new file only
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache: bulk adds touch many b-tree pages
            self.db.execute("PRAGMA temp_store=MEMORY")
            self.buckets = BucketTables(self.db, self.path)
            self.params = self._open_or_init(params)
        except sqlite3.Error as err:
            raise store_error(self.path, err, busy_timeout=busy_timeout) from None

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
        try:
            manifest = json.loads(stored["fingerprint"])
            stored_params = FingerprintParams.from_manifest(manifest)
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError, ConfigError) as err:
            raise IndexCorruptError(
                f"{self.path}: the index's fingerprint parameters are damaged ({type(err).__name__}: {err}); "
                "rebuild the index: delete it and run `chachong index add` again"
            ) from None
        if stored_params.manifest() != manifest:  # same parameters, but hashed or normalized differently
            raise IndexMismatchError(_rebuild_message(self.path, manifest, stored_params.manifest()))
        if params is not None and params.manifest() != manifest:
            raise IndexMismatchError(_mismatch_message(self.path, manifest, params.manifest()))
        return stored_params

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: an exception (or Ctrl-C) rolls everything back."""
        self._begin()
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SQLite may have rolled back by itself (a full disk)
                self.db.execute("ROLLBACK")
            raise

    def _begin(self) -> None:
        """BEGIN IMMEDIATE; when another process is writing, say so, then wait for it."""
        if self.on_wait is None:
            self.db.execute("BEGIN IMMEDIATE")
            return
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if not is_busy(err):
                raise
            self.on_wait(f"{self.path}: another process is writing this index; waiting up to {self.busy_timeout:g} s")
            self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self.db.execute("BEGIN IMMEDIATE")
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------

    def add(self, documents: Iterable[Fingerprinted]) -> AddOutcome:
        """Add or replace documents in one transaction.

        A document already indexed (the same canonical path, however it is
        spelled) with the same content hash is left alone; with another hash
        its old rows are replaced.
        """
        added: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        self._pending = PendingPostings()
        try:
            with self.transaction():
                for doc in documents:
                    existing = self._existing(doc.document.identity)
                    if existing and existing[1] == doc.document.sha256:
                        unchanged.append(doc.document.path)
                        continue
                    if existing:
                        self._delete([existing[0]])
                        replaced.append(doc.document.path)
                    else:
                        added.append(doc.document.path)
                    self._insert(doc)
                self._flush()
                refresh_sample(self.db, self.params)
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
                self.buckets.merge(table, buckets, packed)
        pending.rows = 0
        pending.docs.clear()

    def _existing(self, identity: str) -> tuple[int, str] | None:
        """(id, sha256) of the document indexed under ``identity`` (its key, else its path)."""
        row = self.db.execute("SELECT id, sha256 FROM documents WHERE key = ? ORDER BY id", (identity,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def known_hash(self, document: Document | str) -> str | None:
        """The content hash indexed for ``document`` (whatever spelling of its
        path), or for an identity (a canonical path), if any."""
        found = self._existing(document if isinstance(document, str) else document.identity)
        return found[1] if found else None

    def _insert(self, doc: Fingerprinted) -> int:
        d, fp = doc.document, doc.fingerprints
        cur = self.db.execute(
            "INSERT INTO documents(path, key, rank, sha256, encoding, format, chars, unit, year, submitted, added,"
            " windows, signature, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.path,
                d.identity,
                sample_rank(d.identity),
                d.sha256,
                d.encoding,
                d.format,
                len(d.text),
                d.meta.unit,
                d.meta.year,
                d.meta.submitted,
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
            refresh_sample(self.db, self.params)
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
            self.db.execute("DELETE FROM sample WHERE doc_id = ?", (doc_id,))
        for table, posted in parts.items():
            if posted:
                self.buckets.remove(
                    table, np.concatenate([b for b, _ in posted]), np.concatenate([p for _, p in posted])
                )

    # -- reading -------------------------------------------------------------

    def document_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def document(self, doc_id: int) -> Document:
        row = self.db.execute(
            "SELECT path, sha256, encoding, format, unit, year, submitted, text, key FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise IndexStoreError(f"{self.path}: no document with id {doc_id}")
        path, sha256, encoding, fmt, unit, year, submitted, text, key = row
        meta = DocMeta(unit, year, submitted)
        return Document(path, decode_text(text), sha256, encoding, fmt, meta, self.role, key=key)

    def document_id(self, path: str) -> int | None:
        row = self.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        return int(row[0]) if row else None

    def identities(self) -> list[DocumentIdentity]:
        rows = self.db.execute("SELECT id, key, sha256, path FROM documents ORDER BY id")
        return [DocumentIdentity(int(i), key, sha, _name(path)) for i, key, sha, path in rows]

    def matching_ids(self, identity: DocumentIdentity) -> set[int]:
        found = {int(r[0]) for r in self.db.execute("SELECT id FROM documents WHERE key = ?", (identity.identity,))}
        for doc_id, path in self.db.execute("SELECT id, path FROM documents WHERE sha256 = ?", (identity.sha256,)):
            if _name(path) == identity.name:
                found.add(int(doc_id))
        return found

    def sample(self, count: int) -> list[SampleMember]:
        return read_sample(self.db, self.params, count)

    def paths(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM documents ORDER BY path")]

    def key_holders(self, keys: QueryKeys) -> tuple[np.ndarray, np.ndarray]:
        """How many postings each band key and gram has (a document posts a key once)."""
        return self.buckets.search(BANDS, keys.bands)[2], self.buckets.search(GRAMS, keys.grams)[2]

    def candidates(
        self, keys: QueryKeys, *, exclude: Iterable[int] = (), limit: int = 50, cap: KeyCap | None = None
    ) -> list[Candidate]:
        """Documents sharing an LSH band key or a gram of ``keys`` (those
        ``cap`` leaves), best first: the ``limit`` highest
        :attr:`Candidate.score` and every one tied with the last, with their
        identities. ``band_hits`` counts the distinct band keys a document
        shares, ``gram_hits`` the distinct grams. The cost is that of the
        postings read and of the documents they name, not the corpus's size;
        only the winners become Python objects."""
        bands, grams = cap.keys(keys, self.key_holders(keys)) if cap is not None else keys
        band_which, band_docs = self.buckets.lookup(BANDS, bands)
        gram_which, gram_docs = self.buckets.lookup(GRAMS, grams)
        found = top_candidates(*hit_counts(band_docs, gram_docs), exclude=exclude, limit=limit)
        ids = [c.doc_id for c in found]
        hits = hits_of(ids, band_which, band_docs, gram_which, gram_docs, len(bands))
        described = self._descriptions(ids)
        return [Candidate(c.doc_id, c.band_hits, c.gram_hits, *described[c.doc_id], hits.get(c.doc_id)) for c in found]

    def candidate_pool(self, keys: QueryKeys, *, store: int = 0, **query: Any) -> CandidatePool:
        return CandidatePool.of([(store, c) for c in self.candidates(keys, **query)])

    def _descriptions(self, doc_ids: list[int]) -> dict[int, tuple[str, tuple[int, str]]]:
        """(identity, precedence) of documents: an indexed page with no date is a 范文."""
        found: dict[int, tuple[str, tuple[int, str]]] = {}
        for lo in range(0, len(doc_ids), SQL_CHUNK):
            chunk = doc_ids[lo : lo + SQL_CHUNK]
            query = f"SELECT id, key, year, submitted FROM documents WHERE id IN ({','.join('?' * len(chunk))})"
            for doc_id, key, year, submitted in self.db.execute(query, chunk):
                meta = DocMeta(None, year, submitted)
                found[int(doc_id)] = (key, precedence(meta, is_fanwen(self.role, meta)))
        return found

    def revision(self) -> tuple[int, str | None, int | None]:
        """(documents, time of the last addition, highest id): changes whenever the contents do."""
        count, added, top = self.db.execute("SELECT COUNT(*), MAX(added), MAX(id) FROM documents").fetchone()
        return int(count), added, top

    def read_note(self, name: str) -> str | None:
        """A named text a caller keeps with the index (the gate's verdicts), or None."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (_NOTE + name,)).fetchone()
        return row[0] if row else None

    def write_note(self, name: str, value: str) -> None:
        """Store a named text with the index, in one transaction."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_NOTE + name, value))

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
            "sample": int(self.db.execute("SELECT COUNT(*) FROM sample").fetchone()[0]),
            "file_bytes": size,
            "fingerprint": self.params.manifest(),
        }

    def posting_count(self, table: str) -> int:
        """Postings in ``band_buckets`` or ``gram_buckets``."""
        if table not in (BANDS, GRAMS):
            raise ValueError(f"not a posting table: {table!r}")
        return int(self.db.execute(f"SELECT COALESCE(SUM(length(postings)), 0) FROM {table}").fetchone()[0]) // 8


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


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


# Every public method leaves with an IndexStoreError, never a bare sqlite3 error (see index.sqlite.failures).
for _method in (
    "add", "remove", "known_hash", "document_count", "document", "document_id", "identities", "matching_ids",
    "sample", "paths", "candidates", "revision", "read_note", "write_note", "stats", "posting_count", "close",
):  # fmt: skip
    setattr(IndexStore, _method, translated(getattr(IndexStore, _method)))
