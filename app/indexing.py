"""The index use cases: add files, remove documents, describe an index."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from app.prepare import prepare_in_pool
from corpus.document import Document
from corpus.errors import InputError
from corpus.progress import Progress, no_progress
from corpus.read import DEFAULT_MAX_BYTES, display_path, iter_documents
from index.corpus import Fingerprinted
from index.fingerprint import FingerprintParams
from index.sqlite import AddOutcome, IndexStore


def open_index(
    path: Path,
    *,
    create: bool,
    params: FingerprintParams | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IndexStore:
    """The index file at ``path`` (created with ``params`` when ``create`` and missing);
    ``on_wait`` hears when a write waits for another process writing it."""
    return IndexStore(path, params, create=create, on_wait=on_wait)


def add_to_index(
    store: IndexStore,
    paths: Sequence[str | Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = no_progress,
    workers: int = 0,
) -> tuple[AddOutcome, list[InputError]]:
    """Index every readable file under ``paths`` in one transaction; files
    are fingerprinted by ``workers`` processes (0: one per core) while this
    one reads the next files and writes the index."""
    errors: list[InputError] = []
    unchanged: list[str] = []

    def readable() -> Iterator[Document]:
        for document in iter_documents(paths, errors, max_bytes=max_bytes, progress=progress, stage="index"):
            if store.known_hash(document) == document.sha256:
                unchanged.append(document.path)  # re-adding an unchanged file is a no-op
                continue
            yield document

    def changed() -> Iterator[Fingerprinted]:
        for batch in prepare_in_pool(readable(), store.params, workers=workers):
            yield from batch

    outcome = store.add(changed())
    return AddOutcome(outcome.added, outcome.replaced, unchanged + outcome.unchanged), errors


def remove_from_index(store: IndexStore, paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Remove documents by path as given; (removed, not in the index)."""
    wanted = [display_path(Path(p)) for p in paths]
    removed = store.remove(wanted)
    return removed, sorted(set(wanted) - set(removed))


def index_stats(store: IndexStore, *, with_paths: bool = False) -> dict[str, object]:
    """What the index holds and its fingerprint parameters (``paths`` too on request)."""
    stats = store.stats()
    if with_paths:
        stats["paths"] = store.paths()
    return stats
