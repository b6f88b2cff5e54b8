"""What changed between a passage and its source: one diff engine for every view.

Characters are compared one by one after folding each (NFKC, traditional to
simplified, :func:`corpus.normalize.fold_char`), so a traditional page pasted
over a simplified source shows only the real edits. :func:`diff_passage`
gives the runs a side-by-side view marks and the edits its tables list;
:func:`substitutions` gives the named swaps ("市司法局 → 县交通运输局") with
the kind of entity jieba's part-of-speech tags say they are;
:func:`folded_opcodes` is the comparison both build on (the terminal view
marks its non-equal blocks).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import Levenshtein

from corpus.normalize import chrome_mask, fold_char, fold_chars
from corpus.textchars import is_filler_char, meaningful_only

MERGE_GAP = 1  # edits separated by this many identical characters are one edit
EDIT_CONTEXT = 4  # at most this many identical characters widen an edit to whole words
_UNIT_CHARS = set("余多万亿千百十个次项件条名人家所户元年月日号期批场篇份处座台辆吨亩平方米公里斤%％‰倍")
_NUMERAL_RE = re.compile(r"[0-9零〇一二三四五六七八九十百千万亿两]")


def folded_opcodes(source: str, submission: str) -> list:
    """Levenshtein opcodes turning ``source`` into ``submission``, compared per folded character."""
    return list(Levenshtein.opcodes(fold_chars(source), fold_chars(submission)))


def _content(text: str) -> str:
    return meaningful_only(text)


@dataclass(frozen=True)
class Edit:
    """One merged edit of a passage: source text -> submission text (folded)."""

    before: str  # as in the source ("" for an insertion)
    after: str  # as in the submission ("" for a deletion)

    @property
    def numeric(self) -> bool:
        return bool(re.search(r"[0-9]", self.before + self.after))


@dataclass
class PassageDiff:
    """Character-level differences of one aligned passage pair.

    Runs are ``(start, end, css_class, title)`` in absolute offsets of each
    text; marks are ``(position, css_class, title)`` for text that exists only
    on the other side (drawn as a caret). ``edits`` are the substitutions for
    the tables, widened to whole words and numbers with their units.
    """

    left: list[tuple[int, int, str, str]] = field(default_factory=list)
    right: list[tuple[int, int, str, str]] = field(default_factory=list)
    left_marks: list[tuple[int, str, str]] = field(default_factory=list)
    right_marks: list[tuple[int, str, str]] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)


def diff_passage(
    own: str,
    own_noise: np.ndarray | None,
    start: int,
    end: int,
    src: str,
    src_noise: np.ndarray | None,
    source_start: int,
    source_end: int,
) -> PassageDiff:
    """Diff ``own[start:end]`` (submission) against ``src[source_start:source_end]``.

    Each character is folded on its own (NFKC + traditional -> simplified) so
    a traditional page pasted over a simplified source shows only real edits;
    characters under a noise mask (pinyin annotations, web chrome) are left
    out of the comparison.
    """
    li = [i for i in range(start, end) if own_noise is None or not own_noise[i]]
    ri = [i for i in range(source_start, source_end) if src_noise is None or not src_noise[i]]
    lf = "".join(fold_char(own[i]) for i in li)
    rf = "".join(fold_char(src[i]) for i in ri)
    blocks = _edit_blocks(rf, lf)
    out = PassageDiff()
    if not blocks:
        return out
    for rs, re_, ls, le in blocks:
        before = "".join(src[i] for i in ri[rs:re_])
        after = "".join(own[i] for i in li[ls:le])
        if _content(rf[rs:re_]) == _content(lf[ls:le]):
            if ls < le:
                out.left.append((li[ls], li[le - 1] + 1, "d-pun", "标点/空白不同"))
            if rs < re_:
                out.right.append((ri[rs], ri[re_ - 1] + 1, "d-pun", "标点/空白不同"))
            continue
        if ls < le and rs < re_:
            out.left.append((li[ls], li[le - 1] + 1, "d-sub", f"来源作：{before}"))
            out.right.append((ri[rs], ri[re_ - 1] + 1, "d-sub", f"本文作：{after}"))
        elif ls < le:
            out.left.append((li[ls], li[le - 1] + 1, "d-ins", "来源无此内容"))
            pos = ri[rs] if rs < len(ri) else source_end
            out.right_marks.append((pos, "cut cut-ins", f"本文此处新增：{after}"))
        else:
            out.right.append((ri[rs], ri[re_ - 1] + 1, "d-del", "本文删去"))
            pos = li[ls] if ls < len(li) else end
            out.left_marks.append((pos, "cut cut-del", f"本文此处删去：{before}"))
    out.edits = _table_edits(rf, lf, blocks, before_texts=[src[i] for i in ri], after_texts=[own[i] for i in li])
    return out


def _edit_blocks(rf: str, lf: str) -> list[tuple[int, int, int, int]]:
    """Runs of non-equal opcodes (source rf -> submission lf).

    Adjacent opcodes form one edit; so do two edits split by a single
    identical character inside a word on either side (城市 -> 县城 aligns as
    insert 县, keep 城, delete 市), but not by a word of its own (局在区委 ->
    镇在县委 stays two edits).
    """
    blocks: list[list[int]] = []
    bounds: tuple[set[int], set[int]] | None = None
    for op in Levenshtein.opcodes(rf, lf):
        if op.tag == "equal":
            continue
        if blocks:
            prev = blocks[-1]
            gap = op.dest_start - prev[3]
            merge = gap == 0
            if 0 < gap <= MERGE_GAP and not any(is_filler_char(c) for c in lf[prev[3] : op.dest_start]):
                if bounds is None:
                    bounds = set(_word_bounds(rf)), set(_word_bounds(lf))
                gap_is_word = {prev[1], op.src_start} <= bounds[0] and {prev[3], op.dest_start} <= bounds[1]
                merge = not gap_is_word
            if merge:
                prev[1], prev[3] = op.src_end, op.dest_end
                continue
        blocks.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    return [(a, b, c, d) for a, b, c, d in blocks]


def _table_edits(
    rf: str,
    lf: str,
    blocks: Sequence[tuple[int, int, int, int]],
    *,
    before_texts: Sequence[str],
    after_texts: Sequence[str],
) -> list[Edit]:
    edits: list[Edit] = []
    content_blocks = [b for b in blocks if _content(rf[b[0] : b[1]]) != _content(lf[b[2] : b[3]])]
    if not content_blocks:
        return edits
    lbounds, rbounds = _word_bounds(lf), _word_bounds(rf)
    for n, (rs, re_, ls, le) in enumerate(blocks):
        if (rs, re_, ls, le) not in content_blocks:
            continue
        raw = "".join(before_texts[rs:re_]) + "".join(after_texts[ls:le])
        if "\ufffd" in raw or "?" in raw or "？" in raw:
            continue  # mojibake in a scraped page, not an edit anyone made
        avail_left = ls - (blocks[n - 1][3] if n else 0)
        avail_right = (blocks[n + 1][2] if n + 1 < len(blocks) else len(lf)) - le
        grow_left = max(ls - _bound_at_or_before(lbounds, ls), rs - _bound_at_or_before(rbounds, rs))
        grow_right = max(_bound_at_or_after(lbounds, le, len(lf)) - le, _bound_at_or_after(rbounds, re_, len(rf)) - re_)
        kl = min(grow_left, avail_left, EDIT_CONTEXT)
        kr = min(grow_right, avail_right, EDIT_CONTEXT)
        if _NUMERAL_RE.search(rf[rs:re_] + lf[ls:le]):
            while kr < min(avail_right, 3) and lf[le + kr] in _UNIT_CHARS:
                kr += 1
        before, after = rf[rs - kl : re_ + kr], lf[ls - kl : le + kr]
        before, after = _trim_fillers(before), _trim_fillers(after)
        if before != after:
            edits.append(Edit(before, after))
    return edits


def _trim_fillers(text: str) -> str:
    start, end = 0, len(text)
    while start < end and is_filler_char(text[start]):
        start += 1
    while end > start and is_filler_char(text[end - 1]):
        end -= 1
    return text[start:end]


def _word_bounds(text: str) -> list[int]:
    """Word boundaries of folded text (jieba, HMM off so the cut is stable)."""
    import jieba

    jieba.setLogLevel(60)
    bounds = [0]
    for _word, _start, stop in jieba.tokenize(text, HMM=False):
        bounds.append(stop)
    return bounds


def _bound_at_or_before(bounds: Sequence[int], pos: int) -> int:
    i = bisect_right(bounds, pos) - 1
    return bounds[i] if i >= 0 else 0


def _bound_at_or_after(bounds: Sequence[int], pos: int, length: int) -> int:
    i = bisect_left(bounds, pos)
    return bounds[i] if i < len(bounds) else length


def passage_edits(own: str, src: str) -> list[Edit]:
    """The substitutions between a submission passage and its source passage.

    A convenience for callers without offsets: both strings are whole
    passages; pinyin annotations and web chrome are ignored.
    """
    return diff_passage(own, chrome_mask(own), 0, len(own), src, chrome_mask(src), 0, len(src)).edits


# -- named substitutions --------------------------------------------------------

_PINYIN_NOISE = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[)）]")
_CONTEXT = 1  # characters of shared context a substitution may absorb


@dataclass(frozen=True)
class Substitution:
    before: str  # text in the source passage
    after: str  # text in the submission passage
    kind: str  # "place", "organisation", "person", "number", "time", "word"

    def as_dict(self) -> dict[str, str]:
        return {"before": self.before, "after": self.after, "kind": self.kind}


def _meaningful(text: str) -> str:
    return meaningful_only(_PINYIN_NOISE.sub("", text))


def substitutions(source: str, submission: str) -> list[Substitution]:
    """Substitutions that turn ``source`` into ``submission`` (in order)."""
    ops = folded_opcodes(source, submission)
    merged: list[list[int]] = []  # [src_start, src_end, dst_start, dst_end]
    for op in ops:
        if op.tag == "equal":
            between = source[op.src_start : op.src_end]
            inside_number = len(between) <= 2 and all(c in _NUMERAL for c in between)
            if merged and (len(between) <= _CONTEXT and _all_filler(between) or inside_number):
                merged[-1][1], merged[-1][3] = op.src_end, op.dest_end
            continue
        if merged and merged[-1][1] == op.src_start and merged[-1][3] == op.dest_start:
            merged[-1][1], merged[-1][3] = op.src_end, op.dest_end
        else:
            merged.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    found = []
    for s0, s1, d0, d1 in merged:
        s0, s1, d0, d1 = _expand(source, submission, s0, s1, d0, d1)
        before, after = source[s0:s1].strip(), submission[d0:d1].strip()
        if _meaningful(before) == _meaningful(after):
            continue  # punctuation, spacing or pinyin noise only
        found.append(Substitution(before, after, entity_kind(_meaningful(after) or _meaningful(before))))
    return found


_NUMERAL = set("0123456789０１２３４５６７８９零〇一二三四五六七八九十百千万亿两_＿xX×*＊")
_SUFFIX = set("余多次年月日号个人名家所项处场件起万元米亩户块条张台辆座份期篇位局镇县市区乡村校院委办")
_MAX_SUFFIX = 3
_SELF = set("我本该全")  # self-reference: 我局, 本院, 全镇


def _expand(source: str, submission: str, s0: int, s1: int, d0: int, d1: int) -> tuple[int, int, int, int]:
    """Grow a substitution over shared numerals and unit/measure suffixes, so
    "30 → 25" reads "30余次 → 25余次" and "市司法 → 县交通运输" reads
    "市司法局 → 县交通运输局"."""
    while s0 > 0 and d0 > 0 and source[s0 - 1] == submission[d0 - 1] and source[s0 - 1] in _NUMERAL:
        s0, d0 = s0 - 1, d0 - 1
    if s0 > 0 and d0 > 0 and source[s0 - 1] == submission[d0 - 1] and source[s0 - 1] in _SELF:
        s0, d0 = s0 - 1, d0 - 1  # 局 -> 镇 reads 我局 -> 我镇
    grown = 0
    while (
        s1 < len(source)
        and d1 < len(submission)
        and source[s1] == submission[d1]
        and (source[s1] in _NUMERAL or (source[s1] in _SUFFIX and grown < _MAX_SUFFIX))
    ):
        grown += source[s1] in _SUFFIX
        s1, d1 = s1 + 1, d1 + 1
    return s0, s1, d0, d1


def _all_filler(text: str) -> bool:
    return not _meaningful(text)


_POS_KINDS = (("ns", "place"), ("nt", "organisation"), ("nr", "person"), ("m", "number"), ("t", "time"))
_UNIT_SUFFIX = re.compile(r"(局|镇|乡|村|县|市|区|校|院|所|委|办|中心|医院|学校|中学|小学|公司|街道|社区)$")


@lru_cache(maxsize=4096)
def entity_kind(text: str) -> str:
    """What kind of entity ``text`` is, from jieba's POS tags and unit suffixes."""
    if not text:
        return "word"
    if any(c.isdigit() for c in text):
        return "number"
    if _UNIT_SUFFIX.search(text):
        return "organisation"
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)
    for word in posseg.lcut(text, HMM=False):
        for prefix, kind in _POS_KINDS:
            if word.flag.startswith(prefix):
                return kind
    return "word"
