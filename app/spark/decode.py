"""Executor side of reading: bytes of a file, or a table row, to a document row.

Files are decoded with the project's decoders, by suffix, as
:func:`corpus.read.read_document` does; the display path, canonical
identity and metadata are those the local engine gives the same file, so
both engines name, rank and compare documents alike.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from corpus.decode import decode_text
from corpus.discover import is_document_name
from corpus.document import DocMeta
from corpus.errors import ChachongError, InputError
from corpus.formats.docx import read_docx
from corpus.formats.office import read_via_soffice
from corpus.formats.pdf import read_pdf
from corpus.metadata import meta_from_filename, metadata_for

#: Columns of a document row (the ``docs`` table); ``error`` is set instead of ``text`` for a file that cannot be used.
DOC_COLUMNS = (
    ("path", "string"),
    ("key", "string"),
    ("text", "string"),
    ("sha256", "string"),
    ("encoding", "string"),
    ("format", "string"),
    ("unit", "string"),
    ("year", "int"),
    ("submitted", "string"),
    ("role", "string"),
    ("warnings", "array<string>"),
    ("size", "long"),
    ("error", "string"),
)
DOC_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in DOC_COLUMNS)


@dataclass(frozen=True)
class Root:
    """One folder (or file) given on the command line, as Spark lists it."""

    given: str  # as typed: display paths start with it
    uri: str  # the qualified URI Spark lists files under (file:/abs/dir)
    role: str
    max_bytes: int
    folder: bool  # a folder (its files are filtered by name) or a single file

    @property
    def local(self) -> bool:
        return self.uri.startswith("file:")

    def display_path(self, uri: str) -> str:
        """The path the local engine shows for this file: the root as given, then the rest."""
        if not self.folder:
            return self.given if self.local else uri
        rest = uri[len(self.uri.rstrip("/")) :].lstrip("/")
        base = PurePosixPath(Path(self.given).as_posix()) if self.local else None
        return (base / rest).as_posix() if base is not None else f"{self.uri.rstrip('/')}/{rest}"

    def wanted(self, uri: str) -> bool:
        """Whether a listed file is a document (the local engine's name rules)."""
        return not self.folder or is_document_name(uri.rsplit("/", 1)[-1])


def local_path(uri: str) -> str:
    """The file system path of a file: URI."""
    return urlparse(uri).path if uri.startswith("file://") else uri[len("file:") :]


def file_row(root: Root, uri: str, size: int, data: bytes | None) -> dict[str, object]:
    """A document row for one file (``data`` None: too large, not read)."""
    path = root.display_path(uri)
    if data is None:
        return error_row(
            path, root.role, f"file too large: {size} bytes > limit {root.max_bytes} bytes (raise with --max-bytes)"
        )
    try:
        text, encoding, fmt, warnings = decode_bytes(path, data, root.max_bytes)
        meta = metadata_for(local_path(uri)) if root.local else meta_from_filename(uri.rsplit("/", 1)[-1])
    except ChachongError as err:
        return error_row(path, root.role, err.reason if isinstance(err, InputError) else str(err))
    key = Path(os.path.realpath(local_path(uri))).as_posix() if root.local else uri
    return document_row(
        path, key, text, hashlib.sha256(data).hexdigest(), encoding, fmt, meta, root.role, warnings, len(data)
    )


def decode_bytes(path: str, data: bytes, max_bytes: int) -> tuple[str, str, str, list[str]]:
    """``(text, encoding, format, warnings)`` of a file's bytes, chosen by its suffix."""
    suffix = PurePosixPath(path).suffix.lower()
    if not data:
        raise InputError(path, "empty file")
    if suffix == ".docx":
        return read_docx(Path(path), data, max_bytes), "docx", "docx", []
    if suffix == ".pdf":
        text, warnings = read_pdf(Path(path), data)
        return text, "pdf", "pdf", warnings
    if suffix in (".doc", ".wps"):
        with tempfile.TemporaryDirectory(prefix="chachong-spark-") as tmp:
            local = Path(tmp) / f"input{suffix}"
            local.write_bytes(data)
            try:
                text, warnings = read_via_soffice(local)
            except InputError as err:
                raise InputError(path, err.reason) from None
        return text, suffix[1:], suffix[1:], warnings
    text, encoding, warnings = decode_text(data, path)
    return text, encoding, "txt", warnings


def table_row(
    path: str | None, text: str | None, unit: object, year: object, submitted: object, role: str
) -> dict[str, object]:
    """A document row from a table row (``path, text, unit, year, submitted``)."""
    if not path:
        return error_row("(table row without a path)", role, "no path")
    if text is None or not str(text).strip():
        return error_row(path, role, "empty text")
    try:
        meta = DocMeta(str(unit).strip() or None if unit is not None else None, table_year(year), table_date(submitted))
    except ValueError as err:
        return error_row(path, role, str(err))
    data = str(text).encode("utf-8", "surrogatepass")
    return document_row(
        path, path, str(text), hashlib.sha256(data).hexdigest(), "utf-8", "txt", meta, role, [], len(data)
    )


def table_year(value: object) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"year {text!r} is not a number")
    return int(text)


def table_date(value: object) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ValueError(f"submitted {text!r} is not an ISO date") from None


def document_row(
    path: str,
    key: str,
    text: str,
    sha256: str,
    encoding: str,
    fmt: str,
    meta: DocMeta,
    role: str,
    warnings: list[str],
    size: int,
) -> dict[str, object]:
    return {
        "path": path,
        "key": key,
        "text": text,
        "sha256": sha256,
        "encoding": encoding,
        "format": fmt,
        "unit": meta.unit,
        "year": meta.year,
        "submitted": meta.submitted,
        "role": role,
        "warnings": list(warnings),
        "size": size,
        "error": None,
    }


def error_row(path: str, role: str, reason: str) -> dict[str, object]:
    row: dict[str, object] = {name: None for name, _ in DOC_COLUMNS}
    return {**row, "path": path, "role": role, "warnings": [], "error": reason}


def unseen_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """Document files under a local folder that Spark's file scan never
    shows, where the local engine reads (or names) them, and why: a name
    starting with ``_`` (Hadoop's hidden files) or an empty file (dropped
    from the scan). Walked without holding the listing."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        hidden = any(part.startswith("_") for part in Path(parent).relative_to(folder).parts)
        for name in sorted(files):
            if name.startswith(".") or not is_document_name(name):
                continue
            path = Path(parent) / name
            if hidden or name.startswith("_"):
                yield (
                    path,
                    "not read by --engine spark (Spark skips names starting with '_'); rename it or use --engine local",
                )
            elif _size(path) == 0:
                yield path, "empty file"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
