"""Which files under the given paths are documents."""

from __future__ import annotations

import errno
import os
import stat
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
    are skipped, and symbolic links to folders are not followed. A file named
    explicitly is kept whatever its name. Missing paths, unreadable folders
    and entries with a document's name that are not files (a FIFO, a socket,
    a device, a dangling or looping symbolic link) are returned as errors;
    each file is listed once.
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
            errors.append(InputError(root, _missing_reason(root)))
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
        except OSError as exc:
            errors.append(InputError(child, os_reason(exc)))
            continue
        if is_dir:
            stack.append(_sorted_entries(child, errors))
            parents.append(child)
        elif is_document_name(entry.name):
            reason = None if _plain_file(entry) else not_a_file_reason(child)
            if reason is None:
                yield child
            elif reason:
                errors.append(InputError(child, reason))


def _sorted_entries(folder: Path, errors: list[InputError]) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        errors.append(InputError(folder, f"cannot list folder: {os_reason(exc)}"))
        entries = []
    return iter(entries)


def _plain_file(entry: os.DirEntry[str]) -> bool:
    """A regular file that is not a link (known from the folder listing alone, mostly)."""
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def not_a_file_reason(path: Path) -> str | None:
    """None for a regular file (or a link to one); '' for a link to a folder
    (not followed, not an error); else why it cannot be read as a document."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return _missing_reason(path) if isinstance(exc, FileNotFoundError) else _stat_reason(exc)
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return ""
    return f"not a regular file ({file_kind(info.st_mode)})"


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file or folder"


def _missing_reason(path: Path) -> str:
    """'no such file', or what is wrong with a symbolic link of that name."""
    if not os.path.islink(path):
        return "no such file"
    try:
        os.stat(path)
    except FileNotFoundError:
        return f"dangling symlink (to {os.readlink(path)}, which does not exist)"
    except OSError as exc:
        return _stat_reason(exc)
    return "no such file"


def _stat_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    return os_reason(exc)


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
