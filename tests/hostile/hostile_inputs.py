"""Hostile inputs for the hostile-input suite (and ``bench/hostile.py``), built on demand.

Every builder writes into a folder it is given and returns the entry it made;
nothing here is a committed binary. The bombs are built from repeated
compressed blocks, so a 2 GiB Flate stream costs 2 MB on disk and a few
milliseconds to write.

:data:`ENTRIES` lists what a hostile folder holds: for each entry whether a
run must read it (``"read"``) or name it in ``errors`` (``"error"``), and a
word its reason must contain.
"""

from __future__ import annotations

import io
import os
import random
import socket
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT

MIB = 1 << 20


# -- compressed blocks ---------------------------------------------------------


def repeated_zlib(chunk: bytes, times: int) -> bytes:
    """A zlib stream of ``chunk`` repeated ``times`` times, compressed once.

    After a full flush the compressor's state is reset, so every further copy
    of ``chunk`` compresses to the same bytes: the stream is the header, that
    block ``times`` times, and a trailer with the right Adler-32.
    """
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first[2:] == block, "the compressor did not repeat itself"
    if chunk.strip(b"\0"):
        checksum = 1
        for _ in range(times):
            checksum = zlib.adler32(chunk, checksum)
    else:  # Adler-32 of n zero bytes: (n mod 65521) << 16 | 1, without reading them
        checksum = ((len(chunk) * times) % 65521) << 16 | 1
    end = compressor.flush()[:-4]  # the final empty block, without the trailer for one copy
    return first[:2] + block * times + end + checksum.to_bytes(4, "big")


# -- PDF -----------------------------------------------------------------------


def pdf_with_content(content_stream: bytes, *, filtered: bool = True) -> bytes:
    """A one-page PDF whose page content is ``content_stream`` (already Flate-compressed when ``filtered``)."""
    filter_entry = b" /Filter /FlateDecode" if filtered else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 "
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents 4 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(content_stream), filter_entry) + content_stream + b"\nendstream",
    ]
    return pdf_of_objects(objects)


def pdf_of_objects(objects: list[bytes]) -> bytes:
    """A PDF file of numbered ``objects`` (object 1 the catalog), with its xref table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_pdf(folder: Path, name: str = "good.pdf") -> Path:
    """A small PDF with a line of Latin text (Helvetica needs no font file)."""
    content = b"BT /F1 12 Tf 72 700 Td (Annual work summary of the transport bureau, plain text) Tj ET"
    return _write(folder / name, pdf_with_content(zlib.compress(content)))


def operator_flood_pdf(folder: Path, operators: int = 16 * MIB, name: str = "qQ-flood.pdf") -> Path:
    """One Flate content stream of ``operators`` ``q Q`` pairs (64 MB inflated, ~65 KB on disk)."""
    chunk = b"q Q\n" * (MIB // 4)
    times = max(1, operators // (MIB // 4))
    return _write(folder / name, pdf_with_content(repeated_zlib(chunk, times)))


def flate_bomb_pdf(folder: Path, inflated: int = 2048 * MIB, name: str = "flate-bomb.pdf") -> Path:
    """A page whose content stream inflates to ``inflated`` zero bytes (2 GiB: a 2 MB file)."""
    return _write(folder / name, pdf_with_content(repeated_zlib(bytes(MIB), inflated // MIB)))


def image_labelled_bomb(folder: Path, name: str = "image-bomb.pdf") -> Path:
    """A content stream of 2 GiB of zeros that calls itself an image, so that only
    the memory budget (not the inflated-size check, which skips images) can stop it."""
    data = pdf_with_content(repeated_zlib(bytes(MIB), 2048))
    return _write(folder / name, data.replace(b"/Filter /FlateDecode", b"/Filter /FlateDecode /Subtype /Image"))


def corrupt_pdf(folder: Path) -> Path:
    return _write(folder / "corrupt.pdf", b"%PDF-1.4\n" + random.Random(4).randbytes(2048))


def truncated_pdf(folder: Path) -> Path:
    whole = pdf_with_content(zlib.compress(b"BT /F1 12 Tf 72 700 Td (half a page) Tj ET"))
    return _write(folder / "truncated.pdf", whole[: len(whole) // 2])


def scanned_pdf(folder: Path) -> Path:
    """A page that draws a rectangle and no text: a scan without a text layer."""
    return _write(folder / "scanned.pdf", pdf_with_content(b"0 0 1 rg 72 72 400 600 re f", filtered=False))


def encrypted_pdf(folder: Path) -> Path:
    from reportlab.pdfgen import canvas

    path = folder / "encrypted.pdf"
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 700, "a locked page")
    pdf.save()
    return path


# -- .docx -----------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_DOC_TAIL = b"</w:body></w:document>"


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal .docx (python-docx opens it) with these paragraphs."""
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", _DOC_HEAD + body + _DOC_TAIL)
    return out.getvalue()


def good_docx(folder: Path, name: str = "good.docx") -> Path:
    return _write(folder / name, docx_bytes([ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL]))


def paragraph_flood_docx(
    folder: Path, paragraphs: int = 300_000, *, plain_runs: int = 0, name: str = "paragraph-flood.docx"
) -> Path:
    """A .docx of ``paragraphs`` empty paragraphs: runs of ``plain_runs`` bare
    ``<w:p/>`` between paragraphs with a random revision id, so that it
    compresses far less than 200:1 and passes every zip-bomb check on sizes
    and ratios (30 M paragraphs with ``plain_runs=31``: 198 MB of XML in a
    7 MB file, the issue's 26:1 case)."""
    rng = random.Random(16)
    group = plain_runs + 1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(_DOC_HEAD)
            plain = b"<w:p/>" * plain_runs
            per_write = max(1, 65536 // group)
            for lo in range(0, paragraphs // group, per_write):
                ids = rng.randbytes(4 * min(per_write, paragraphs // group - lo)).hex().upper().encode()
                marked = (plain + b'<w:p w:rsidR="' + ids[i : i + 8] + b'"/>' for i in range(0, len(ids), 8))
                member.write(b"".join(marked))
            member.write(b"<w:p><w:r><w:t>last</w:t></w:r></w:p>" + _DOC_TAIL)
    return _write(folder / name, out.getvalue())


def zip_bomb_docx(folder: Path) -> Path:
    """A small .docx with an 8 MiB member of zeros compressed 1000:1."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", _DOC_HEAD + _DOC_TAIL)
        archive.writestr("word/media/zeros.bin", bytes(8 * MIB))
    return _write(folder / "zip-bomb.docx", out.getvalue())


def corrupt_docx(folder: Path) -> Path:
    return _write(folder / "corrupt.docx", random.Random(3).randbytes(2048))


def encrypted_docx(folder: Path) -> Path:
    """What Word writes for a password-protected .docx: an OLE compound file."""
    return _write(folder / "encrypted.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))


def broken_xml_docx(folder: Path) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<not even closed")
    return _write(folder / "broken-xml.docx", out.getvalue())


# -- text ------------------------------------------------------------------------


def long_line_txt(folder: Path, size: int = 8 * MIB, name: str = "one-line.txt") -> Path:
    """``size`` bytes of pasted text on one line: the test prose over and over,
    with no line break (2.8 million characters for 8 MB)."""
    prose = ORIGINAL_SCHOOL + COPIED + ORIGINAL_HOSPITAL + ORIGINAL_TRANSPORT
    data = prose.encode("utf-8")
    return _write(folder / name, (data * (size // len(data) + 1))[: size - size % 3])


def control_chars_txt(folder: Path) -> Path:
    """A readable text with a terminal escape sequence and a bell inside it."""
    return _write(folder / "escapes.txt", (ORIGINAL_TRANSPORT + "\x1b[2J\x1b]0;pwned\x07" + COPIED).encode())


def simple_files(folder: Path) -> dict[str, Path]:
    """The ordinary bad files that have long been read right."""
    gbk = (ORIGINAL_SCHOOL * 3).encode("gbk")
    made = {
        "binary.txt": b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(4096),
        "nul.txt": random.Random(2).randbytes(4096).replace(b"\0", b"") + b"\0" * 64,
        "gbk-bad-bytes.txt": gbk[:300] + b"\xff" + gbk[300:],
        "utf16.txt": b"\xff\xfe" + ORIGINAL_HOSPITAL.encode("utf-16-le"),
        "utf32.txt": b"\xff\xfe\x00\x00" + ORIGINAL_TRANSPORT.encode("utf-32-le"),
        "big5.txt": "本局認真貫徹落實上級工作部署，全面推進各項工作。".encode("big5"),
        "empty.txt": b"",
        "blank.txt": b" \r\n\t\n",
    }
    return {name: _write(folder / name, data) for name, data in made.items()}


def oversized_txt(folder: Path, size: int = 200 * MIB) -> Path:
    """A sparse file over the default 50 MiB limit (no disk used)."""
    path = folder / "oversized.txt"
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


# -- folder entries that are not regular files ------------------------------------


def special_entries(folder: Path) -> dict[str, str]:
    """FIFO, socket, dangling symlink, symlink loop, symlink to a device: name -> reason word."""
    os.mkfifo(folder / "fifo.txt")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink("/dev/zero", folder / "device.txt")
    made = {
        "fifo.txt": "not a regular file",
        "dangling.txt": "dangling symlink",
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "device.txt": "not a regular file",
    }
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.bind(str(folder / "socket.txt"))
            made["socket.txt"] = "not a regular file"
        except OSError:  # a path too long for a socket address
            pass
    return made


def unreadable_txt(folder: Path) -> Path | None:
    """A file this process cannot read: mode 000, or for root (who reads
    anything) a link to /proc/self/mem, whose first page is never mapped."""
    if os.geteuid() != 0:
        path = _write(folder / "unreadable.txt", ORIGINAL_SCHOOL.encode())
        path.chmod(0)
        return path
    if not Path("/proc/self/mem").exists():
        return None
    path = folder / "unreadable.txt"
    os.symlink("/proc/self/mem", path)
    return path


def deep_folder(folder: Path, depth: int = 1200) -> Path:
    """``depth`` nested folders with a readable file at the bottom."""
    here = folder
    here.mkdir(parents=True, exist_ok=True)
    for _ in range(depth):  # one at a time: Path.mkdir(parents=True) recurses once per level
        here = here / "d"
        here.mkdir()
    return _write(here / "deep.txt", (ORIGINAL_HOSPITAL + COPIED).encode())


def remove_deep(folder: Path) -> None:
    """Delete what :func:`deep_folder` made (``shutil.rmtree`` recurses once per level too)."""
    chain = [folder]
    while (chain[-1] / "d").is_dir():
        chain.append(chain[-1] / "d")
    for level in reversed(chain):
        for child in level.iterdir():
            if not child.is_dir() or child.is_symlink():
                child.unlink()
        level.rmdir()


# -- names -------------------------------------------------------------------------

#: File names that are hard to print or to encode (as bytes, since one is not UTF-8).
ODD_NAMES: tuple[bytes, ...] = (
    b"bad\xff\xfename.txt",
    b"ansi\x1b[2J\x1b[31mred.txt",
    b"new\nline.txt",
    b"[bold]markup[red]x.txt",
    b"-rf.txt",
    "bidi\u202eтxt.txt".encode(),
)


def odd_named_files(folder: Path) -> list[bytes]:
    """Readable texts under :data:`ODD_NAMES`; returns the names written."""
    texts = [ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT]
    for number, name in enumerate(ODD_NAMES):
        body = texts[number % len(texts)] + "\n" + COPIED
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(body.encode())
    return list(ODD_NAMES)


# -- the good files ------------------------------------------------------------------

GOOD_TEXTS = {
    "good-school.txt": ORIGINAL_SCHOOL + "\n" + COPIED,
    "good-hospital.txt": ORIGINAL_HOSPITAL + "\n" + COPIED.replace("我局", "我院"),
    "good-transport.txt": ORIGINAL_TRANSPORT,
}


def good_files(folder: Path) -> list[Path]:
    """Readable submissions, two of which share a passage (so a run has findings)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [_write(folder / name, text.encode()) for name, text in GOOD_TEXTS.items()]


# -- the whole folder -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One hostile file: how to build it, and what a run must do with it."""

    name: str
    build: Callable[[Path], Path | None]
    outcome: str  # "read" or "error"
    reason: str = ""  # a piece of the reason, for "error"


ENTRIES: tuple[Entry, ...] = (
    Entry("corrupt.docx", corrupt_docx, "error", "corrupt .docx"),
    Entry("encrypted.docx", encrypted_docx, "error", "OLE file"),
    Entry("zip-bomb.docx", zip_bomb_docx, "error", "zip bomb"),
    Entry("broken-xml.docx", broken_xml_docx, "error", "corrupt .docx"),
    Entry("paragraph-flood.docx", paragraph_flood_docx, "error", "paragraphs"),
    Entry("corrupt.pdf", corrupt_pdf, "error", "corrupt .pdf"),
    Entry("truncated.pdf", truncated_pdf, "error", ".pdf"),
    Entry("scanned.pdf", scanned_pdf, "error", "no text layer"),
    Entry("encrypted.pdf", encrypted_pdf, "error", "encrypted .pdf"),
    Entry("qQ-flood.pdf", operator_flood_pdf, "error", "inflates"),
    Entry("flate-bomb.pdf", flate_bomb_pdf, "error", "inflates"),
    Entry("one-line.txt", long_line_txt, "error", "too much text"),
    Entry("escapes.txt", control_chars_txt, "read"),
    Entry("oversized.txt", oversized_txt, "error", "too large"),
    Entry("good.pdf", text_pdf, "read"),
    Entry("good.docx", good_docx, "read"),
)

SIMPLE_OUTCOMES = {
    "binary.txt": ("error", "binary"),
    "nul.txt": ("error", "binary"),
    "gbk-bad-bytes.txt": ("read", ""),
    "utf16.txt": ("read", ""),
    "utf32.txt": ("read", ""),
    "big5.txt": ("read", ""),
    "empty.txt": ("error", "empty"),
    "blank.txt": ("error", "empty"),
}


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
