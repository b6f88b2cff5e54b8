"""Decoding the bytes of a text file: BOMs, UTF-8, GB18030 vs Big5, UTF-16.

Strict decodes come first (a BOM, UTF-8, then the more Chinese-looking of
strict GB18030 and Big5); only then charset-normalizer, and a decode with
replacement characters is accepted only when they are rare (and a warning
says so). Every problem is an :class:`~corpus.errors.InputError`.
"""

from __future__ import annotations

import codecs
import re

from corpus.errors import InputError, MissingDependencyError

#: Share of control characters above which decoded "text" is called binary.
MAX_CONTROL_SHARE = 0.05
#: Share of U+FFFD a replacement decode may contain and still be accepted.
MAX_REPLACEMENT_SHARE = 0.01

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



def decode_text_bytes(data: bytes, *, path: str = "<bytes>") -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Raises :class:`InputError` for empty, binary or undecodable data.
    Warnings (replacement characters) are only available via
    :func:`read_document`.
    """
    text, encoding, _ = decode_text(data, path)
    return text, encoding


def decode_text(data: bytes, path: str) -> tuple[str, str, list[str]]:
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
