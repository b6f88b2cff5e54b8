"""Library entry points the CLI (or any caller) drives: read, index, check.

Every function takes paths, returns results plus the per-file
:class:`~corpus.errors.InputError` list, and reports progress through an
optional callback; none prints or exits.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from corpus.errors import InputError
from corpus.metadata import DocMeta, metadata_for
from corpus.readers import DEFAULT_MAX_BYTES, DecodedDocument, discover_files, read_document
from detector.check import DetectorParams, DocumentResult, check_document
from index.fingerprint import FingerprintParams, load_kernels
from index.memory import MemoryIndex
from index.store import AddOutcome, IndexStore, PreparedDocument, prepare, prepare_many

_BATCH = 256  # documents fingerprinted in one numpy pass
T = TypeVar("T")

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
    workers: int = 0,
) -> tuple[AddOutcome, list[InputError]]:
    """Index every readable file under ``paths`` in one transaction; files
    are fingerprinted by ``workers`` processes (0: one per core) while this
    one reads the next files and writes the index."""
    errors: list[InputError] = []
    unchanged: list[str] = []

    def readable() -> Iterator[tuple[DecodedDocument, DocMeta]]:
        for doc in iter_documents(paths, errors, max_bytes=max_bytes, progress=progress, stage="index"):
            if store.known_hash(doc.decoded.path) == doc.decoded.sha256:
                unchanged.append(doc.decoded.path)  # re-adding an unchanged file is a no-op
                continue
            yield doc.decoded, doc.meta

    def changed() -> Iterator[PreparedDocument]:
        for batch in prepare_in_pool(_batches(readable(), _BATCH), store.params, workers=workers):
            yield from batch

    outcome = store.add(changed())
    return AddOutcome(outcome.added, outcome.replaced, unchanged + outcome.unchanged), errors


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def prepare_in_pool(
    batches: Iterable[list[tuple[DecodedDocument, DocMeta]]],
    params: FingerprintParams,
    *,
    workers: int = 0,
    gram_set: bool = False,
    keep_normalized: bool = False,
) -> Iterator[list[PreparedDocument]]:
    """:func:`prepare_many` of each batch, in order, in a forked pool.

    ``batches`` is iterated in this process (it may read files and query an
    open index), one batch ahead of the one being yielded, so reading here
    overlaps fingerprinting there. The compiled kernels load before the
    fork; without ``fork`` (or with one worker) everything runs here.
    """
    prepare = functools.partial(prepare_many, params=params, gram_set=gram_set, keep_normalized=keep_normalized)
    count = workers or os.cpu_count() or 1
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(prepare, batches)
        return
    load_kernels(params)
    with multiprocessing.get_context("fork").Pool(count) as pool:
        pending: list = []
        for batch in batches:
            pending.append(pool.apply_async(prepare, (batch,)))
            if len(pending) > count:
                yield pending.pop(0).get()
        for task in pending:
            yield task.get()


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
