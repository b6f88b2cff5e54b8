"""What changed between a passage and its source: the one diff engine of every view.

Characters are compared one by one after folding each (NFKC, traditional to
simplified, :func:`corpus.normalize.fold_char`), so a traditional page pasted
over a simplified source shows only the real edits. :func:`diff_passage`
gives the runs a side-by-side view (HTML, terminal) marks and the edits its
tables list; :func:`passage_edits` / :func:`compare_passages` do the same for
two bare passages (the families' swaps in the JSON report).

Edits are whole tokens: a number keeps its decimals and its unit or percent
("96.89% → 93.08%"), a name the whole word jieba's segmentation and
part-of-speech tags give ("杨阳村 → 荷阳乡", "市司法局 → 县交通运输局"), and each
edit carries the kind of entity its tags say it is. A passage that was
rewritten rather than swapped (low similarity, or a changed stretch longer
than a name) lists no edits: it is marked ``rewritten`` with its similarity.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import Levenshtein

from corpus.normalize import chrome_mask, codepoints, fold_chars, from_codepoints
from corpus.textchars import is_filler_char, meaningful_only

MERGE_GAP = 1  # edits separated by this many identical characters are one edit
WORD_CONTEXT = 6  # at most this many identical characters widen an edit to whole tokens
WINDOW = 20  # characters each side of an edit that are segmented to find its tokens
MAX_SWAP_CHARS = 12  # a changed stretch longer than this is rewriting, not a swap
REWRITE_SIMILARITY = 0.75  # a passage less similar than this to its source was rewritten
#: A number with its decimals, 余/多 and its unit or percent: one token.
_UNITS = (
    "个百分点 百分点 平方公里 平方米 公里 万元 亿元 元 人次 余次 万人 人 次 项 件 条 名 家 所 户 个 场 篇 份 处 座 台 辆 吨 亩 "
    "倍 批 期 块 米 天 周 年 月 日 号 万 亿"
).split()
_NUMBER_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*(?:[余多])?(?:[%‰]|" + "|".join(_UNITS) + ")?")
_UNIT_WORDS = frozenset(
    "人次 人 次 米 处 块 个 项 件 名 家 户 元 万元 亿元 余 多 年 月 日 天 周 倍 场 篇 份 座 台 辆 吨 亩 公里 平方米 百分点 个百分点".split()
)
_SELF = set("我本该全")  # self-reference: 我局, 本院, 全镇
_NAME_TAGS = ("n", "zg", "ng", "j", "s", "b")  # single characters of these kinds may be pieces of one name


def _content(text: str) -> str:
    return meaningful_only(text)


@dataclass(frozen=True)
class Edit:
    """One merged edit of a passage: source text -> submission text (folded)."""

    before: str  # as in the source ("" for an insertion)
    after: str  # as in the submission ("" for a deletion)
    kind: str = "word"  # "number", "organisation", "place", "person", "time", "word" (:func:`entity_kind`)

    @property
    def numeric(self) -> bool:
        return bool(re.search(r"[0-9]", self.before + self.after))

    def as_dict(self) -> dict[str, str]:
        return {"before": self.before, "after": self.after, "kind": self.kind}


@dataclass
class PassageDiff:
    """Character-level differences of one aligned passage pair.

    Runs are ``(start, end, css_class, title)`` in absolute offsets of each
    text; marks are ``(position, css_class, title)`` for text that exists only
    on the other side (drawn as a caret). ``edits`` are the substitutions for
    the tables, widened to whole words and numbers with their units; a
    ``rewritten`` passage (many changes and ``similarity`` below :data:`REWRITE_SIMILARITY`,
    or a changed stretch longer than :data:`MAX_SWAP_CHARS`) has none.
    """

    left: list[tuple[int, int, str, str]] = field(default_factory=list)
    right: list[tuple[int, int, str, str]] = field(default_factory=list)
    left_marks: list[tuple[int, str, str]] = field(default_factory=list)
    right_marks: list[tuple[int, str, str]] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    #: every changed stretch in reading order: (own start, own end, source start, source end, kind),
    #: kind "sub" | "ins" | "del" | "pun" (an insertion has an empty source range, a deletion an empty own one)
    changes: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    similarity: float = 1.0  # normalized Levenshtein similarity of the folded passages' letters and digits
    rewritten: bool = False


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
    li, lf = _folded(own, own_noise, start, end)
    ri, rf = _folded(src, src_noise, source_start, source_end)
    blocks = _edit_blocks(rf, lf)
    out = PassageDiff(similarity=_similarity(rf, lf))
    if not blocks:
        return out
    for rs, re_, ls, le in blocks:
        before = "".join(src[i] for i in ri[rs:re_])
        after = "".join(own[i] for i in li[ls:le])
        out.changes.append(_change(li, ri, ls, le, rs, re_, end, source_end, rf, lf))
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
    out.rewritten = _rewritten([max(re_ - rs, le - ls) for rs, re_, ls, le in blocks], out.similarity)
    if out.rewritten:  # no need to find the tokens of changes no table will list
        return out
    edits = _table_edits(rf, lf, blocks, before_texts=[src[i] for i in ri], after_texts=[own[i] for i in li])
    out.rewritten = _rewritten([max(len(e.before), len(e.after)) for e in edits], out.similarity)
    out.edits = [] if out.rewritten else edits
    return out


def _folded(text: str, noise: np.ndarray | None, start: int, end: int) -> tuple[list[int], str]:
    """The offsets of ``text[start:end]`` outside the noise mask, and those characters folded."""
    kept = np.arange(start, end) if noise is None else np.flatnonzero(~noise[start:end]) + start
    offsets = kept.tolist()
    try:
        chars = from_codepoints(codepoints(text[start:end])[kept - start])
    except UnicodeEncodeError:  # a lone surrogate: no code point array
        chars = "".join(map(text.__getitem__, offsets))
    return offsets, fold_chars(chars)


@lru_cache(maxsize=16)
def _folded_source(text: str) -> str:
    """A whole passage folded outside its noise: a family's representative,
    which every member is diffed against, is folded once."""
    return _folded(text, chrome_mask(text), 0, len(text))[1]


def _similarity(rf: str, lf: str) -> float:
    return round(Levenshtein.normalized_similarity(_content(rf), _content(lf)), 4)


def _rewritten(sizes: list[int], similarity: float) -> bool:
    """Rewriting, not swapping: a changed stretch longer than a name, or many changes and a low similarity."""
    many = sum(sizes) > 2 * MAX_SWAP_CHARS and similarity < REWRITE_SIMILARITY
    return many or max(sizes, default=0) > MAX_SWAP_CHARS


def _change(
    li: list[int], ri: list[int], ls: int, le: int, rs: int, re_: int, end: int, source_end: int, rf: str, lf: str
) -> tuple[int, int, int, int, str]:
    """One block in absolute offsets of both texts, with its kind."""
    a = li[ls] if ls < len(li) else end
    b = li[le - 1] + 1 if ls < le else a
    c = ri[rs] if rs < len(ri) else source_end
    d = ri[re_ - 1] + 1 if rs < re_ else c
    if _content(rf[rs:re_]) == _content(lf[ls:le]):
        kind = "pun"
    else:
        kind = "sub" if ls < le and rs < re_ else "ins" if ls < le else "del"
    return a, b, c, d, kind


def _edit_blocks(rf: str, lf: str) -> list[tuple[int, int, int, int]]:
    """Runs of non-equal opcodes (source rf -> submission lf).

    Adjacent opcodes form one edit; so do two edits split by a single
    identical character inside a word on either side (城市 -> 县城 aligns as
    insert 县, keep 城, delete 市), but not by a word of its own (局在区委 ->
    镇在县委 stays two edits).
    """
    blocks: list[list[int]] = []
    for op in Levenshtein.opcodes(rf, lf):
        if op.tag == "equal":
            continue
        if blocks:
            prev = blocks[-1]
            gap = op.dest_start - prev[3]
            merge = gap == 0
            if 0 < gap <= MERGE_GAP and not any(is_filler_char(c) for c in lf[prev[3] : op.dest_start]):
                bounds = set(_bounds_near(rf, prev[1], op.src_start)), set(_bounds_near(lf, prev[3], op.dest_start))
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
    """The content edits widened to whole tokens on both sides (numbers with
    units, names), merged where the widening makes them touch."""
    content = [b for b in blocks if _content(rf[b[0] : b[1]]) != _content(lf[b[2] : b[3]])]
    if not content:
        return []
    spans: list[list[int]] = []
    for n, (rs, re_, ls, le) in enumerate(blocks):
        if (rs, re_, ls, le) not in content:
            continue
        rtok, ltok = _bounds_near(rf, rs, re_), _bounds_near(lf, ls, le)
        raw = "".join(before_texts[rs:re_]) + "".join(after_texts[ls:le])
        if "\ufffd" in raw or "?" in raw or "？" in raw:
            continue  # mojibake in a scraped page, not an edit anyone made
        avail_left = min(ls - (blocks[n - 1][3] if n else 0), WORD_CONTEXT)
        avail_right = min((blocks[n + 1][2] if n + 1 < len(blocks) else len(lf)) - le, WORD_CONTEXT)
        kl = min(max(ls - _bound_before(ltok, ls), rs - _bound_before(rtok, rs)), avail_left)
        if kl == 0 and avail_left and lf[ls - 1] in _SELF and max(re_ - rs, le - ls) == 1:
            kl = 1  # 局 -> 镇 reads 我局 -> 我镇
        kr = min(max(_bound_after(ltok, le) - le, _bound_after(rtok, re_) - re_), avail_right)
        span = [rs - kl, re_ + kr, ls - kl, le + kr]
        if spans and (span[0] <= spans[-1][1] or span[2] <= spans[-1][3]):
            spans[-1][1], spans[-1][3] = max(spans[-1][1], span[1]), max(spans[-1][3], span[3])
        else:
            spans.append(span)
    edits = []
    for rs, re_, ls, le in spans:
        before, after = _trim_fillers(rf[rs:re_]), _trim_fillers(lf[ls:le])
        if before != after:
            edits.append(Edit(before, after, entity_kind(meaningful_only(after) or meaningful_only(before))))
    return edits


def _trim_fillers(text: str) -> str:
    """Without punctuation or spaces at either end (a percent sign after a number stays)."""
    start, end = 0, len(text)
    while start < end and is_filler_char(text[start]):
        start += 1
    while (
        end > start
        and is_filler_char(text[end - 1])
        and not (text[end - 1] in "%‰" and text[end - 2 : end - 1].isdigit())
    ):
        end -= 1
    return text[start:end]


def _bound_before(bounds: Sequence[int], pos: int) -> int:
    i = bisect_right(bounds, pos) - 1
    return bounds[i] if i >= 0 else 0


def _bound_after(bounds: Sequence[int], pos: int) -> int:
    i = bisect_right(bounds, pos - 1) if pos else 0
    while i < len(bounds) and bounds[i] < pos:
        i += 1
    return bounds[i] if i < len(bounds) else pos


def _bounds_near(text: str, lo: int, hi: int) -> tuple[int, ...]:
    """Token bounds of ``text`` around ``lo:hi``: the tokens of a window reaching
    :data:`WINDOW` characters each side (tagging a whole passage for each edit would cost
    more than the rest of a report); bounds at the window's own edges are dropped."""
    start, end = max(0, lo - WINDOW), min(len(text), hi + WINDOW)
    inner = _token_bounds(text[start:end])
    return tuple(start + b for b in inner if (b or not start) and (b < end - start or end == len(text)))


@lru_cache(maxsize=4096)
def _token_bounds(text: str) -> tuple[int, ...]:
    """Where the tokens of folded text start and end: numbers with their units
    whole (a regex for digits; jieba's numeral tags m/q and unit words for
    三个月, 十八块), the rest cut by jieba with part-of-speech tags, a run of
    single noun-like characters joined (an unknown name: 杨|阳|村)."""
    inside = np.zeros(len(text) + 1, dtype=bool)
    bounds = {0, len(text)}
    for m in _NUMBER_RE.finditer(text):
        bounds.update((m.start(), m.end()))
        inside[m.start() + 1 : m.end()] = True
    prev = ""
    for s, _e, flag, word in _tagged(text):
        if not _joins(prev, flag, word, len(word)):
            bounds.add(s)  # a new token starts: the previous group ends here
            prev = "m" if flag == "m" else "name" if len(word) == 1 and flag.startswith(_NAME_TAGS) else ""
    return tuple(sorted(b for b in bounds if not inside[b]))


def _joins(prev: str, flag: str, word: str, size: int) -> bool:
    """Whether a token continues the one before: a numeral's unit, or one more character of a name."""
    if prev == "m":
        return flag in ("m", "q", "mq") or word in _UNIT_WORDS
    return prev == "name" and size == 1 and flag.startswith(_NAME_TAGS)


def load_tagger() -> None:
    """Load jieba's dictionary (about 0.7 s) now rather than at the first passage tagged."""
    import jieba
    import jieba.posseg  # noqa: F401 - its tag tables load on import

    jieba.setLogLevel(60)
    jieba.initialize()


@lru_cache(maxsize=512)
def _tagged(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """jieba's tokens of ``text`` with their part-of-speech tags and offsets."""
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)
    out, pos = [], 0
    for pair in posseg.lcut(text, HMM=False):  # stable and fast; unknown names are joined by _token_bounds
        out.append((pos, pos + len(pair.word), pair.flag, pair.word))
        pos += len(pair.word)
    return tuple(out)


def passage_edits(own: str, src: str) -> list[Edit]:
    """The swaps between a submission passage and its source passage (none
    for a rewritten passage). Pinyin annotations and web chrome are ignored."""
    return compare_passages(own, src).edits


def compare_passages(own: str, src: str) -> PassageDiff:
    """:func:`diff_passage` of two whole passages (no offsets into longer texts)."""
    return diff_passage(own, chrome_mask(own), 0, len(own), src, chrome_mask(src), 0, len(src))


def passage_swaps(own: str, src: str) -> tuple[tuple[Edit, ...], float, bool]:
    """The edits, similarity and ``rewritten`` of :func:`compare_passages`,
    without its views: what a family lists of each member.

    A passage with a changed stretch longer than :data:`MAX_SWAP_CHARS`
    among the bare edit operations is rewritten however the edits are merged
    (merging only lengthens them), so it is not segmented into tokens at all:
    in a corpus of mosaics most members of a family are such."""
    own_noise = chrome_mask(own)
    _, lf = _folded(own, own_noise, 0, len(own))
    rf = _folded_source(src)
    similarity = _similarity(rf, lf)
    if _surely_rewritten(rf, lf, similarity) or _longest_change(rf, lf) > MAX_SWAP_CHARS:
        return (), similarity, True
    diff = diff_passage(own, own_noise, 0, len(own), src, chrome_mask(src), 0, len(src))
    return tuple(diff.edits), diff.similarity, diff.rewritten


def _surely_rewritten(rf: str, lf: str, similarity: float) -> bool:
    """:func:`_rewritten` without the edits: the changed stretches' sizes sum
    to at least the passages' difference in length (the unchanged parts are
    equal), so a long difference and a low similarity are "many changes"."""
    return abs(len(rf) - len(lf)) > 2 * MAX_SWAP_CHARS and similarity < REWRITE_SIMILARITY


def _longest_change(rf: str, lf: str) -> int:
    """The longest stretch (on either side) of adjacent edit operations, source ``rf`` -> ``lf``."""
    longest, block = 0, None
    for op in Levenshtein.opcodes(rf, lf):
        if op.tag == "equal":
            continue
        if block is None or op.dest_start != block[3]:
            block = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        else:
            block[1], block[3] = op.src_end, op.dest_end
        longest = max(longest, block[1] - block[0], block[3] - block[2])
    return longest


_POS_KINDS = (("ns", "place"), ("nt", "organisation"), ("nr", "person"), ("m", "number"), ("t", "time"))
_PLACE_SUFFIX = re.compile(r"(镇|乡|村|县|市|区|省|街道|社区)$")
_ORGANISATION_SUFFIX = re.compile(r"(局|厅|处|科|校|院|所|委|办|站|中心|医院|学校|中学|小学|公司)$")


@lru_cache(maxsize=4096)
def entity_kind(text: str) -> str:
    """What kind of entity ``text`` is, from jieba's POS tags and unit suffixes:
    "number", "organisation", "place", "person", "time" or "word"."""
    if not text:
        return "word"
    if any(c.isdigit() for c in text):
        return "number"
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)
    tagged = posseg.lcut(text)
    if tagged and tagged[0].flag == "m":
        return "number"
    if _ORGANISATION_SUFFIX.search(text):
        return "organisation"
    if _PLACE_SUFFIX.search(text):
        return "place"
    for word in tagged:
        for prefix, kind in _POS_KINDS:
            if word.flag.startswith(prefix):
                return kind
    return "word"
