"""Text of a .pdf with a text layer (pdfminer.six), page by page.

Before pdfminer sees the file, every Flate stream that is not an image is
inflated once, counting bytes only, and a stream over
:data:`~corpus.limits.PDF_MAX_STREAM` refuses the file (a 2 GiB bomb is
refused after 32 MiB, in a tenth of a second). pdfminer then runs under the
parse budget of :mod:`corpus.formats.bounded`; its text may not exceed
``max_chars``.
"""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

from corpus.errors import InputError, MissingDependencyError
from corpus.formats.bounded import parse_bounded
from corpus.limits import PDF_MAX_STREAM, ReadLimits, current_limits, too_many_chars

_CID_TOKEN = re.compile(r"\(cid:\d+\)")
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_INFLATE_STEP = 1 << 16


def read_pdf(path: Path, data: bytes, limits: ReadLimits | None = None) -> tuple[str, list[str]]:
    """Extract text page by page; warn on empty and (cid:N)-garbled pages."""
    limits = limits or current_limits()
    _preload()
    return parse_bounded(pdf_text, str(path), (path, data, limits.max_chars), limits)


def _preload() -> None:
    """Import pdfminer here, once, so that every forked parse worker has it (~100 ms each otherwise)."""
    try:
        import pdfminer.converter  # noqa: F401
        import pdfminer.pdfinterp  # noqa: F401
        import pdfminer.pdfpage  # noqa: F401
    except ImportError:  # the worker says what is missing
        pass


def pdf_text(path: Path, data: bytes, max_chars: int) -> tuple[str, list[str]]:
    """:func:`read_pdf` without the parse budget (what its worker runs)."""
    check_streams(path, data, PDF_MAX_STREAM)
    pages = _pdf_page_texts(path, data, max_chars)
    empty_pages: list[int] = []
    cid_pages: list[int] = []
    texts: list[str] = []
    for number, raw in enumerate(pages, start=1):
        text = raw.replace("\x0c", "")
        if _CID_TOKEN.search(text):
            cid_pages.append(number)
            text = _CID_TOKEN.sub("", text)
        text = text.rstrip()
        if not text.strip() and number not in cid_pages:
            empty_pages.append(number)
        texts.append(text)
    if not any(text.strip() for text in texts):
        reason = "no text layer: scanned .pdf needs OCR first"
        if cid_pages:
            reason = (
                f"no text layer: the fonts on {_pages(cid_pages)} have no Unicode mapping, "
                "only (cid:N) glyph codes; the .pdf needs OCR first"
            )
        raise InputError(path, reason)
    warnings = []
    if len(empty_pages) == 1:
        warnings.append(f"page {empty_pages[0]} has no text layer (scanned image?)")
    elif empty_pages:
        warnings.append(f"{_pages(empty_pages)} have no text layer (scanned images?)")
    if cid_pages:
        warnings.append(
            f"{_pages(cid_pages)}: removed unmapped glyph codes (cid:N); "
            "the font has no Unicode map, text may be incomplete"
        )
    return "\n".join(texts), warnings


def _pages(numbers: list[int]) -> str:
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} {', '.join(map(str, numbers))}"


def check_streams(path: Path, data: bytes, cap: int) -> None:
    """Refuse a file with a Flate stream (other than an image's) inflating past ``cap`` bytes."""
    for match in _STREAM.finditer(data):
        start = match.end()
        header = data[start : start + 2]
        if len(header) < 2 or header[0] & 0x0F != 8 or (header[0] << 8 | header[1]) % 31:
            continue  # not a zlib stream
        dictionary = data[max(0, match.start() - 4096) : match.start()]
        if b"/Image" in dictionary[dictionary.rfind(b"obj") :]:
            continue  # pdfminer never inflates images when it extracts text
        if _inflated_size(data, start, cap) > cap:
            raise InputError(
                path,
                f"refusing .pdf: a compressed stream inflates to more than {cap >> 20} MiB (a limit on one stream)",
            )


def _inflated_size(data: bytes, start: int, cap: int) -> int:
    """Bytes the zlib stream at ``data[start:]`` inflates to, counted up to ``cap + 1``."""
    inflater = zlib.decompressobj()
    view = memoryview(data)
    total = 0
    try:
        for at in range(start, len(data), _INFLATE_STEP):
            pending = view[at : at + _INFLATE_STEP]
            while pending and total <= cap:
                total += len(inflater.decompress(pending, cap + 1 - total))
                pending = inflater.unconsumed_tail
            if inflater.eof or total > cap:
                break
    except zlib.error:
        pass  # damaged: pdfminer will say so, or read what it can
    return total


def _pdf_page_texts(path: Path, data: bytes, max_chars: int) -> list[str]:
    try:
        from pdfminer.converter import TextConverter
        from pdfminer.layout import LAParams
        from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingDependencyError("pdfminer.six is needed for .pdf: pip install pdfminer.six") from exc

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(path, "encrypted .pdf") from None
    except MemoryError:
        raise
    except Exception as exc:
        raise InputError(path, f"corrupt .pdf: {type(exc).__name__}: {exc}") from None

    output = io.StringIO()
    resources = PDFResourceManager()
    converter = TextConverter(resources, output, laparams=LAParams())
    interpreter = PDFPageInterpreter(resources, converter)
    texts = []
    total = 0
    try:
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            texts.append(output.getvalue())
            total += len(_CID_TOKEN.sub("", texts[-1].replace("\x0c", "")).rstrip()) + (len(texts) > 1)
            if total > max_chars:  # as read_pdf will count it: early, before the next pages
                raise InputError(path, too_many_chars(total, max_chars))
            output.seek(0)
            output.truncate(0)
    except (InputError, MemoryError):
        raise
    except Exception as exc:
        raise InputError(path, f"corrupt .pdf: {type(exc).__name__}: {exc}") from None
    finally:
        converter.close()
    return texts
