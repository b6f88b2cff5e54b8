"""The CI gate: check every submission of a folder, apply the bar, remember.

A submission fails when its originality is below ``min_originality`` or one
source supplies more than ``max_source_share`` of it. Submissions are compared
with the persistent index (if one exists or was configured), with the
configured reference folders (indexed into a temporary index), and with each
other.

``changed_only`` keeps a state file (``config.state``, by default
``DIR/.chachong/gate-state.db``): an :class:`~index.store.IndexStore` of the
folder's submissions plus a table ``seen(path, sha256, checked, passed, size,
mtime_ns, settings)``. A file whose size and mtime, or else whose sha256, match
its row, that passed last time under the same settings (thresholds,
fingerprint parameters, index and reference contents) is not read at all; its
stored fingerprints still serve as comparison material for the others. Files
that failed last time are checked again, so a failure is never carried over
silently and its findings are reported on every run. The ``seen`` rows are
written in one transaction at the end of a run that completed.

Nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.config import GateConfig
from corpus.errors import ChachongError, ConfigError, IndexCorruptError, IndexMismatchError, InputError
from corpus.readers import discover_files
from detector.audit import Workers
from detector.check import RULES_VERSION, Corpus, DetectorParams, DocumentResult, check_document
from detector.pipeline import LoadedDocument, Progress, display_path, iter_documents, temporary_index
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.store import IndexStore, prepare

STATE_SCHEMA = "chachong-gate-state-1"

_SEEN_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    checked TEXT NOT NULL,
    passed INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    settings TEXT NOT NULL
)
"""


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


#: Why a submission fails: the rule (also the SARIF rule ``chachong/<rule>``) and a message.
LOW_ORIGINALITY = "low-originality"
SOURCE_SHARE = "source-share"


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str


@dataclass(frozen=True)
class Verdict:
    path: str
    passed: bool
    reasons: tuple[Reason, ...]


@dataclass
class GateResult:
    """What one gate run found. ``results`` are the submissions checked now."""

    config: GateConfig
    results: list[DocumentResult]
    verdicts: list[Verdict]
    errors: list[InputError]
    unchanged: list[str] = field(default_factory=list)  # skipped by changed_only (passed before)
    changed_only: bool = False
    index: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> list[str]:
        return [v.path for v in self.verdicts if v.passed]

    @property
    def failed(self) -> list[str]:
        return [v.path for v in self.verdicts if not v.passed]

    @property
    def checked(self) -> list[str]:
        return [r.path for r in self.results]

    def text(self, path: str) -> str | None:
        """Decoded text of a submission checked or a source matched (for reports)."""
        return self.texts.get(path)

    def gate_dict(self) -> dict[str, Any]:
        return {
            "root": display_path(self.config.root),
            "config_file": self.config.file.as_posix() if self.config.file else None,
            "min_originality": self.config.min_originality,
            "max_source_share": self.config.max_source_share,
            "changed_only": self.changed_only,
            "passed": self.passed,
            "failed": self.failed,
            "errors": [e.path for e in self.errors],
            "unchanged": list(self.unchanged),
            "reasons": {
                v.path: [{"rule": r.rule, "message": r.message} for r in v.reasons]
                for v in self.verdicts
                if not v.passed
            },
        }

    def report(self) -> dict[str, Any]:
        """The report-v1 dict with the extra top-level ``gate`` section."""
        from reports.json_report import build_report

        return build_report(
            self.results, self.errors, command="gate", index=self.index, extra={"gate": self.gate_dict()}
        )


def evaluate(result: DocumentResult, config: GateConfig) -> Verdict:
    """Apply the bar to one checked submission."""
    reasons = []
    if result.originality < config.min_originality:
        reasons.append(
            Reason(LOW_ORIGINALITY, f"originality {result.originality:.1%} is below {config.min_originality:.1%}")
        )
    if result.max_source_share > config.max_source_share:
        reasons.append(
            Reason(
                SOURCE_SHARE,
                f"{result.max_source} supplies {result.max_source_share:.1%} of the text, "
                f"more than {config.max_source_share:.1%}",
            )
        )
    return Verdict(result.path, not reasons, tuple(reasons))


# -- selecting files --------------------------------------------------------------


def select_files(config: GateConfig) -> tuple[list[Path], list[InputError]]:
    """The submissions under ``config.root``: minus ignored globs and reference folders."""
    root = config.root
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder")
    files, errors = discover_files([root])
    references = [Path(os.path.abspath(r)) for r in config.references]
    kept = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        if any(ignored(relative, pattern) for pattern in config.ignore):
            continue
        absolute = Path(os.path.abspath(file))
        if any(absolute.is_relative_to(ref) for ref in references):
            continue  # a reference folder inside the checked folder holds no submissions
        kept.append(file)
    return kept, errors


def ignored(relative: str, pattern: str) -> bool:
    """Whether a '/'-separated path relative to the folder matches a glob.

    ``*`` and ``?`` stay within one path segment, ``**`` crosses segments
    (``drafts/**``, ``**/old_*.txt``). A pattern that matches a folder
    ignores everything inside it (``drafts`` = ``drafts/**``).
    """
    regex = _glob_regex(pattern.strip().strip("/"))
    parts = relative.split("/")
    return any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


# -- the run ------------------------------------------------------------------------


_COMPILED_FROM = 50  # submissions from which loading the compiled seeding (~0.3 s) pays


def run_gate(
    config: GateConfig,
    *,
    changed_only: bool = False,
    params: DetectorParams = DetectorParams(),
    progress: Progress = _no_progress,
) -> GateResult:
    """Check the submissions of ``config.root``; see the module doc.

    Raises :class:`~corpus.errors.ChachongError` for configuration and index
    problems; unreadable files are returned in ``GateResult.errors``.
    """
    files, errors = select_files(config)
    with ExitStack() as stack:
        index = _open_index(config)
        stores: list[Corpus] = []
        if index is not None:
            stack.callback(index.close)
            stores.append(index)
            fingerprint = config.fingerprint_params(index.params)
        else:
            fingerprint = config.fingerprint_params()
        references: MemoryIndex | None = None
        if config.references:
            _require_folders(config)
            references, ref_errors = temporary_index(
                config.references, fingerprint, max_bytes=config.max_bytes, progress=progress
            )
            stack.callback(references.close)
            stores.append(references)
            errors.extend(ref_errors)

        state: GateState | None = None
        unchanged: list[str] = []
        if changed_only:
            settings = _settings_digest(config, fingerprint, index, references, params)
            state = GateState.open(config.state, fingerprint, settings)
            stack.callback(state.close)
            todo, unchanged = state.plan(files)
            state.forget([display_path(f) for f in files])
            loaded = list(iter_documents(todo, errors, max_bytes=config.max_bytes, progress=progress, stage="read"))
            state.store.add(prepare(d.decoded, d.meta, fingerprint) for d in loaded)
            state.drop(display_path(Path(e.path)) for e in errors)
            submissions = state.store
        else:
            loaded = list(iter_documents(files, errors, max_bytes=config.max_bytes, progress=progress, stage="read"))
            submissions = MemoryIndex.build([prepare(d.decoded, d.meta, fingerprint) for d in loaded], fingerprint)
        stores.append(submissions)

        if len(loaded) >= _COMPILED_FROM:  # compiled seeding in forked workers (each opens index files anew)
            with Workers(0) as workers:
                results = workers.compare(loaded, stores, params, progress, stage="check")
        else:
            results = []
            for done, doc in enumerate(loaded, start=1):
                results.append(check_document(doc.decoded, doc.meta, stores, params))
                progress("check", done, len(loaded))
        verdicts = [evaluate(r, config) for r in results]
        texts = {d.decoded.path: d.decoded.text for d in loaded}
        _add_source_texts(texts, results, stores)
        if state is not None:
            state.record(files, loaded, verdicts, errors)
        index_info = {"path": index.path, "documents": index.document_count()} if index is not None else {}
    return GateResult(
        config=config,
        results=results,
        verdicts=verdicts,
        errors=errors,
        unchanged=unchanged,
        changed_only=changed_only,
        index=index_info,
        texts=texts,
    )


def _open_index(config: GateConfig) -> IndexStore | None:
    """The persistent index: the configured one (must exist), else the default if present.

    Its own fingerprint parameters are used; configured ones must agree with them.
    """
    if not config.index_configured and not config.index.exists():
        return None
    store = IndexStore(config.index, create=False)
    if config.fingerprint_settings:
        wanted = config.fingerprint_params(store.params).manifest()
        stored = store.params.manifest()
        if wanted != stored:
            store.close()
            diffs = "; ".join(
                f"{k}: index has {stored.get(k)!r}, {config.sources.get('fingerprint.' + k, 'configured')} asks for {wanted.get(k)!r}"
                for k in sorted(wanted)
                if stored.get(k) != wanted.get(k)
            )
            raise IndexMismatchError(f"{config.index}: index was built with other fingerprint parameters ({diffs})")
    return store


def _require_folders(config: GateConfig) -> None:
    for ref in config.references:
        if not ref.exists():
            origin = config.sources.get("references", "references")
            raise ConfigError(f"{origin}: references: {ref} does not exist")


def _add_source_texts(texts: dict[str, str], results: Iterable[DocumentResult], stores: Sequence[Corpus]) -> None:
    wanted = {m.source for r in results for m in r.matches} - set(texts)
    for source in sorted(wanted):
        for store in stores:
            doc_id = store.document_id(source)
            if doc_id is not None:
                texts[source] = store.document(doc_id).text
                break


def _settings_digest(
    config: GateConfig,
    fingerprint: FingerprintParams,
    index: IndexStore | None,
    references: MemoryIndex | None,
    params: DetectorParams,
) -> str:
    """What a verdict depends on besides the file itself: a change rechecks everything."""
    from reports.json_report import TOOL_VERSION

    index_contents = None
    if index is not None:
        # documents, newest addition and highest id change whenever the index does
        row = index.db.execute("SELECT COUNT(*), MAX(added), MAX(id) FROM documents").fetchone()
        index_contents = [str(Path(index.path).resolve()), *row]
    reference_hashes = sorted((d.path, d.sha256) for d in references.documents) if references is not None else []
    material = {
        "version": TOOL_VERSION,
        "rules": RULES_VERSION,
        "detector": asdict(params),
        "min_originality": config.min_originality,
        "max_source_share": config.max_source_share,
        "fingerprint": fingerprint.manifest(),
        "index": index_contents,
        "references": reference_hashes,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


# -- the changed-only state -------------------------------------------------------


@dataclass(frozen=True)
class SeenRow:
    sha256: str
    passed: bool
    size: int
    mtime_ns: int
    settings: str


class GateState:
    """The state file: the folder's submissions as an index, plus ``seen``."""

    def __init__(self, store: IndexStore, settings: str) -> None:
        self.store = store
        self.settings = settings
        self.store.db.execute(_SEEN_SCHEMA)
        self.rows = {
            path: SeenRow(sha, bool(passed), size, mtime, prior)
            for path, sha, passed, size, mtime, prior in self.store.db.execute(
                "SELECT path, sha256, passed, size, mtime_ns, settings FROM seen"
            )
        }
        self._rehashed: dict[str, str] = {}  # paths found unchanged by content: their new sha

    @classmethod
    def open(cls, path: Path, params: FingerprintParams, settings: str) -> GateState:
        """Open or create the state; a state made with other parameters is a cache miss."""
        try:
            store = IndexStore(path, params)
        except (IndexMismatchError, IndexCorruptError):
            _remove_sqlite(path)
            store = IndexStore(path, params)
        return cls(store, settings)

    def close(self) -> None:
        self.store.close()

    def plan(self, files: Sequence[Path]) -> tuple[list[Path], list[str]]:
        """Split ``files`` into (to check, unchanged since a passing run)."""
        todo: list[Path] = []
        unchanged: list[str] = []
        for file in files:
            path = display_path(file)
            row = self.rows.get(path)
            if (
                row is None
                or not row.passed
                or row.settings != self.settings
                or self.store.known_hash(path) != row.sha256
            ):
                todo.append(file)
                continue
            try:
                info = file.stat()
            except OSError:
                todo.append(file)  # let the reader report it
                continue
            if info.st_size == row.size and info.st_mtime_ns == row.mtime_ns:
                unchanged.append(path)
            elif info.st_size == row.size and _sha256_of(file) == row.sha256:
                unchanged.append(path)  # touched (a fresh checkout), same bytes
                self._rehashed[path] = row.sha256
            else:
                todo.append(file)
        return todo, unchanged

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
        self,
        files: Sequence[Path],
        loaded: Sequence[LoadedDocument],
        verdicts: Sequence[Verdict],
        errors: Iterable[InputError],
    ) -> None:
        """Write ``seen`` in one transaction.

        Checked files get a new row; files unchanged by size and mtime keep
        theirs; files unchanged by content get their new size and mtime; rows
        of unreadable or vanished files go.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        by_path = {display_path(f): f for f in files}
        passed = {v.path: v.passed for v in verdicts}
        rows = []
        for doc in loaded:
            size, mtime = _stat(by_path[doc.decoded.path])
            rows.append(
                (doc.decoded.path, doc.decoded.sha256, now, int(passed[doc.decoded.path]), size, mtime, self.settings)
            )
        for path, sha in self._rehashed.items():
            size, mtime = _stat(by_path[path])
            rows.append((path, sha, now, int(self.rows[path].passed), size, mtime, self.settings))
        unreadable = {display_path(Path(e.path)) for e in errors}
        stale = [(p,) for p in self.rows if p not in by_path or p in unreadable]
        with self.store.transaction():
            self.store.db.executemany("DELETE FROM seen WHERE path = ?", stale)
            self.store.db.executemany(
                "INSERT OR REPLACE INTO seen(path, sha256, checked, passed, size, mtime_ns, settings)"
                " VALUES (?,?,?,?,?,?,?)",
                rows,
            )


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


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            Path(str(path) + suffix).unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            raise ChachongError(f"{path}: cannot reset the gate state: {err.strerror or err}") from err
