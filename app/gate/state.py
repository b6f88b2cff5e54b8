"""The ``--changed-only`` state of a gated folder.

The state file is an :class:`~index.sqlite.IndexStore` of the folder's
submissions (their fingerprints serve as comparison material for the files
that changed) plus, kept with it as a note, the verdict of every file:
``{path: [sha256, passed, size, mtime_ns, settings]}``. A file whose size and
mtime, or else whose sha256, match its row, that passed last time under the
same settings is not read at all. Files that failed last time are checked
again, so a failure is never carried over silently. The rows are written in
one transaction at the end of a run that completed.

chachong never overwrites or deletes a file it did not make: a state file
carries a mark (a note) from its creation, and only a file with that mark is
ever rebuilt; anything else at the state path (another program's SQLite
file, a text file, an empty file) is an error. The state path must lie in the
gated folder unless it was given with ``--state`` (a pull request may add a
config file, but not change the command line).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from urllib.parse import quote

from app.config import Settings
from corpus.document import SUBMISSION, Document
from corpus.errors import ConfigError, InputError
from corpus.read import canonical_path, display_path
from index.errors import IndexCorruptError, IndexMismatchError
from index.fingerprint import FingerprintParams
from index.sqlite import IndexStore

_NOTE = "gate-seen"
_MARK = "gate-state"  # written when chachong creates a state file
_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class SeenRow:
    sha256: str
    passed: bool
    size: int
    mtime_ns: int
    settings: str


def read_seen(store: IndexStore) -> dict[str, SeenRow]:
    """The verdicts a state store remembers, by path (none, if the note is damaged)."""
    text = store.read_note(_NOTE)
    try:
        rows = json.loads(text) if text else {}
        return {path: SeenRow(str(r[0]), bool(r[1]), int(r[2]), int(r[3]), str(r[4])) for path, r in rows.items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return {}  # every file is checked again: nothing is carried over


def state_path(config: Settings) -> Path:
    """Where ``--changed-only`` keeps its state: ``config.state``, refused when a
    config file or the environment puts it outside the gated folder or on the index."""
    path = config.state
    real = Path(os.path.realpath(path))
    origin = config.sources.get("state", "default")
    if real == Path(os.path.realpath(config.index)):
        raise ConfigError(f"{origin}: state {path} is the index file; the state needs a file of its own")
    if not config.state_from_flag and not real.is_relative_to(os.path.realpath(config.root)):
        raise ConfigError(
            f"{origin}: state {path} is outside the gated folder {config.root}; "
            "only the command line (--state) may put it elsewhere"
        )
    return path


class GateState:
    """The state file: the folder's submissions as an index, plus their verdicts."""

    def __init__(self, store: IndexStore, settings: str) -> None:
        self.store = store
        self.settings = settings
        self.rows = read_seen(store)
        self._rehashed: dict[str, str] = {}  # paths found unchanged by content: their sha

    @classmethod
    def open(cls, path: Path, params: FingerprintParams, settings: str) -> GateState:
        """Open or create the state; a state chachong made with other parameters
        (or by another version) is rebuilt. Anything else at ``path`` is an
        error (:class:`~index.errors.IndexCorruptError`): it is never replaced."""
        existed = os.path.lexists(path)
        if existed and not _is_gate_state(path):
            raise IndexCorruptError(
                f"{path}: exists and is not a chachong gate state; chachong never overwrites a file it did not"
                " make (move it away, or give another path with --state)"
            )
        try:
            store = IndexStore(path, params, role=SUBMISSION)
        except IndexMismatchError:
            _remove_index_file(path)
            existed = False
            store = IndexStore(path, params, role=SUBMISSION)
        if not existed:
            store.write_note(_MARK, "1")
        return cls(store, settings)

    def close(self) -> None:
        self.store.close()

    def plan(self, files: Sequence[Path]) -> tuple[list[Path], list[str]]:
        """Split ``files`` into (to check, unchanged since a passing run)."""
        todo: list[Path] = []
        unchanged: list[str] = []
        for file in files:
            path = display_path(file)
            verdict = self._unchanged(file, path)
            if verdict is None:
                todo.append(file)
            else:
                unchanged.append(path)
                if verdict:
                    self._rehashed[path] = self.rows[path].sha256
        return todo, unchanged

    def _unchanged(self, file: Path, path: str) -> bool | None:
        """None: check it; False: unchanged by size and mtime; True: by content (touched)."""
        row = self.rows.get(path)
        if (
            row is None
            or not row.passed
            or row.settings != self.settings
            or self.store.known_hash(canonical_path(file)) != row.sha256
        ):
            return None
        try:
            info = file.stat()
        except OSError:
            return None  # let the reader report it
        if info.st_size == row.size and info.st_mtime_ns == row.mtime_ns:
            return False
        if info.st_size == row.size and _sha256_of(file) == row.sha256:
            return True  # touched (a fresh checkout), same bytes
        return None

    def forget(self, current: Iterable[str]) -> None:
        """Drop stored submissions no longer in the folder (deleted, moved, ignored)."""
        keep = set(current)
        stale = [p for p in self.store.paths() if p not in keep]
        if stale:
            self.store.remove(stale)

    def drop(self, paths: Iterable[str]) -> None:
        """Unreadable now: their old text is no comparison material."""
        gone = [p for p in paths if self.store.document_id(p) is not None]
        if gone:
            self.store.remove(gone)

    def record(
        self, files: Sequence[Path], loaded: Sequence[Document], passed: dict[str, bool], errors: Iterable[InputError]
    ) -> None:
        """Write the verdicts in one transaction.

        Checked files get a new row; files unchanged by size and mtime keep
        theirs; files unchanged by content get their new size and mtime; rows
        of unreadable or vanished files go.
        """
        by_path = {display_path(f): f for f in files}
        unreadable = {display_path(Path(e.path)) for e in errors}
        rows = {p: r for p, r in self.rows.items() if p in by_path and p not in unreadable}
        for document in loaded:
            size, mtime = _stat(by_path[document.path])
            rows[document.path] = SeenRow(document.sha256, passed[document.path], size, mtime, self.settings)
        for path, sha in self._rehashed.items():
            size, mtime = _stat(by_path[path])
            rows[path] = SeenRow(sha, self.rows[path].passed, size, mtime, self.settings)
        self.store.write_note(_NOTE, json.dumps({p: astuple(r) for p, r in sorted(rows.items())}))


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _is_gate_state(path: Path) -> bool:
    """Whether ``path`` is a state file chachong made (read-only look, no side effect)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return False
        uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
        db = sqlite3.connect(uri, uri=True)
        try:
            marks = ("note:" + _MARK, "note:" + _NOTE)
            keys = {row[0] for row in db.execute("SELECT key FROM meta WHERE key IN (?, ?)", marks)}
            schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        return False
    return bool(keys) and isinstance(schema and schema[0], str) and schema[0].startswith("chachong-index")


def _remove_index_file(path: Path) -> None:
    """Delete a chachong index file (and its WAL files) that is to be rebuilt."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
