"""Text of a .docx file (python-docx), refusing zip bombs before unpacking.

The checks on the archive (sizes, ratios, number of paragraphs) come first and
cost milliseconds; python-docx then runs under the parse budget of
:mod:`corpus.formats.bounded`, and the text it gives may not exceed
``max_chars``.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.errors import InputError, MissingDependencyError
from corpus.formats.bounded import parse_bounded
from corpus.limits import DOCX_MAX_BODY, DOCX_MAX_PARAGRAPHS, ReadLimits, current_limits, too_many_chars

#: Absolute cap on the declared uncompressed size of a .docx archive.
DOCX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: A .docx may unpack to this many times ``max_bytes`` ...
DOCX_MAX_EXPANSION = 20
#: ... but always to this much: small documents unpack to 20x their size and more.
DOCX_MIN_UNCOMPRESSED = 16 * 1024 * 1024
#: A member compressed better than this is treated as a zip bomb ...
DOCX_MAX_MEMBER_RATIO = 200
#: ... unless it is this small, since tiny members cannot hurt.
DOCX_RATIO_MIN_SIZE = 1024 * 1024


_PARAGRAPH = re.compile(rb"<w:p[\s>/]")


def read_docx(path: Path, data: bytes, max_bytes: int, limits: ReadLimits | None = None) -> str:
    """The text of a .docx: body paragraphs and tables in order, tables as rows of tab-separated cells."""
    limits = limits or current_limits()
    _preload()
    return parse_bounded(docx_text, str(path), (path, data, max_bytes, limits.max_chars), limits)


def _preload() -> None:
    """Import python-docx here, once, so that every forked parse worker has it (~100 ms each otherwise)."""
    try:
        import docx  # noqa: F401
        import docx.oxml.ns  # noqa: F401
        import docx.table  # noqa: F401
    except ImportError:  # the worker says what is missing
        pass


def docx_text(path: Path, data: bytes, max_bytes: int, max_chars: int) -> str:
    """:func:`read_docx` without the parse budget (what its worker runs)."""
    _check_docx_archive(path, data, max_bytes)
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingDependencyError("python-docx is needed for .docx: pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
        text = _joined(_block_texts(document.element.body, document), path, max_chars)
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # python-docx raises many kinds on damaged files
        if "memory allocation failed" in str(exc).lower():  # lxml out of the parse budget
            raise MemoryError from None
        raise InputError(path, f"corrupt .docx: {type(exc).__name__}: {exc}") from None
    if not text.strip():
        raise InputError(path, "empty document: no text in .docx")
    return text


def _joined(blocks: Iterator[str], path: Path, max_chars: int) -> str:
    """The blocks joined by newlines; an error as soon as they pass ``max_chars``."""
    parts: list[str] = []
    total = -1
    for block in blocks:
        total += len(block) + 1
        if total > max_chars:
            raise InputError(path, too_many_chars(total, max_chars))
        parts.append(block)
    return "\n".join(parts)


def _check_docx_archive(path: Path, data: bytes, max_bytes: int) -> None:
    """Refuse non-zips, zips without a Word body, and zip bombs, before unpacking."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        hint = ""
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            hint = " (it is an OLE file: a password-protected document or an old .doc renamed)"
        raise InputError(path, f"corrupt .docx: not a zip archive{hint}") from None
    with archive:
        members = archive.infolist()
        if "word/document.xml" not in {member.filename for member in members}:
            raise InputError(path, "corrupt .docx: word/document.xml is missing")
        limit = min(max(DOCX_MAX_EXPANSION * max_bytes, DOCX_MIN_UNCOMPRESSED), DOCX_MAX_UNCOMPRESSED)
        total = sum(member.file_size for member in members)
        if total > limit:
            raise InputError(
                path,
                f"refusing .docx: looks like a zip bomb ({total} bytes uncompressed > {limit})",
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size >= DOCX_RATIO_MIN_SIZE and ratio > DOCX_MAX_MEMBER_RATIO:
                raise InputError(
                    path,
                    f"refusing .docx: looks like a zip bomb ({member.filename} compressed {ratio:.0f}:1)",
                )
        _check_paragraphs(path, archive)


def _check_paragraphs(path: Path, archive: zipfile.ZipFile) -> None:
    """Count the body's paragraphs and bytes while inflating it, before anything parses it."""
    count = size = 0
    tail = b""
    try:
        with archive.open("word/document.xml") as member:
            while chunk := member.read(1 << 20):
                size += len(chunk)
                window = tail + chunk
                count += len(_PARAGRAPH.findall(window))
                tail = window[-4:]  # shorter than a match: none is counted twice
                if count > DOCX_MAX_PARAGRAPHS:
                    raise InputError(
                        path, f"refusing .docx: more than {DOCX_MAX_PARAGRAPHS:,} paragraphs (a limit on one document)"
                    )
                if size > DOCX_MAX_BODY:
                    raise InputError(
                        path, f"refusing .docx: its body inflates to more than {DOCX_MAX_BODY >> 20} MiB (a limit)"
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(path, f"corrupt .docx: {type(exc).__name__}: {exc}") from None


def _block_texts(container: Any, parent: Any) -> Iterator[str]:
    """Texts of the paragraphs and tables directly in ``container``, in order."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):
            yield _table_text(Table(child, parent))
        elif child.tag == qn("w:sdt"):  # content control wrapping body blocks
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _block_texts(content, parent)


def _table_text(table: Any) -> str:
    """Rows joined by newlines, cells by tabs; merged cells appear once."""
    rows = []
    for row in table.rows:
        cells = []
        for tc in row._tr.tc_lst:
            # The lower parts of a vertical merge repeat the top cell: leave them empty.
            cells.append("" if tc.vMerge == "continue" else "\n".join(_block_texts(tc, table)))
        rows.append("\t".join(cells))
    return "\n".join(rows)
