"""One document's text and normalized stream as bytes, and back, exactly.

A record holds what the comparison needs of a document it does not hold in
memory: the decoded text, the fingerprint stream and its map to the text
(:class:`~corpus.normalize.Normalized`). The map is stored as two small
numbers per stream character: the code points skipped before it and the
code points it stands for (one, or a whole number folded to ``#``), so a
summary's map takes one or two bytes a character instead of sixteen; a map
the small form cannot hold is stored whole. Decoding gives back arrays equal
to those :func:`~corpus.normalize.normalize` made.

The text and the stream are stored as UTF-16: two bytes a Chinese character
(UTF-8 takes three) and about four times quicker to decode, which a
comparison does for every candidate. A text holding a lone surrogate (which
UTF-16 cannot hold apart from its neighbours) is stored as UTF-8 with
``surrogatepass``, so every string comes back exactly.
"""

from __future__ import annotations

import struct
import sys

import numpy as np

from corpus.normalize import Normalized

# text bytes, text chars, stream bytes, stream chars, meaningful bytes, map dtype, codec
_HEADER = struct.Struct("<IIIIIBB")
_RAW = 8  # map stored as the int64 starts and ends themselves
_CODECS = (("utf-16-le", "strict"), ("utf-8", "surrogatepass"))  # by the header's codec number


def _encoded(text: str, stream: str) -> tuple[int, bytes, bytes]:
    """(codec number, text bytes, stream bytes): UTF-16 unless a lone surrogate forbids it."""
    try:
        return 0, text.encode(*_CODECS[0]), stream.encode(*_CODECS[0])
    except UnicodeEncodeError:
        return 1, text.encode(*_CODECS[1]), stream.encode(*_CODECS[1])


def _width(top: int) -> int:
    """Bytes a number up to ``top`` needs: 1, 2 or 4 (``_RAW`` beyond)."""
    return next((size for size in (1, 2, 4) if top < 1 << (8 * size)), _RAW)


def encode(text: str, normalized: Normalized) -> bytes:
    """The record of a document's text and its normalized stream."""
    codec, text_bytes, stream_bytes = _encoded(text, normalized.text)
    starts, ends = normalized.starts.astype(np.int64), normalized.ends.astype(np.int64)
    gaps = starts - np.r_[0, ends[:-1]]
    widths = ends - starts
    meaningful = np.packbits(normalized.meaningful).tobytes()
    size = _width(int(max(gaps.max(), widths.max()))) if len(starts) else 1
    if len(starts) and min(gaps.min(), widths.min()) < 0:
        size = _RAW
    if size == _RAW:
        offsets = starts.astype("<i8").tobytes() + ends.astype("<i8").tobytes()
    else:
        offsets = gaps.astype(f"<u{size}").tobytes() + widths.astype(f"<u{size}").tobytes()
    header = _HEADER.pack(
        len(text_bytes), len(text), len(stream_bytes), len(normalized.text), len(meaningful), size, codec
    )
    return b"".join((header, text_bytes, stream_bytes, offsets, meaningful))


def decode_text(record: bytes) -> str:
    """The text of a record alone (what a family or a report needs of a member)."""
    text_bytes, _, _, _, _, _, codec = _HEADER.unpack_from(record)
    return record[_HEADER.size : _HEADER.size + text_bytes].decode(*_CODECS[codec])


def decode(record: bytes) -> tuple[str, Normalized]:
    """(text, normalized stream) of a record."""
    text_bytes, chars, stream_bytes, stream_chars, meaningful_bytes, size, codec = _HEADER.unpack_from(record)
    at = _HEADER.size
    text = record[at : at + text_bytes].decode(*_CODECS[codec])
    at += text_bytes
    stream = record[at : at + stream_bytes].decode(*_CODECS[codec])
    at += stream_bytes
    starts, ends = _map(record, at, size, stream_chars)
    at += size * 2 * stream_chars
    bits = np.frombuffer(record, dtype=np.uint8, count=meaningful_bytes, offset=at)
    meaningful = np.unpackbits(bits, count=chars).view(bool)
    return text, Normalized(text=stream, starts=starts, ends=ends, meaningful=meaningful, source_length=chars)


def _map(record: bytes, at: int, size: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the map stored from byte ``at``: compiled once a
    bulk run has loaded the kernels (a one-file check never imports numba)."""
    if size == _RAW:
        starts = np.frombuffer(record, dtype="<i8", count=n, offset=at).astype(np.int64)
        return starts, np.frombuffer(record, dtype="<i8", count=n, offset=at + 8 * n).astype(np.int64)
    compiled = sys.modules.get("index.kernels")
    if compiled is not None:
        return compiled.record_map(np.frombuffer(record, dtype=np.uint8), at, size, n)
    dtype = f"<u{size}"
    gaps = np.frombuffer(record, dtype=dtype, count=n, offset=at).astype(np.int64)
    widths = np.frombuffer(record, dtype=dtype, count=n, offset=at + size * n)
    ends = np.cumsum(gaps + widths)
    return ends - widths, ends


_KEYS = struct.Struct("<II")  # band keys, grams


def encode_keys(bands: np.ndarray, grams: np.ndarray) -> bytes:
    """The record of a document's query keys: its distinct band keys and grams, sorted."""
    return _KEYS.pack(len(bands), len(grams)) + bands.astype("<i8").tobytes() + grams.astype("<i8").tobytes()


def decode_keys(record: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(band keys, grams) of a keys record."""
    bands, grams = _KEYS.unpack_from(record)
    keys = np.frombuffer(record, dtype="<i8", count=bands + grams, offset=_KEYS.size).astype(np.int64)
    return keys[:bands], keys[bands:]
