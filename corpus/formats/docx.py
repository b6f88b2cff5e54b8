"""Text of a .docx file (python-docx), refusing zip bombs before unpacking."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.errors import InputError, MissingDependencyError

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


def read_docx(path: Path, data: bytes, max_bytes: int) -> str:
    """The text of a .docx: body paragraphs and tables in order, tables as rows of tab-separated cells."""
    _check_docx_archive(path, data, max_bytes)
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingDependencyError(
            "python-docx is needed for .docx: pip install python-docx"
        ) from exc
    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_block_texts(document.element.body, document))
    except Exception as exc:  # python-docx raises many kinds on damaged files
        raise InputError(path, f"corrupt .docx: {type(exc).__name__}: {exc}") from None
    if not text.strip():
        raise InputError(path, "empty document: no text in .docx")
    return text


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
        limit = min(
            max(DOCX_MAX_EXPANSION * max_bytes, DOCX_MIN_UNCOMPRESSED), DOCX_MAX_UNCOMPRESSED
        )
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
                    f"refusing .docx: looks like a zip bomb ({member.filename} "
                    f"compressed {ratio:.0f}:1)",
                )


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
