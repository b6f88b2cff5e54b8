"""Text of a .pdf with a text layer (pdfminer.six), page by page."""

from __future__ import annotations

import io
import re
from pathlib import Path

from corpus.errors import InputError, MissingDependencyError

_CID_TOKEN = re.compile(r"\(cid:\d+\)")


def read_pdf(path: Path, data: bytes) -> tuple[str, list[str]]:
    """Extract text page by page; warn on empty and (cid:N)-garbled pages."""
    pages = _pdf_page_texts(path, data)
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


def _pdf_page_texts(path: Path, data: bytes) -> list[str]:
    try:
        from pdfminer.converter import TextConverter
        from pdfminer.layout import LAParams
        from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingDependencyError(
            "pdfminer.six is needed for .pdf: pip install pdfminer.six"
        ) from exc

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(path, "encrypted .pdf") from None
    except Exception as exc:
        raise InputError(path, f"corrupt .pdf: {type(exc).__name__}: {exc}") from None

    output = io.StringIO()
    resources = PDFResourceManager()
    converter = TextConverter(resources, output, laparams=LAParams())
    interpreter = PDFPageInterpreter(resources, converter)
    texts = []
    try:
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            texts.append(output.getvalue())
            output.seek(0)
            output.truncate(0)
    except Exception as exc:
        raise InputError(path, f"corrupt .pdf: {type(exc).__name__}: {exc}") from None
    finally:
        converter.close()
    return texts
