"""Which files under the given paths are documents."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.errors import InputError
from corpus.metadata import MANIFEST_NAMES

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".doc", ".wps")

#: Files that live next to the documents but are not documents (a benchmark's ground truth too).
NOT_DOCUMENTS = frozenset({*MANIFEST_NAMES, "truth.json"})


def discover_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[InputError]]:
    """Expand files and folders into the list of document files to read.

    Folders are walked recursively in sorted order; inside them hidden
    entries, Office lock files (``~$...``), manifests and unsupported suffixes
    are skipped. A file named explicitly is kept whatever its name. Missing
    paths and unreadable folders are returned as errors; each file is listed
    once.
    """
    found: list[Path] = []
    errors: list[InputError] = []
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            files: Iterable[Path] = walk_folder(root, errors)
        elif root.exists():
            files = [root]
        else:
            errors.append(InputError(root, "no such file"))
            continue
        for file in files:
            key = Path(os.path.abspath(file))
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found, errors


def walk_folder(folder: Path, errors: list[InputError]) -> Iterator[Path]:
    """Yield the document files under ``folder``, depth first, sorted by name.

    Iterative (a stack of open folders), so no depth of nesting overflows.
    """
    stack: list[Iterator[os.DirEntry[str]]] = [_sorted_entries(folder, errors)]
    parents: list[Path] = [folder]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            parents.pop()
            continue
        if entry.name.startswith("."):
            continue
        child = parents[-1] / entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError as exc:
            errors.append(InputError(child, os_reason(exc)))
            continue
        if is_dir:
            stack.append(_sorted_entries(child, errors))
            parents.append(child)
        elif is_file and is_document_name(entry.name):
            yield child


def _sorted_entries(folder: Path, errors: list[InputError]) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        errors.append(InputError(folder, f"cannot list folder: {os_reason(exc)}"))
        entries = []
    return iter(entries)


def is_document_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered.endswith(SUPPORTED_SUFFIXES)
        and lowered not in NOT_DOCUMENTS
        and not name.startswith("~$")  # Word's lock file next to an open document
    )


def os_reason(exc: OSError) -> str:
    """The reason an OS error gives, in a short form for a one-line message."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"
