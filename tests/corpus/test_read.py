"""Reading files into documents (corpus.read, corpus.decode, corpus.discover,
corpus.formats). Every fixture is generated in tmp_path."""

from __future__ import annotations

import hashlib
import os
import pathlib
import random
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from corpus.decode import decode_text_bytes
from corpus.discover import SUPPORTED_SUFFIXES, discover_files
from corpus.document import Document
from corpus.errors import InputError
from corpus.formats import docx as docx_format
from corpus.formats import office
from corpus.read import DEFAULT_MAX_BYTES, read_document

SIMPLIFIED = (
    "今年以来，我局认真贯彻落实上级工作部署，全面推进各项工作。\r\n"
    "一是加强组织领导，二是强化责任落实，三是完善制度建设。\r\n"
    "下一步，我们将继续深化改革，推动经济社会高质量发展。\r\n"
)
TRADITIONAL = (
    "今年以來，本局認真貫徹落實上級工作部署，全面推進各項工作。\r\n"
    "一是加強組織領導，二是強化責任落實，這是我們的主要經驗。\r\n"
)
PHRASE = "强化责任落实"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def reason_of(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        read_document(path, **kwargs)
    assert info.value.path == str(path)
    return info.value.reason


# ---------------------------------------------------------------------------
# Plain text: encodings and the offset contract
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk"])
def test_txt_round_trips_bytes_and_offsets(tmp_path: Path, encoding: str) -> None:
    raw = SIMPLIFIED.encode(encoding)
    doc = read_document(write(tmp_path, f"{encoding}.txt", raw))
    expected_encoding = "utf-8" if encoding == "utf-8" else "gb18030"
    assert doc.encoding == expected_encoding
    assert doc.format == "txt"
    assert doc.text == SIMPLIFIED
    assert doc.text.encode(doc.encoding) == raw  # nothing added, nothing translated
    start = doc.text.index(PHRASE)
    end = start + len(PHRASE)
    assert doc.text[start:end] == PHRASE
    # The offsets map back onto the raw bytes.
    prefix = len(doc.text[:start].encode(doc.encoding))
    assert raw[prefix : prefix + len(PHRASE.encode(doc.encoding))] == PHRASE.encode(encoding)


def test_crlf_and_lone_cr_are_preserved(tmp_path: Path) -> None:
    text = "第一行\r\n第二行\n第三行\r第四行\r\n"
    doc = read_document(write(tmp_path, "crlf.txt", text.encode("utf-8")))
    assert doc.text == text
    assert doc.text.count("\r\n") == 2


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8")
    doc = read_document(write(tmp_path, "bom.txt", raw))
    assert doc.encoding == "utf-8-sig"
    assert doc.text == SIMPLIFIED
    assert not doc.text.startswith("\ufeff")
    # Offsets are relative to the text after the BOM.
    assert doc.text.index(PHRASE) == SIMPLIFIED.index(PHRASE)


@pytest.mark.parametrize(
    ("codec", "bom", "name"),
    [
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ],
)
def test_utf16_with_bom(tmp_path: Path, codec: str, bom: bytes, name: str) -> None:
    raw = bom + SIMPLIFIED.encode(codec)
    doc = read_document(write(tmp_path, f"{name}.txt", raw))
    assert doc.encoding == name
    assert doc.text == SIMPLIFIED


def test_utf16_without_bom_is_not_mistaken_for_binary() -> None:
    text, encoding = decode_text_bytes(SIMPLIFIED.encode("utf-16-le"))
    assert (text, encoding) == (SIMPLIFIED, "utf-16-le")


def test_big5_traditional_text_is_not_misread_as_gb18030(tmp_path: Path) -> None:
    raw = TRADITIONAL.encode("big5")
    raw.decode("gb18030")  # the trap: Big5 bytes are valid GB18030 too
    doc = read_document(write(tmp_path, "big5.txt", raw))
    assert doc.encoding == "big5"
    assert doc.text == TRADITIONAL
    assert doc.text.encode("big5") == raw


def test_gb2312_text_that_is_also_valid_big5_stays_gb18030() -> None:
    text = "我们要加强管理"
    raw = text.encode("gb2312")
    raw.decode("big5")  # decodes strictly as Big5 too, into nonsense
    assert decode_text_bytes(raw) == (text, "gb18030")


def test_decode_text_bytes_reports_path_in_errors() -> None:
    with pytest.raises(InputError) as info:
        decode_text_bytes(b"", path="memo.txt")
    assert info.value.path == "memo.txt"
    assert info.value.reason == "empty file"


def test_sha256_size_and_path_describe_the_raw_file(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8")
    path = write(tmp_path, "sum.txt", raw)
    doc = read_document(str(path))
    assert isinstance(doc, Document)
    assert doc.path == str(path)
    assert doc.size == len(raw)
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.warnings == ()


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\xff\xfe", b" \r\n\t\r\n", "\u3000\r\n".encode()])
def test_empty_files_are_refused(tmp_path: Path, raw: bytes) -> None:
    assert reason_of(write(tmp_path, "empty.txt", raw)) == "empty file"


def test_png_is_binary(tmp_path: Path) -> None:
    raw = b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(4096)
    reason = reason_of(write(tmp_path, "picture.txt", raw))
    assert reason.startswith("binary file, not text")
    assert "PNG" in reason


def test_random_bytes_with_nuls_are_binary(tmp_path: Path) -> None:
    raw = random.Random(2).randbytes(4096)
    assert b"\x00" in raw
    assert reason_of(write(tmp_path, "noise.txt", raw)).startswith("binary file, not text")


def test_control_characters_without_nul_are_binary() -> None:
    raw = bytes(range(1, 32)) * 20 + b"plain words"
    with pytest.raises(InputError) as info:
        decode_text_bytes(raw)
    assert info.value.reason.startswith("binary file, not text")


def test_pdf_bytes_under_a_txt_name_are_binary_with_a_hint(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "report.txt", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"))
    assert reason.startswith("binary file, not text")
    assert "PDF" in reason


def test_undecodable_bytes_are_refused_naming_what_was_tried(tmp_path: Path) -> None:
    gbk = SIMPLIFIED.encode("gbk")
    # 0x80 is never a GB18030/Big5 lead byte and breaks UTF-8 too: one every 5 characters.
    raw = b"".join(gbk[i : i + 10] + b"\x80" for i in range(0, len(gbk), 10))
    reason = reason_of(write(tmp_path, "broken.txt", raw))
    assert reason.startswith("cannot decode text: tried utf-8, gb18030, big5, ")


def test_a_few_bad_bytes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    raw = bytearray((SIMPLIFIED * 10).encode("utf-8"))
    raw[100] = 0xFF  # one damaged byte in a long UTF-8 text
    doc = read_document(write(tmp_path, "damaged.txt", bytes(raw)))
    assert doc.encoding == "utf-8"
    assert "\ufffd" in doc.text
    assert PHRASE in doc.text
    assert any("replacement characters" in warning for warning in doc.warnings)


def test_unknown_suffix_is_read_as_text(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "notes.md", SIMPLIFIED.encode("gbk")))
    assert (doc.format, doc.encoding, doc.text) == ("txt", "gb18030", SIMPLIFIED)


def test_unknown_suffix_still_gets_the_binary_check(tmp_path: Path) -> None:
    raw = b"\x7fELF\x02\x01\x01" + bytes(64)
    assert reason_of(write(tmp_path, "program.bin", raw)).startswith("binary file, not text")


# ---------------------------------------------------------------------------
# File-system problems and the size limit
# ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert reason_of(tmp_path / "nope.txt") == "no such file"


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert reason_of(tmp_path / "folder.txt") == "is a directory"


def test_file_over_the_limit_is_refused_and_at_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"a" * 100)
    assert read_document(path, max_bytes=100).text == "a" * 100
    path.write_bytes(b"a" * 101)
    assert reason_of(path, max_bytes=100) == ("file too large: 101 bytes > limit 100 bytes (raise with --max-bytes)")


@pytest.mark.parametrize("limit", [5_000, 4_999, 120])
def test_a_file_grown_since_stat_is_read_whole_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """stat() said 100 bytes; 5,000 are there when the file is read."""
    path = write(tmp_path, "growing.txt", b"a" * 5_000)
    real_stat = pathlib.Path.stat

    def stale_stat(self: pathlib.Path, *args, **kwargs) -> os.stat_result:
        found = real_stat(self, *args, **kwargs)
        if self.name != "growing.txt":
            return found
        fields = list(found[:10])
        fields[6] = 100  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(pathlib.Path, "stat", stale_stat)
    if limit >= 5_000:
        assert read_document(path, max_bytes=limit).text == "a" * 5_000
    else:
        assert (
            reason_of(path, max_bytes=limit)
            == f"file too large: {limit + 1} bytes > limit {limit} bytes (raise with --max-bytes)"
        )


def test_huge_sparse_file_is_refused_by_stat_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened although stat() already refused it")

    monkeypatch.setattr(pathlib.Path, "open", no_reading)
    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    reason = reason_of(path)
    assert reason == (
        f"file too large: {200 * 1024 * 1024} bytes > limit {DEFAULT_MAX_BYTES} bytes (raise with --max-bytes)"
    )


def test_permission_error_becomes_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.txt", SIMPLIFIED.encode("utf-8"))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pathlib.Path, "open", denied)
    assert reason_of(path) == "permission denied"


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert reason_of(fifo) == "not a regular file (a FIFO)"


# ---------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("第一段：总体情况")
    table = document.add_table(rows=3, cols=3)
    for row in range(3):
        for col in range(3):
            table.cell(row, col).text = f"格{row}{col}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "横向合并"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "纵向合并"
    document.add_paragraph("第三段：下一步打算")
    document.save(path)
    return path


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "report.docx")
    doc = read_document(path)
    assert doc.format == doc.encoding == "docx"
    assert doc.text == ("第一段：总体情况\n横向合并\t格02\n格10\t格11\t纵向合并\n格20\t格21\t\n第三段：下一步打算")
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_document(path).text == doc.text  # deterministic


def test_docx_text_left_in_a_vertically_merged_cell_is_not_duplicated(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "上"
    table.cell(0, 1).text = "右上"
    table.cell(1, 1).text = "右下"
    # Some writers leave text in the continuation cell; Word shows only the top one.
    continuation = table.rows[1]._tr.tc_lst[0]
    assert continuation.vMerge == "continue"
    continuation.p_lst[0].add_r().text = "残留"
    path = tmp_path / "merged.docx"
    document.save(path)
    assert read_document(path).text == "上\t右上\n\t右下"


def test_corrupt_docx(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.docx", random.Random(3).randbytes(2048))
    assert reason_of(path) == "corrupt .docx: not a zip archive"


def test_old_doc_renamed_to_docx_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    reason = reason_of(path)
    assert reason.startswith("corrupt .docx: not a zip archive")
    assert ".doc" in reason.removeprefix("corrupt .docx")


def test_zip_without_word_document_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    reason = reason_of(path)
    assert reason.startswith("corrupt .docx")
    assert "word/document.xml" in reason


def test_python_docx_failure_is_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<not even closed")
    assert reason_of(path).startswith("corrupt .docx: ")


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.png", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 5 * 1024 * 1024
    reason = reason_of(path)
    assert reason.startswith("refusing .docx: looks like a zip bomb (")


def test_docx_highly_compressed_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ratio.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/zeros.bin", bytes(8 * 1024 * 1024))  # far below 200 MB
    reason = reason_of(path)
    assert reason.startswith("refusing .docx: looks like a zip bomb (")
    assert "zeros.bin" in reason


def test_docx_total_uncompressed_limit_follows_max_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_docx(tmp_path / "normal.docx")
    size = path.stat().st_size
    # python-docx's template unpacks to ~22x its size; the floor keeps that readable.
    assert read_document(path, max_bytes=size).format == "docx"
    monkeypatch.setattr(docx_format, "DOCX_MAX_UNCOMPRESSED", 10_000)
    assert reason_of(path).startswith("refusing .docx: looks like a zip bomb (")


# ---------------------------------------------------------------------------
# .pdf
# ---------------------------------------------------------------------------


CHINESE_LINE = "今年以来，我局认真贯彻落实上级工作部署。"


def make_reportlab_pdf(path: Path, pages: list[list[tuple[str, str]]], **kwargs) -> Path:
    """pages: per page a list of (font, text) lines; an empty list is a blank page."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4, **kwargs)
    for lines in pages:
        y = 780
        for font, text in lines:
            pdf.setFont(font, 12)
            pdf.drawString(72, y, text)
            y -= 20
        pdf.showPage()
    pdf.save()
    return path


def test_pdf_with_stsong_light_chinese_text(tmp_path: Path) -> None:
    # pdfminer maps reportlab's STSong-Light (UniGB-UCS2-H) back to Unicode fine.
    path = make_reportlab_pdf(
        tmp_path / "cn.pdf",
        [[("STSong-Light", CHINESE_LINE)], [], [("Helvetica", "Page three in Latin")]],
    )
    doc = read_document(path)
    assert doc.format == doc.encoding == "pdf"
    assert CHINESE_LINE in doc.text
    assert doc.text.index(CHINESE_LINE) < doc.text.index("Page three in Latin")
    assert "\x0c" not in doc.text
    assert "(cid:" not in doc.text
    assert doc.warnings == ("page 2 has no text layer (scanned image?)",)
    assert read_document(path).text == doc.text  # deterministic


def test_pdf_without_any_text_needs_ocr(tmp_path: Path) -> None:
    path = make_reportlab_pdf(tmp_path / "scan.pdf", [[], []])
    assert reason_of(path) == "no text layer: scanned .pdf needs OCR first"


def test_pdf_encrypted_with_a_user_password(tmp_path: Path) -> None:
    path = make_reportlab_pdf(tmp_path / "secret.pdf", [[("Helvetica", "secret")]], encrypt="secret")
    assert reason_of(path) == "encrypted .pdf"


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    # Latin text only: reportlab (5.1) leaves the CIDSystemInfo strings of
    # STSong-Light unencrypted in an encrypted file, so pdfminer's correct
    # decryption garbles them and the Chinese comes out as (cid:N).
    encryption = StandardEncryption("", ownerPassword="owner", canModify=0)
    path = make_reportlab_pdf(tmp_path / "owner.pdf", [[("Helvetica", "Annual summary 2024")]], encrypt=encryption)
    assert read_document(path).text == "Annual summary 2024"


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.pdf", b"%PDF-1.4\n" + random.Random(4).randbytes(2048))
    assert reason_of(path).startswith("corrupt .pdf: ")


def test_truncated_pdf(tmp_path: Path) -> None:
    whole = make_reportlab_pdf(tmp_path / "whole.pdf", [[("STSong-Light", CHINESE_LINE)]])
    path = write(tmp_path, "half.pdf", whole.read_bytes()[: whole.stat().st_size // 2])
    assert reason_of(path).startswith("corrupt .pdf: ")


def raw_pdf(pages: list[bytes]) -> bytes:
    """A minimal PDF. F1 is an Identity-H CID font WITHOUT a ToUnicode map (so
    pdfminer can only print (cid:N)); F2 is Helvetica."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(len(pages)))
        + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
    ]
    for i, content in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
            b"<< /F1 3 0 R /F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> "
            b"/Contents %d 0 R >>" % (6 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    from tests.hostile.hostile_inputs import pdf_of_objects

    return pdf_of_objects(objects)


CID_TEXT = b"BT /F1 24 Tf 72 600 Td <00410042> Tj ET"
LATIN_TEXT = b"BT /F2 12 Tf 72 700 Td (Plain Latin line) Tj ET"


def test_pdf_cid_garbage_is_removed_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "cid.pdf", raw_pdf([LATIN_TEXT + b"\n" + CID_TEXT, CID_TEXT]))
    doc = read_document(path)
    assert "Plain Latin line" in doc.text
    assert "(cid:" not in doc.text
    assert len(doc.warnings) == 1
    assert "pages 1, 2" in doc.warnings[0]
    assert "(cid:N)" in doc.warnings[0]


def test_pdf_with_only_cid_garbage_has_no_text_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "cid-only.pdf", raw_pdf([CID_TEXT]))
    assert reason_of(path).startswith("no text layer: ")


# ---------------------------------------------------------------------------
# .doc / .wps through LibreOffice
# ---------------------------------------------------------------------------


def use_soffice(monkeypatch: pytest.MonkeyPatch, program: str | None) -> None:
    monkeypatch.setattr(office.shutil, "which", lambda name: program if name == "soffice" else None)


def fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "bin" / "soffice"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"#!{sys.executable}\nimport sys, pathlib, time\nargs = sys.argv[1:]\n{body}")
    script.chmod(0o755)
    return str(script)


def test_doc_without_libreoffice_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_soffice(monkeypatch, None)
    path = write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    reason = reason_of(path)
    assert reason.startswith("cannot read .doc/.wps: LibreOffice is not installed")
    assert "soffice" in reason and ".docx" in reason


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".DOC"])
def test_doc_and_wps_are_converted_with_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    program = fake_soffice(
        tmp_path,
        "outdir = pathlib.Path(args[args.index('--outdir') + 1])\n"
        "source = pathlib.Path(args[-1])\n"
        "outdir.mkdir(parents=True, exist_ok=True)\n"
        "(outdir / (source.stem + '.txt'))"
        f".write_bytes(b'\\xef\\xbb\\xbf' + {SIMPLIFIED!r}.encode())\n"
        "pathlib.Path(sys.argv[0]).with_name('argv').write_text('\\n'.join(args))\n",
    )
    use_soffice(monkeypatch, program)
    path = write(tmp_path, f"-old report{suffix}", b"\xd0\xcf\x11\xe0" + bytes(100))
    doc = read_document(path)
    assert doc.text == SIMPLIFIED  # BOM stripped, newlines kept
    assert doc.format == doc.encoding == suffix[1:].lower()
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    argv = (Path(program).with_name("argv")).read_text().split("\n")
    assert "--headless" in argv
    assert argv[argv.index("--convert-to") + 1] == "txt:Text (encoded):UTF8"


def test_soffice_failure_becomes_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = fake_soffice(tmp_path, "sys.stderr.write('Error: source file could not be loaded\\n')\nsys.exit(1)\n")
    use_soffice(monkeypatch, program)
    reason = reason_of(write(tmp_path, "bad.wps", b"junk"))
    assert reason.startswith("LibreOffice could not convert the file")
    assert "source file could not be loaded" in reason


def test_soffice_timeout_is_enforced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_soffice(monkeypatch, fake_soffice(tmp_path, "time.sleep(30)\n"))
    monkeypatch.setattr(office, "SOFFICE_TIMEOUT", 0.5)
    started = time.monotonic()
    reason = reason_of(write(tmp_path, "slow.doc", b"junk"))
    assert time.monotonic() - started < 10
    assert reason.startswith("LibreOffice took longer than 0.5 s")


# ---------------------------------------------------------------------------
# discover_files
# ---------------------------------------------------------------------------


def test_discover_files_walks_sorted_and_skips_what_is_not_a_document(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    for name in [
        "b.txt",
        "a.docx",
        "Z.TXT",
        "sub/c.pdf",
        "sub/deeper/d.wps",
        "old.doc",
        ".hidden.txt",
        ".git/config.txt",
        "sub/.cache/e.txt",
        "notes.md",
        "manifest.csv",
        "chachong.csv",
        "truth.json",
        "~$a.docx",
    ]:
        write(root, name, b"x")
    explicit = write(tmp_path, "extra/notes.md", b"x")
    hidden_named = write(tmp_path, "extra/.named.txt", b"x")
    missing = tmp_path / "missing"

    files, errors = discover_files([root, explicit, missing, root / "b.txt", hidden_named])

    assert files == [
        root / "Z.TXT",
        root / "a.docx",
        root / "b.txt",
        root / "old.doc",
        root / "sub" / "c.pdf",
        root / "sub" / "deeper" / "d.wps",
        explicit,  # named explicitly: kept whatever its suffix
        hidden_named,
    ]
    assert [(error.path, error.reason) for error in errors] == [(str(missing), "no such file")]


def test_discover_files_accepts_strings_and_empty_input(tmp_path: Path) -> None:
    write(tmp_path, "one.txt", b"x")
    assert discover_files([]) == ([], [])
    files, errors = discover_files([str(tmp_path)])
    assert files == [tmp_path / "one.txt"] and errors == []


def test_supported_suffixes_are_all_discovered(tmp_path: Path) -> None:
    for suffix in SUPPORTED_SUFFIXES:
        write(tmp_path, f"f{suffix}", b"x")
    files, _ = discover_files([tmp_path])
    assert sorted(file.suffix for file in files) == sorted(SUPPORTED_SUFFIXES)


def test_soffice_lookup_uses_libreoffice_as_a_second_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def which(name: str) -> str | None:
        return "/opt/lo/libreoffice" if name == "libreoffice" else None

    monkeypatch.setattr(office.shutil, "which", which)
    assert office.find_soffice() == "/opt/lo/libreoffice"


# ---------------------------------------------------------------------------
# Reading budgets (corpus.limits): bombs refused early, text bounded
# ---------------------------------------------------------------------------


def test_a_flate_stream_over_the_cap_refuses_the_pdf_and_an_image_stream_is_not_inflated(tmp_path: Path) -> None:
    from corpus.formats.pdf import check_streams
    from tests.hostile.hostile_inputs import pdf_with_content, repeated_zlib

    bomb = pdf_with_content(repeated_zlib(bytes(1 << 20), 3))
    with pytest.raises(InputError, match="inflates to more than 2 MiB"):
        check_streams(Path("bomb.pdf"), bomb, 2 << 20)
    check_streams(Path("bomb.pdf"), bomb, 3 << 20)  # exactly at the cap: allowed
    image = bomb.replace(b"/Filter /FlateDecode", b"/Filter /FlateDecode /Subtype /Image")
    check_streams(Path("image.pdf"), image, 2 << 20)  # pdfminer does not inflate images for text


def test_a_docx_with_too_many_paragraphs_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.hostile.hostile_inputs import paragraph_flood_docx

    path = paragraph_flood_docx(tmp_path, 3000)
    monkeypatch.setattr(docx_format, "DOCX_MAX_PARAGRAPHS", 2999)
    assert reason_of(path) == "refusing .docx: more than 2,999 paragraphs (a limit on one document)"
    monkeypatch.setattr(docx_format, "DOCX_MAX_PARAGRAPHS", 3001)
    assert read_document(path).text.endswith("last")


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".pdf"])
def test_max_chars_bounds_every_format(tmp_path: Path, suffix: str) -> None:
    from corpus.limits import ReadLimits
    from tests.hostile.hostile_inputs import docx_bytes, pdf_with_content

    line = "Annual work summary of the transport bureau " * 5
    data = {
        ".txt": line.encode(),
        ".docx": docx_bytes([line]),
        ".pdf": pdf_with_content(f"BT /F1 12 Tf 72 700 Td ({line}) Tj ET".encode(), filtered=False),
    }[suffix]
    path = write(tmp_path, "doc" + suffix, data)
    chars = len(read_document(path).text)
    assert read_document(path, limits=ReadLimits(max_chars=chars)).text
    with pytest.raises(InputError, match=r"too much text: more than \d+ characters"):
        read_document(path, limits=ReadLimits(max_chars=chars - 1))


def test_entries_that_are_not_files_are_named_with_what_they_are(tmp_path: Path) -> None:
    from tests.hostile.hostile_inputs import special_entries

    expected = special_entries(tmp_path)
    os.symlink(tmp_path, tmp_path / "folder-link")  # a link to a folder: not followed, not an error
    (tmp_path / "ok.txt").write_text(SIMPLIFIED, encoding="utf-8")
    files, errors = discover_files([tmp_path])
    assert files == [tmp_path / "ok.txt"]
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == set(expected)
    for name, word in expected.items():
        assert reasons[name].startswith(word), reasons[name]
    assert reasons["dangling.txt"] == "dangling symlink (to nowhere.txt, which does not exist)"
    assert reasons["fifo.txt"] == "not a regular file (a FIFO)"
    named, named_errors = discover_files([tmp_path / "loop-a.txt", tmp_path / "dangling.txt"])
    assert named == [] and [e.reason.split(" (")[0] for e in named_errors] == ["symlink loop", "dangling symlink"]


def test_a_folder_1200_levels_deep_is_walked(tmp_path: Path) -> None:
    from tests.hostile.hostile_inputs import deep_folder, remove_deep

    deep = deep_folder(tmp_path / "deep", 1200)
    try:
        files, errors = discover_files([tmp_path / "deep"])
        assert files == [deep] and errors == []
    finally:
        remove_deep(tmp_path / "deep")


def test_an_undecodable_file_name_is_read_and_shown_with_its_bytes_escaped(tmp_path: Path) -> None:
    from corpus.read import load_documents

    raw = os.path.join(os.fsencode(tmp_path), b"bad\xff.txt")
    with open(raw, "wb") as handle:
        handle.write(SIMPLIFIED.encode())
    (tmp_path / "empty\udcfe.txt").write_bytes(b"")
    documents, errors = load_documents([tmp_path])
    assert [d.path for d in documents] == [f"{tmp_path.as_posix()}/bad\\xff.txt"]
    assert [e.path for e in errors] == [f"{tmp_path}/empty\\xfe.txt"]


def test_a_docx_body_over_the_cap_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_docx(tmp_path / "report.docx")
    with zipfile.ZipFile(path) as archive:
        body = archive.getinfo("word/document.xml").file_size
    monkeypatch.setattr(docx_format, "DOCX_MAX_BODY", body - 1)
    assert reason_of(path).startswith("refusing .docx: its body inflates to more than")
    monkeypatch.setattr(docx_format, "DOCX_MAX_BODY", body)
    assert read_document(path).format == "docx"


def test_stale_temporary_folders_are_only_chachongs_and_only_of_dead_processes(tmp_path: Path) -> None:
    import subprocess

    from corpus.processes import clean_stale_tempdirs, private_tempdir

    ours = private_tempdir("chachong-test-")
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    stale = tmp_path / f"chachong-test-{dead}-abc_12"
    file_not_folder = tmp_path / f"chachong-test-{dead}-file"
    stale.mkdir()
    file_not_folder.write_text("x")
    other = tmp_path / f"chachong-other-{dead}-abc"
    other.mkdir()
    try:
        assert clean_stale_tempdirs("chachong-test-", str(tmp_path)) == [str(stale)]
        assert not stale.exists() and file_not_folder.exists() and other.exists()
        assert clean_stale_tempdirs("chachong-test-") == [] and Path(ours).is_dir()  # alive: kept
    finally:
        os.rmdir(ours)
