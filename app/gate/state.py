"""The ``--changed-only`` state of a gated folder.

The state file is an :class:`~index.sqlite.IndexStore` of the folder's
submissions (their fingerprints serve as comparison material for the files
that changed) plus, kept with it as a note, the verdict of every file:
``{path: [sha256, passed, size, mtime_ns, settings]}``. A file whose size and
mtime, or else whose sha256, match its row, that passed last time under the
same settings is not read at all. Files that failed last time are checked
again, so a failure is never carried over silently. The rows are written in
one transaction at the end of a run that completed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from corpus.document import SUBMISSION, Document
from corpus.errors import InputError
from corpus.read import canonical_path, display_path
from index.errors import IndexMismatchError
from index.fingerprint import FingerprintParams
from index.sqlite import IndexStore

_NOTE = "gate-seen"


@dataclass(frozen=True)
class SeenRow:
    sha256: str
    passed: bool
    size: int
    mtime_ns: int
    settings: str


def read_seen(store: IndexStore) -> dict[str, SeenRow]:
    """The verdicts a state store remembers, by path."""
    text = store.read_note(_NOTE)
    rows = json.loads(text) if text else {}
    return {path: SeenRow(str(r[0]), bool(r[1]), int(r[2]), int(r[3]), str(r[4])) for path, r in rows.items()}


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
        try:
            store = IndexStore(path, params, role=SUBMISSION)
        except IndexMismatchError:
            _remove_index_file(path)
            store = IndexStore(path, params, role=SUBMISSION)
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


def _remove_index_file(path: Path) -> None:
    """Delete a chachong index file (and its WAL files) that is to be rebuilt."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
