"""Files to :class:`~corpus.document.Document`: read, decode, attach metadata.

Every problem with one file is raised (or collected) as an
:class:`~corpus.errors.InputError`, so that a run over many files reports it
and goes on with the others.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from corpus.decode import decode_text
from corpus.discover import discover_files, file_kind, os_reason
from corpus.document import SUBMISSION, Document
from corpus.errors import InputError
from corpus.formats.bounded import reading_session
from corpus.formats.docx import read_docx
from corpus.formats.office import read_via_soffice
from corpus.formats.pdf import read_pdf
from corpus.limits import ReadLimits, current_limits, too_many_chars
from corpus.metadata import manifests_cached, metadata_with_warnings
from corpus.names import safe_path
from corpus.progress import Progress, no_progress

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def read_document(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: ReadLimits | None = None
) -> Document:
    """Read one file and decode it to text, or raise :class:`InputError`.

    The format follows the suffix; an unknown suffix is read as text. The
    document's metadata is left empty (see :func:`load_document`). ``limits``
    (default: those in force, :func:`~corpus.limits.current_limits`) bound
    the work.
    """
    path = Path(path)
    limits = limits or current_limits()
    data = _read_bounded(path, max_bytes)
    text, encoding, fmt, warnings = _decode_by_format(path, data, max_bytes, limits)
    if len(text) > limits.max_chars:
        raise InputError(path, too_many_chars(len(text), limits.max_chars))
    return Document(
        path=str(path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        format=fmt,
        warnings=tuple(warnings),
        size=len(data),
    )


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, role: str = SUBMISSION) -> Document:
    """:func:`read_document` with the display path ('/'-separated, as given) and metadata."""
    document = read_document(path, max_bytes=max_bytes)
    resolved = Path(os.path.realpath(path))  # once: the document's key and where its manifest is
    meta, warnings = metadata_with_warnings(path, resolved)
    return replace(
        document,
        path=display_path(path),
        meta=meta,
        role=role,
        warnings=document.warnings + tuple(warnings),
        key=_key_of(resolved),
    )


def canonical_path(path: Path) -> str:
    """The resolved absolute path: one document however its path is spelled
    (undecodable bytes of a name written as in :func:`display_path`)."""
    return _key_of(Path(os.path.realpath(path)))


def _key_of(resolved: Path) -> str:
    """A resolved path as a document's key (:func:`canonical_path`)."""
    return safe_path(resolved.as_posix())


def display_path(path: Path) -> str:
    """The path a report shows and the index stores: as given, '/' separated,
    each byte of the name that is not UTF-8 written as ``\\xNN``."""
    return safe_path(path.as_posix())


def iter_documents(
    paths: Iterable[str | Path],
    errors: list[InputError],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    role: str = SUBMISSION,
    progress: Progress = no_progress,
    stage: str = "read",
) -> Iterator[Document]:
    """Read every document under ``paths``; unreadable ones go to ``errors``."""
    files, missing = discover_files(paths)
    errors.extend(missing)
    with reading_session(), manifests_cached():  # one .pdf/.docx worker for all the files
        for done, path in enumerate(files, start=1):
            try:
                yield load_document(path, max_bytes=max_bytes, role=role)
            except InputError as err:
                errors.append(err)
            progress(stage, done, len(files))


#: Formats read by a parser under a time and memory budget: in a process the
#: reading one forks and watches (:mod:`corpus.formats.bounded`), or a
#: converter it runs. A pool's worker (a daemon) cannot fork one, so a
#: run that reads in workers reads these in its main process.
PARSED_SUFFIXES = frozenset({".docx", ".pdf", ".doc", ".wps"})


def parsed_under_budget(path: Path) -> bool:
    """Whether reading ``path`` runs a parser under the budget (see :data:`PARSED_SUFFIXES`)."""
    return path.suffix.lower() in PARSED_SUFFIXES


def read_or_error(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, role: str = SUBMISSION) -> Document | InputError:
    """:func:`load_document`, or the reason the file cannot be used."""
    try:
        return load_document(path, max_bytes=max_bytes, role=role)
    except InputError as err:
        return err


def load_documents(
    paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES, role: str = SUBMISSION
) -> tuple[list[Document], list[InputError]]:
    """Every readable document under ``paths`` and the errors of the others."""
    errors: list[InputError] = []
    return list(iter_documents(paths, errors, max_bytes=max_bytes, role=role)), errors


def _decode_by_format(path: Path, data: bytes, max_bytes: int, limits: ReadLimits) -> tuple[str, str, str, list[str]]:
    """Return ``(text, encoding, format, warnings)`` chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path, data, max_bytes, limits), "docx", "docx", []
    if suffix == ".pdf":
        text, warnings = read_pdf(path, data, limits)
        return text, "pdf", "pdf", warnings
    if suffix in (".doc", ".wps"):
        text, warnings = read_via_soffice(path)
        return text, suffix[1:], suffix[1:], warnings
    text, encoding, warnings = decode_text(data, str(path))  # a named file may have any suffix
    return text, encoding, "txt", warnings


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """Return the file's bytes, refusing (via ``stat``) before reading too much."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, os_reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"not a regular file ({file_kind(info.st_mode)})")
    if info.st_size > max_bytes:
        raise InputError(path, _too_large(info.st_size, max_bytes))
    limit = min(max_bytes, sys.maxsize - 1) + 1
    try:
        with path.open("rb") as handle:
            data = handle.read(min(info.st_size + 1, limit))  # a buffer of the limit's size costs more than the read
            if len(data) > info.st_size:  # the file has grown since stat()
                data += handle.read(limit - len(data))
    except OSError as exc:
        raise InputError(path, os_reason(exc)) from None
    if len(data) > max_bytes:
        raise InputError(path, _too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"file too large: {size} bytes > limit {max_bytes} bytes (raise with --max-bytes)"
