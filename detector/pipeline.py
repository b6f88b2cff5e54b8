"""Library entry points the CLI (or any caller) drives: read, index, check.

Every function takes paths, returns results plus the per-file
:class:`~corpus.errors.InputError` list, and reports progress through an
optional callback; none prints or exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.errors import InputError
from corpus.metadata import DocMeta, metadata_for
from corpus.readers import DEFAULT_MAX_BYTES, DecodedDocument, discover_files, read_document
from detector.check import DetectorParams, DocumentResult, check_document
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.store import AddOutcome, IndexStore, PreparedDocument, prepare, prepare_many

_BATCH = 256  # documents fingerprinted in one numpy pass

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def display_path(path: Path) -> str:
    """The path a report shows and the index stores: as given, '/' separated."""
    return path.as_posix()


@dataclass(frozen=True)
class LoadedDocument:
    decoded: DecodedDocument
    meta: DocMeta


def iter_documents(
    paths: Iterable[str | Path],
    errors: list[InputError],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = _no_progress,
    stage: str = "read",
) -> Iterator[LoadedDocument]:
    """Read every file under ``paths``; unreadable ones go to ``errors``."""
    files, missing = discover_files(paths)
    errors.extend(missing)
    for done, path in enumerate(files, start=1):
        try:
            decoded = read_document(path, max_bytes=max_bytes)
            yield LoadedDocument(_with_display_path(decoded, path), metadata_for(path))
        except InputError as err:
            errors.append(err)
        progress(stage, done, len(files))


def _with_display_path(decoded: DecodedDocument, path: Path) -> DecodedDocument:
    return replace(decoded, path=display_path(path))


def load_documents(
    paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[LoadedDocument], list[InputError]]:
    errors: list[InputError] = []
    return list(iter_documents(paths, errors, max_bytes=max_bytes)), errors


def add_to_index(
    store: IndexStore,
    paths: Sequence[str | Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = _no_progress,
) -> tuple[AddOutcome, list[InputError]]:
    """Index every readable file under ``paths`` in one transaction."""
    errors: list[InputError] = []
    unchanged: list[str] = []

    def changed() -> Iterator[PreparedDocument]:
        batch: list[tuple[DecodedDocument, DocMeta]] = []
        for doc in iter_documents(paths, errors, max_bytes=max_bytes, progress=progress, stage="index"):
            if store.known_hash(doc.decoded.path) == doc.decoded.sha256:
                unchanged.append(doc.decoded.path)  # re-adding an unchanged file is a no-op
                continue
            batch.append((doc.decoded, doc.meta))
            if len(batch) >= _BATCH:
                yield from prepare_many(batch, store.params)
                batch = []
        yield from prepare_many(batch, store.params)

    outcome = store.add(changed())
    return AddOutcome(outcome.added, outcome.replaced, unchanged + outcome.unchanged), errors


def temporary_index(
    paths: Sequence[str | Path],
    params: FingerprintParams | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = _no_progress,
) -> tuple[MemoryIndex, list[InputError]]:
    """An in-memory corpus of ``paths`` (for ``--against``)."""
    params = params or FingerprintParams()
    errors: list[InputError] = []
    prepared = [
        prepare(doc.decoded, doc.meta, params, gram_set=True)
        for doc in iter_documents(paths, errors, max_bytes=max_bytes, progress=progress, stage="read")
    ]
    return MemoryIndex.build(prepared, params), errors


def check_paths(
    store: IndexStore | MemoryIndex,
    paths: Sequence[str | Path],
    params: DetectorParams = DetectorParams(),
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = _no_progress,
) -> tuple[list[DocumentResult], list[InputError]]:
    """Check every readable file under ``paths`` against ``store``."""
    errors: list[InputError] = []
    results = [
        check_document(doc.decoded, doc.meta, store, params)
        for doc in iter_documents(paths, errors, max_bytes=max_bytes, progress=progress, stage="check")
    ]
    return results, errors
