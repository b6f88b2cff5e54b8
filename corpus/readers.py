"""Turn input files (.txt, .docx, .pdf, .doc, .wps) into decoded text.

The offset contract: :attr:`DecodedDocument.text` is exactly what later stages
index and report offsets into. For text files it is the raw bytes decoded with
the detected encoding, minus a leading BOM, with newlines untouched (``\\r\\n``
stays ``\\r\\n``). For the other formats it is the extracted plain text, which is
deterministic for the same file.

Every problem with one file is raised as :class:`~corpus.errors.InputError`
so that a run over many files can report it and go on.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import InputError, MissingDependencyError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".doc", ".wps")

#: Files that live next to the documents but are not documents.
MANIFEST_NAMES = frozenset({"chachong.csv", "manifest.csv", "truth.json"})

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

#: Seconds LibreOffice may take to convert one .doc/.wps file.
SOFFICE_TIMEOUT = 60.0

#: Share of control characters above which decoded "text" is called binary.
MAX_CONTROL_SHARE = 0.05
#: Share of U+FFFD a replacement decode may contain and still be accepted.
MAX_REPLACEMENT_SHARE = 0.01

_SOFFICE_MISSING = (
    "cannot read .doc/.wps: LibreOffice is not installed (install it, e.g. "
    "`apt-get install libreoffice-writer`, so that `soffice` is on PATH), "
    "or save the file as .docx"
)

# Very frequent characters in simplified and traditional Chinese. A genuine
# Big5 text decoded as Big5 scores far higher on these than its GB18030
# misreading (and vice versa), which is how the two are told apart.
_FREQUENT_SIMPLIFIED = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发"
    "年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如"
    "水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然"
    "前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但"
    "质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五"
    "果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组"
    "见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即"
    "保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清"
    "己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八"
    "离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观"
    "越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响"
    "约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯"
    "院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听"
    "该铁价严龙飞"
)
_FREQUENT_TRADITIONAL = (
    "的一是在不了有和人這中大為上個國我以要他時來們生到作地於出就分對成會可主發年動"
    "同工也能下過子說產種面而方後多定行學法所民得經"
)
_FREQUENT_CHARS = frozenset(_FREQUENT_SIMPLIFIED + _FREQUENT_TRADITIONAL)
_SCORE_PREFIX = 200_000

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a zip archive (a .docx has to be named .docx)"),
    (b"PK\x05\x06", "a zip archive"),
    (b"%PDF-", "a PDF document (it has to be named .pdf)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE file such as an old Word .doc (name it .doc)"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)

#: Characters a Chinese or English text is made of, almost exclusively.
_PLAIN_CHAR = re.compile(r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2000-\u206f]")
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CID_TOKEN = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class DecodedDocument:
    """One input file decoded to text; ``text`` follows the offset contract."""

    path: str
    text: str
    encoding: str
    format: str
    sha256: str
    size: int
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedDocument:
    """Read one file and decode it to text, or raise :class:`InputError`.

    The format follows the suffix; an unknown suffix is read as text.
    """
    path = Path(path)
    data = _read_bounded(path, max_bytes)
    text, encoding, fmt, warnings = _decode_by_format(path, data, max_bytes)
    return DecodedDocument(
        path=str(path),
        text=text,
        encoding=encoding,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        warnings=tuple(warnings),
    )


def _decode_by_format(
    path: Path, data: bytes, max_bytes: int
) -> tuple[str, str, str, list[str]]:
    """Return ``(text, encoding, format, warnings)`` chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path, data, max_bytes), "docx", "docx", []
    if suffix == ".pdf":
        text, warnings = _read_pdf(path, data)
        return text, "pdf", "pdf", warnings
    if suffix in (".doc", ".wps"):
        text, warnings = _read_via_soffice(path)
        return text, suffix[1:], suffix[1:], warnings
    text, encoding, warnings = _decode_text(data, str(path))  # a named file may have any suffix
    return text, encoding, "txt", warnings


def decode_text_bytes(data: bytes, *, path: str = "<bytes>") -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Raises :class:`InputError` for empty, binary or undecodable data.
    Warnings (replacement characters) are only available via
    :func:`read_document`.
    """
    text, encoding, _ = _decode_text(data, path)
    return text, encoding


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

    def add(file: Path) -> None:
        key = Path(os.path.abspath(file))
        if key not in seen:
            seen.add(key)
            found.append(file)

    for given in paths:
        root = Path(given)
        if root.is_dir():
            for file in _walk_folder(root, errors):
                add(file)
        elif root.exists():
            add(root)
        else:
            errors.append(InputError(root, "no such file"))
    return found, errors


# --------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------


def _walk_folder(folder: Path, errors: list[InputError]) -> Iterator[Path]:
    """Yield the document files under ``folder``, depth first, sorted by name."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        errors.append(InputError(folder, f"cannot list folder: {_os_reason(exc)}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = folder / entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError as exc:
            errors.append(InputError(child, _os_reason(exc)))
            continue
        if is_dir:
            yield from _walk_folder(child, errors)
        elif is_file and _is_document_name(entry.name):
            yield child


def _is_document_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered.endswith(SUPPORTED_SUFFIXES)
        and lowered not in MANIFEST_NAMES
        and not name.startswith("~$")  # Word's lock file next to an open document
    )


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """Return the file's bytes, refusing (via ``stat``) before reading too much."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, _os_reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "not a regular file")
    if info.st_size > max_bytes:
        raise InputError(path, _too_large(info.st_size, max_bytes))
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise InputError(path, _os_reason(exc)) from None
    if len(data) > max_bytes:
        raise InputError(path, _too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"file too large: {size} bytes > limit {max_bytes} bytes (raise with --max-bytes)"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"


# --------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------


def _decode_text(data: bytes, path: str) -> tuple[str, str, list[str]]:
    """Decode text bytes; return ``(text, encoding, warnings)``."""
    if not data:
        raise InputError(path, "empty file")
    _reject_binary_magic(data, path)
    warnings: list[str] = []
    bom, bom_encoding = _sniff_bom(data)
    if bom:
        decoded = _decode_after_bom(data[len(bom):], bom_encoding, path, warnings)
    elif b"\x00" in data:
        decoded = _decode_bomless_utf16(data)
        if decoded is None:
            raise InputError(path, "binary file, not text (contains NUL bytes)")
    else:
        decoded = _decode_strict_chinese(data) or _decode_fallback(data, path, warnings)
    text, encoding = decoded
    if not text.strip():
        raise InputError(path, "empty file")
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise InputError(path, "binary file, not text (too many control characters)")
    return text, encoding, warnings


def _reject_binary_magic(data: bytes, path: str) -> None:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise InputError(path, f"binary file, not text (looks like {what})")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise InputError(path, "binary file, not text (looks like a WebP image)")


def _sniff_bom(data: bytes) -> tuple[bytes, str]:
    """Return ``(bom, encoding)``, or ``(b"", "")`` without a BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return bom, encoding
    return b"", ""


def _decode_after_bom(
    body: bytes, encoding: str, path: str, warnings: list[str]
) -> tuple[str, str]:
    """Decode what follows a BOM; damaged bytes are replaced only if they are rare."""
    codec = encoding.removesuffix("-sig")
    try:
        return body.decode(codec), encoding
    except UnicodeDecodeError:
        pass
    readable = _lenient_decodes(body, [codec])
    if not readable:
        raise InputError(
            path, f"cannot decode text: it starts with a {codec} BOM but is not {codec}"
        )
    text, _, replaced = readable[0]
    warnings.append(
        f"decoded with replacement characters ({replaced} undecodable, as {encoding})"
    )
    return text, encoding


def _decode_bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Recognise UTF-16 without a BOM by where its NUL bytes sit.

    ASCII characters put their NUL in the high byte (odd offsets for little
    endian, even for big endian); a few CJK characters such as U+4E00 put it
    in the low byte. Binary data may look the same, so the result must also
    read as mostly Chinese, ASCII and punctuation.
    """
    if len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    if odd_nuls > even_nuls:
        encoding = "utf-16-le"
    elif even_nuls > odd_nuls:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    plain = sum(1 for _ in _PLAIN_CHAR.finditer(text))
    return (text, encoding) if plain >= 0.95 * len(text) else None


def _decode_strict_chinese(data: bytes) -> tuple[str, str] | None:
    """Strict UTF-8, else the more Chinese-looking of strict GB18030 and Big5."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    # max() keeps the first of equals, so GB18030 wins ties.
    return max(candidates, key=lambda candidate: _chinese_score(candidate[0]), default=None)


def _chinese_score(text: str) -> int:
    """How many very frequent Chinese characters a prefix of ``text`` has.

    A genuine reading scores far higher than a misreading of the same bytes.
    """
    return sum(1 for char in text[:_SCORE_PREFIX] if char in _FREQUENT_CHARS)


def _decode_fallback(data: bytes, path: str, warnings: list[str]) -> tuple[str, str]:
    """Ask charset-normalizer; failing that, accept a Chinese decode with very few errors.

    Only here are undecodable bytes replaced, and then a warning is added.
    """
    detected = _detect_encoding(data)
    readable = _lenient_decodes(data, [detected] if detected else [])
    if not readable:
        readable = _lenient_decodes(data, ["utf-8", "gb18030", "big5"])
    if not readable:
        tried = ["utf-8", "gb18030", "big5", detected or "charset-normalizer (no match)"]
        raise InputError(path, f"cannot decode text: tried {', '.join(tried)}")
    text, encoding, replaced = max(readable, key=lambda reading: _chinese_score(reading[0]))
    if replaced:
        warnings.append(
            f"decoded with replacement characters ({replaced} undecodable, as {encoding})"
        )
    return text, encoding


def _lenient_decodes(data: bytes, encodings: list[str]) -> list[tuple[str, str, int]]:
    """``(text, encoding, replaced)`` for each encoding that loses almost nothing."""
    readable = []
    for encoding in encodings:
        text = data.decode(encoding, errors="replace")
        replaced = text.count("\ufffd")
        if replaced <= max(1, len(text) * MAX_REPLACEMENT_SHARE):
            readable.append((text, encoding, replaced))
    return readable


def _detect_encoding(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingDependencyError(
            "charset-normalizer is needed to guess text encodings: pip install charset-normalizer"
        ) from exc
    best = from_bytes(data).best()
    return None if best is None else codecs.lookup(best.encoding).name


def _control_share(text: str) -> float:
    """Share of C0/C1 control characters other than tab, newlines and form feed."""
    if not text:
        return 0.0
    return sum(1 for _ in _CONTROL_CHAR.finditer(text)) / len(text)


# --------------------------------------------------------------------------
# .docx
# --------------------------------------------------------------------------


def _read_docx(path: Path, data: bytes, max_bytes: int) -> str:
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


# --------------------------------------------------------------------------
# .pdf
# --------------------------------------------------------------------------


def _read_pdf(path: Path, data: bytes) -> tuple[str, list[str]]:
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


# --------------------------------------------------------------------------
# .doc / .wps through LibreOffice
# --------------------------------------------------------------------------


def _find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _read_via_soffice(path: Path) -> tuple[str, list[str]]:
    """Convert with headless LibreOffice to UTF-8 text in a private temp dir."""
    soffice = _find_soffice()
    if soffice is None:
        raise InputError(path, _SOFFICE_MISSING)
    with tempfile.TemporaryDirectory(prefix="chachong-soffice-") as tmp:
        work = Path(tmp)
        # A plain copy keeps odd file names (leading '-', spaces) away from the command line.
        source = work / f"input{path.suffix.lower()}"
        try:
            shutil.copyfile(path, source)
        except OSError as exc:
            raise InputError(path, _os_reason(exc)) from None
        outdir = work / "out"
        command = [
            soffice,
            # Own profile: conversions fail silently while another soffice uses the default one.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(outdir),
            str(source),
        ]
        detail = _run_with_timeout(path, command, SOFFICE_TIMEOUT)
        converted = outdir / "input.txt"
        if not converted.is_file():
            raise InputError(path, f"LibreOffice could not convert the file{detail}")
        raw = converted.read_bytes()
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    text = raw.decode("utf-8", errors="replace")
    warnings = []
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        warnings.append("LibreOffice output decoded with replacement characters")
    if not text.strip():
        raise InputError(path, f"empty document: no text in {path.suffix.lower()}")
    return text, warnings


def _run_with_timeout(path: Path, command: list[str], timeout: float) -> str:
    """Run ``command``; on timeout kill its whole process group. Returns stderr detail."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # soffice forks soffice.bin; kill them together
        )
    except OSError as exc:
        raise InputError(path, f"cannot run LibreOffice: {exc}") from None
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        raise InputError(
            path, f"LibreOffice took longer than {timeout:g} s to convert the file"
        ) from None
    message = stderr.decode("utf-8", errors="replace").strip()
    return f": {message.splitlines()[-1]}" if message else ""
