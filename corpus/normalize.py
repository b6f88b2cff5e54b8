"""Normalization with a map back to the decoded text.

The fingerprint stream is the decoded text with web chrome and pinyin
annotations cut out, every character folded (NFKC, lower case, traditional to
simplified), whitespace/punctuation/symbols dropped, and every run of digits or
placeholder characters (``20__年``, ``20xx年``, ``**镇``, ``XX局``) folded to
one wildcard token ``#``. Each stream position remembers the half-open range of
decoded-text code points it came from, so any range found on the stream maps
back to exact offsets in the original file.

The per-character work runs on numpy code-point arrays with a lookup table
built once per process; OpenCC converts the kept text in one call.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corpus.textchars import CodepointTable, PerCharTable

WILDCARD = "#"
# Bump when the stream of some text changes: stored fingerprints depend on it,
# and an index built by another version is refused (index.store).
NORMALIZER_VERSION = 2
_NUMBER_JOINERS = np.array(
    [ord(c) for c in ".,．"], dtype=np.uint32
)  # 12.5  1,200  (a decimal point, a thousands comma)
_WILDCARD_CP = ord(WILDCARD)
_DROP = 0
_TABLE_SIZE = 0x10000  # BMP; supplementary code points pass through unchanged

# --- what is cut before folding -------------------------------------------

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONE_VOWELS}"
# 穩(wěn)定: a parenthesised pinyin syllable (with a tone mark) after a Han
# character; also the mojibake form where the "(" was eaten: 確?!皠?chuàng)
_PINYIN_RE = re.compile(
    rf"[(（][{_PINYIN_LETTERS}]*[{_TONE_VOWELS}][{_PINYIN_LETTERS}]*[)）]"
    rf"|(?<=[?？])[{_PINYIN_LETTERS}]*[{_TONE_VOWELS}][{_PINYIN_LETTERS}]*[)）]"
)

# Whole lines that are site chrome, never part of a summary.
_CHROME_LINE_RE = re.compile(
    r"^\s*(?:"
    r"搜索|资源描述|下载文档.{0,12}|.{0,10}(?:免费阅读|阅读)已结束.{0,30}"
    r"|整理文档很辛苦.{0,20}|.{0,30}赏杯茶钱.{0,10}"
    r"|(?:发布|更新|发表)(?:时间|日期)\s*[:：].{0,30}"
    r"|(?:来源|作者|编辑|责任编辑|浏览次数|阅读次数)\s*[:：].{0,40}"
    r"|\d+\s*/\s*\d+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页"
    r"|.{0,40}(?:ICP备|ICP证|备案号|版权所有|Copyright|©).{0,80}"
    r"|.{0,30}(?:相关文章|相关推荐|相关阅读|延伸阅读|猜你喜欢|热门推荐|上一篇|下一篇|更多精彩|点击下载|下载本文|扫码|二维码).{0,40}"
    r"|[★☆●◆■▲►▪•·]\s*.{0,60}"
    r"|[×✕✖xX]"
    r")\s*$",
    re.IGNORECASE | re.MULTILINE,
)

# Where a chrome line's body can begin: every branch of the pattern above
# either starts as one of these, or holds one of the inner words below
# within its first 40 characters after some ``.{0,N}``. A line start whose
# first non-space character begins neither cannot match.
_CHROME_FIRST_RE = re.compile(
    r"搜索|资源描述|下载文档|整理文档很辛苦|(?:发布|更新|发表)(?:时间|日期)|来源|作者|编辑|责任编辑|浏览次数|阅读次数"
    r"|\d+\s*/|第\s*\d|共\s*\d|[★☆●◆■▲►▪•·×✕✖xX]",
    re.IGNORECASE,
)
_CHROME_INNER = (
    *("已结束", "赏杯茶钱", "备案号", "版权所有", "©", "相关文章", "相关推荐", "相关阅读", "延伸阅读", "猜你喜欢"),
    *("热门推荐", "上一篇", "下一篇", "更多精彩", "点击下载", "下载本文", "扫码", "二维码", "ICP", "Copyright"),
)
_CHROME_INNER_RE = re.compile("|".join(map(re.escape, _CHROME_INNER)), re.IGNORECASE)
# A text holds an inner word only if it holds one of these: a character of
# each word without case (one that summaries rarely hold: any would do) and
# every character the cased words' first letters match under IGNORECASE.
# Single characters, since ``in`` finds one many times quicker than a word.
_INNER_MARKS = "束赏案权©章荐阅伸猜篇彩击载扫码" + "CIciİı"
_CHROME_REACH = 40 + len("Copyright")  # the farthest an inner word can end from the body's start
_NON_SPACE_RE = re.compile(r"\S")

_PLACEHOLDER_RE = re.compile(r"(?:[Xx×＊*＿_ＸｘΧ]{2,}|(?<=[0-9０-９])[Xx×_＿ＸｘΧ]{1,2}(?=[年月日]))")
# Characters some match of each pattern above must hold: a text without any
# is not scanned by it (a character-class search is many times quicker than
# trying the pattern's branches at every position).
_TONE_VOWEL_RE = re.compile(f"[{_TONE_VOWELS}]")
_PLACEHOLDER_CHAR_RE = re.compile(r"[Xx×＊*＿_ＸｘΧ]")


@dataclass(frozen=True)
class Normalized:
    """The fingerprint stream of one document and its map to decoded text.

    ``text[i]`` came from decoded code points ``starts[i]:ends[i]``; a range
    ``i:j`` of the stream maps to ``starts[i]:ends[j - 1]``.
    """

    text: str
    starts: np.ndarray  # int64, len(text)
    ends: np.ndarray  # int64, len(text)
    meaningful: np.ndarray  # bool over the decoded text: counted for originality
    source_length: int

    def __len__(self) -> int:
        return len(self.text)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open stream range to a half-open decoded-text range."""
        if end <= start:
            raise ValueError(f"empty stream range {start}:{end}")
        return int(self.starts[start]), int(self.ends[end - 1])

    def to_stream(self, start: int, end: int) -> tuple[int, int]:
        """Map a decoded-text range to the smallest stream range inside it."""
        i = int(np.searchsorted(self.starts, start, side="left"))
        j = int(np.searchsorted(self.ends, end, side="right"))
        return i, max(i, j)

    @property
    def codepoints(self) -> np.ndarray:
        return codepoints(self.text)


def codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (no Python loop)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def from_codepoints(cps: np.ndarray) -> str:
    return cps.astype(np.uint32).tobytes().decode("utf-32-le")


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """Per-code-point fold for the BMP: NFKC, lower case, 0 = drop.

    Dropped: whitespace, punctuation, symbols, controls, format characters.
    Multi-character NFKC expansions keep their first meaningful character
    (``㈠`` -> ``一``, ``①`` -> ``1``).
    """
    table = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    for cp in range(_TABLE_SIZE):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", chr(cp)).lower()
        for ch in folded:
            if unicodedata.category(ch)[0] in "LN":
                table[cp] = ord(ch)
                break
    return table


@lru_cache(maxsize=1)
def _opencc_t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> simplified with OpenCC, keeping one char per char.

    OpenCC's phrase tables are length-preserving for nearly all input; when a
    conversion changes the length the text is converted char by char so the
    position map stays exact.
    """
    converted = _opencc_t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_t2s_char(ch) for ch in text)


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    out = _opencc_t2s().convert(ch)
    return out if len(out) == 1 else ch


def chrome_mask(text: str) -> np.ndarray:
    """True for code points inside web-chrome lines or pinyin annotations."""
    mask = np.zeros(len(text), dtype=bool)
    for start, end in chrome_lines(text):
        mask[start:end] = True
    if _TONE_VOWEL_RE.search(text):  # every pinyin match holds a tone vowel: most texts skip the scan
        for match in _PINYIN_RE.finditer(text):
            mask[match.start() : match.end()] = True
    return mask


def chrome_lines(text: str) -> Iterator[tuple[int, int]]:
    """The spans ``_CHROME_LINE_RE.finditer`` finds, the pattern tried at
    line starts only (where its ``^`` can match): a search tries it at every
    character, a third of normalizing a summary. It is tried only where
    :func:`_may_be_chrome`: most lines of a summary are not."""
    marks = _inner_marks(text)
    pos, size = 0, len(text)
    while pos < size:
        match = _CHROME_LINE_RE.match(text, pos) if _may_be_chrome(text, pos, marks) else None
        if match is not None and match.end() > pos:
            yield match.span()
            pos = match.end()
        else:
            pos += 1
        if pos < size and text[pos - 1] != "\n":  # on to the next line start
            newline = text.find("\n", pos)
            if newline < 0:
                return
            pos = newline + 1


def _inner_marks(text: str) -> list[int]:
    """Where ``text`` holds a mark, in order: an inner word lies around one."""
    found = []
    for mark in _INNER_MARKS:
        at = text.find(mark)
        while at >= 0:
            found.append(at)
            at = text.find(mark, at + 1)
    return sorted(found)


def _may_be_chrome(text: str, pos: int, marks: list[int]) -> bool:
    """Whether the chrome pattern may match at line start ``pos``. Its
    ``^\\s*`` leaves the body to begin at the first non-space character
    (a ``.{0,N}`` may take some spaces before it, on its line): the body then
    starts as one of the branches without a ``.{0,N}`` in front does, or it holds
    an inner word (each after at most 40 characters of ``.``) that starts
    there or a little after. Tested with the pattern's own case folding
    and character classes."""
    at = pos
    if text[pos].isspace():  # str.isspace is the pattern's \s, code point for code point
        first = _NON_SPACE_RE.search(text, pos)
        if first is None:
            return False
        at = first.start()
    if _CHROME_FIRST_RE.match(text, at) is not None:
        return True
    near = bisect.bisect_left(marks, at)  # an inner word within reach holds a mark within reach
    return (
        near < len(marks)
        and marks[near] < at + _CHROME_REACH
        and bool(_CHROME_INNER_RE.search(text, at, at + _CHROME_REACH))
    )


def placeholder_mask(text: str) -> np.ndarray:
    mask = np.zeros(len(text), dtype=bool)
    if _PLACEHOLDER_CHAR_RE.search(text):  # every placeholder holds one of these: most texts skip the scan
        for match in _PLACEHOLDER_RE.finditer(text):
            mask[match.start() : match.end()] = True
    return mask


def normalize(text: str, *, fold_numbers: bool = True) -> Normalized:
    """Build the fingerprint stream of decoded ``text`` with its offset map.

    ``fold_numbers=False`` keeps digits and placeholders as they are (for the
    exact-match baseline, which knows nothing of entities).
    """
    n = len(text)
    cps = codepoints(text)
    cut = chrome_mask(text)
    wild = placeholder_mask(text)

    folded = np.zeros(n, dtype=np.uint32)
    bmp = cps < _TABLE_SIZE
    folded[bmp] = fold_table()[cps[bmp]]
    folded[~bmp] = cps[~bmp]
    folded[cut] = _DROP

    if fold_numbers:
        digit = (folded >= ord("0")) & (folded <= ord("9"))
        folded[(digit | wild) & ~cut] = _WILDCARD_CP
    keep = folded != _DROP
    meaningful = keep.copy()

    positions = np.flatnonzero(keep)
    stream = folded[positions]
    stream = _simplify_han(stream)

    # collapse runs of wildcards into one token spanning the whole run; a
    # run is one number (12.5, 1,200, 20xx): what lies between two wildcard
    # characters in the decoded text is nothing or one . or , (67.84%。2023年
    # is two numbers, and the sentence border between them stays)
    is_wild = stream == _WILDCARD_CP
    run_start = is_wild.copy()
    joined = positions[1:] - positions[:-1] == 1
    joined |= (positions[1:] - positions[:-1] == 2) & np.isin(
        cps[np.minimum(positions[:-1] + 1, n - 1)], _NUMBER_JOINERS
    )
    run_start[1:] &= ~(is_wild[:-1] & joined)
    first = ~is_wild | run_start
    starts = positions[first].astype(np.int64)
    ends = _run_ends(positions, first) + 1
    return Normalized(
        text=from_codepoints(stream[first]),
        starts=starts,
        ends=ends.astype(np.int64),
        meaningful=meaningful,
        source_length=n,
    )


def _run_ends(positions: np.ndarray, first: np.ndarray) -> np.ndarray:
    """For each kept stream element, the last original position of its run."""
    idx = np.flatnonzero(first)
    last_of_run = np.empty(len(idx), dtype=np.int64)
    if len(idx):
        last_of_run[:-1] = idx[1:] - 1
        last_of_run[-1] = len(positions) - 1
    return positions[last_of_run] if len(idx) else np.zeros(0, dtype=np.int64)


def _simplify_han(stream: np.ndarray) -> np.ndarray:
    """Fold traditional Han characters to simplified, one for one."""
    han = (stream >= 0x3400) & (stream <= 0x9FFF) | (stream >= 0xF900) & (stream <= 0xFAFF)
    if not han.any():
        return stream
    text = from_codepoints(stream)
    return codepoints(to_simplified(text)).copy()


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """One character folded for comparison (NFKC, then traditional to
    simplified), one for one, so offsets stay aligned in diffs."""
    folded = unicodedata.normalize("NFKC", ch)[:1] or ch
    return to_simplified(folded)


_FOLD = PerCharTable(fold_char)
_WIDE = 0xFFFFFFFE  # folds to more than one character


def _fold_code(ch: str) -> int:
    folded = fold_char(ch)
    return ord(folded) if len(folded) == 1 else _WIDE


_FOLD_CODES = CodepointTable(_fold_code)


def fold_codepoints(cps: np.ndarray) -> np.ndarray | None:
    """:func:`fold_char` of each code point (uint32), or None when one of
    them folds to more than one character (no one-for-one array exists)."""
    out = _FOLD_CODES(cps)
    return None if (out == _WIDE).any() else out


def fold_chars(text: str) -> str:
    """:func:`fold_char` over a whole string (same length as ``text``)."""
    try:
        folded = fold_codepoints(codepoints(text))
    except UnicodeEncodeError:  # a lone surrogate: no code point array
        folded = None
    return from_codepoints(folded) if folded is not None else text.translate(_FOLD)
