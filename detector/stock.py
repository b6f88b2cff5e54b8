"""Stock phrasing (套话) versus copying: a model of what units write independently.

套话 are short formulas that many units write, each inside different
surroundings; a pasted section is a block whose pieces occur together, in
however many documents it was pasted into. The evidence, per position of a
document's normalized stream, comes from the corpus sample
(:mod:`index.view`): ``d[i]``, the number of other documents holding the
gram (``gram_k`` characters) that starts at position *i*, and for a few
grams the documents themselves.

1. **Blocks.** The stream's grams are cut where ``d`` changes from one gram
   to the next: a block is a stretch held by as many documents.
2. **Units.** A high block (held by ``m`` documents or more) is joined with
   the next high block at most ``slot`` characters away (what lies between
   is a slot: the unit name, a number, or a word some of the holders
   changed) when the two are held by the same documents: of the documents
   holding either, the share holding both, corrected for chance, reaches
   ``together`` (:func:`together`). A unit is a template with its slots, or
   a section pasted with its names swapped and words edited here and there.
3. **Formulas.** A unit held by at least ``m`` documents that hold it
   without its left or its right neighbour (``d`` drops by ``m`` across its
   edge: it stands in other surroundings) and no longer than
   ``formula_length`` characters is a formula: stock. A longer unit is a
   pasted section however many documents hold it: pasting it into more units
   never turns it into stock.
4. **Prior and structure.** A short built-in list of formulas
   (:data:`STOCK_PHRASES`) for corpora too small for statistics; headings,
   the title, the 落款 and its date (:mod:`detector.borders`).

Every other position is the unit's own. The **evidence** of a passage
aligned with a source is its matched own characters. A passage is a
**copy** when its evidence reaches ``min_evidence`` characters; its leading
and trailing sentences without evidence are cut off and reported as stock;
otherwise the whole passage is stock. Parameters: ``m = max(min_docs,
ceil(share * (n + 1))) - 1`` over the ``n`` other documents of the sample,
``formula_length``, ``slot``, ``together`` and ``min_evidence``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np

from corpus.normalize import Normalized, codepoints, normalize
from detector.align import AlignParams, Passage, compiled_kernels, is_evidence, trim
from detector.borders import sentence_starts, structure_mask
from detector.model import COPY, STOCK
from index.sorted_keys import sorted_member

# Formulas every summary uses. Written for chachong; matched after
# normalization (punctuation dropped, traditional folded).
STOCK_PHRASES: tuple[str, ...] = (
    "的正确领导下",
    "在上级主管部门的正确领导下",
    "的大力支持下",
    "的统一部署和要求",
    "统一安排部署",
    "现将工作总结如下",
    "现将有关情况汇报如下",
    "现将主要工作总结如下",
    "工作总结如下",
    "总结如下",
    "高度重视",
    "加强领导",
    "狠抓落实",
    "常抓不懈",
    "齐抓共管",
    "责任到人",
    "落实到位",
    "层层落实",
    "一级抓一级",
    "层层抓落实",
    "取得了明显成效",
    "取得了显著成效",
    "取得了一定的成绩",
    "取得了较好的成效",
    "存在的问题和不足",
    "存在的不足",
    "下一步工作打算",
    "下一步打算",
    "明年工作打算",
    "今后工作打算",
    "在新的一年里",
    "进一步提高认识",
    "进一步明确职责",
    "进一步加强",
    "进一步提高",
    "进一步完善",
    "切实加强",
    "认真贯彻落实",
    "深入贯彻落实",
    "全面贯彻落实",
    "紧紧围绕",
    "以人为本",
    "成立了以",
    "为组长",
    "为副组长",
    "为成员的",
    "工作领导小组",
    "领导小组办公室",
    "主要领导亲自抓",
    "分管领导具体抓",
    "负总责",
    "亲自抓",
    "具体抓",
    "做出更大的贡献",
    "作出新的更大贡献",
    "作出更大贡献",
    "营造浓厚氛围",
    "营造了浓厚的氛围",
    "营造良好氛围",
    "长效机制",
    "建立健全",
    "不断完善",
    "今年以来",
    "一年来",
    "回顾一年来的工作",
    "以习近平新时代中国特色社会主义思想为指导",
    "深入学习贯彻党的二十大精神",
    "全面从严治党",
    "党风廉政建设",
    "意识形态工作",
    "宣传力度",
    "督查力度",
    "检查力度",
    "整改落实",
    "限期整改",
    "顺利开展",
    "有序推进",
    "扎实推进",
    "稳步推进",
    "积极参与",
    "广泛宣传",
    "思想认识",
    "工作格局",
    "工作机制",
    # common in closers, openers and transitions of summaries and reports
    "下一步",
    "取得了一定成绩",
    "在肯定成绩的同时",
    "清醒地认识到",
    "不容忽视",
    "认真总结经验",
    "查找不足",
    "以更高的标准",
    "更实的举措",
    "再上新台阶",
    "锐意进取",
    "开拓创新",
    "奋力开创",
    "新局面",
    "新篇章",
    "真抓实干",
    "凝心聚力",
    "坚强领导下",
    "决策部署",
    "目标任务",
    "圆满完成",
    "稳中求进工作总基调",
    "以人民为中心的发展思想",
    "高质量发展",
    "解放思想",
    "问题导向",
    "目标导向",
    "群众期盼",
    "全面推进",
    "深入推进",
    "持续推进",
    "统筹推进",
    "不断提高",
    "不断增强",
    "在巩固现有成果的基础上",
    "做好以下工作",
)


@dataclass(frozen=True)
class StockParams:
    share: float = 0.05  # a unit held in other surroundings by this share of the corpus is stock ...
    min_docs: int = 3  # ... counting the document itself, and by at least this many documents
    formula_length: int = 48  # the longest formula (stream characters, slots included)
    together: float = 0.5  # of the documents holding either of two pieces, the share holding both (beyond chance)
    slot: int = 12  # the longest slot inside a unit (a unit name, a number, a changed word)
    min_evidence: int = 18  # matched own characters that make a passage a copy
    busy_share: float = 0.01  # a gram in this share of the corpus proposes no candidates

    def threshold(self, others: int) -> int:
        """``m``: how many *other* documents must hold a gram in other
        surroundings for it to be stock, in a sample of ``others`` documents
        (the document itself makes one more)."""
        return max(self.min_docs, int(np.ceil(self.share * (others + 1)))) - 1

    def busy(self, others: int) -> int:
        """Grams held by this many other documents propose no candidates:
        their posting lists grow with the corpus, and long shared passages
        reach their sources through the LSH windows and rarer grams."""
        return min(self.threshold(others), max(self.min_docs + 2, int(np.ceil(self.busy_share * others))))


@lru_cache(maxsize=1)
def normalized_phrases() -> tuple[str, ...]:
    return tuple(sorted({normalize(p).text for p in STOCK_PHRASES}, key=len, reverse=True))


def lexicon_mask(stream: str) -> np.ndarray:
    """True where a built-in stock formula occurs in the stream. Only the
    positions where some formula's first two characters stand are tried."""
    mask = np.zeros(len(stream), dtype=bool)
    heads, by_head = _formulas_by_head()
    cps = codepoints(stream).astype(np.int64)
    pairs = (cps[:-1] << 21) | cps[1:]
    for at in np.flatnonzero(sorted_member(heads, pairs)).tolist():
        for phrase in by_head[int(pairs[at])]:
            if stream.startswith(phrase, at):
                mask[at : at + len(phrase)] = True
    return mask


@lru_cache(maxsize=1)
def _formulas_by_head() -> tuple[np.ndarray, dict[int, tuple[str, ...]]]:
    """The formulas' first two code points (as one number, sorted), and the formulas by them."""
    grouped: dict[int, list[str]] = {}
    for phrase in normalized_phrases():
        if len(phrase) < 2:
            raise ValueError(f"a stock formula of fewer than two characters: {phrase!r}")
        grouped.setdefault((ord(phrase[0]) << 21) | ord(phrase[1]), []).append(phrase)
    return np.array(sorted(grouped), dtype=np.int64), {head: tuple(found) for head, found in grouped.items()}


Holders = Callable[[int], np.ndarray]  # gram position -> the sample documents holding that gram
HolderLists = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # positions -> (pointers, holders)


@dataclass(frozen=True)
class GramCounts:
    """The sample's evidence about one document's grams."""

    d: np.ndarray  # per gram position: how many other documents of the sample hold the gram
    holders: Holders  # per gram position: which of them
    others: int  # how many other documents the sample has
    gram_k: int  # characters per gram
    holder_lists: HolderLists | None = None  # many positions' holders at once, as one flat array

    def holders_at(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The holders of each position's gram: ``holders[pointers[i]:pointers[i + 1]]``."""
        if self.holder_lists is not None:
            return self.holder_lists(positions)
        lists = [np.asarray(self.holders(int(p)), dtype=np.int64) for p in positions.tolist()]
        pointers = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in lists], out=pointers[1:])
        return pointers, np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)


def stock_grams(counts: GramCounts, params: StockParams) -> np.ndarray:
    """True at each gram of a formula (steps 1 to 3 of the module doc)."""
    d = np.asarray(counts.d, dtype=np.int64)
    threshold = params.threshold(counts.others)
    kernels = compiled_kernels()
    if kernels is not None:
        return _compiled_stock_grams(kernels, d, threshold, counts, params)
    stock = np.zeros(len(d), dtype=bool)
    for lo, hi in _units(_blocks(d), d, threshold, counts, params):
        left = d[lo - 1] if lo > 0 else 0
        right = d[hi] if hi < len(d) else 0
        free = d[lo] - left >= threshold or d[hi - 1] - right >= threshold
        if free and hi - lo - 1 + counts.gram_k <= params.formula_length:
            stock[lo:hi] = True
    return stock


def _compiled_stock_grams(
    kernels: ModuleType, d: np.ndarray, threshold: int, counts: GramCounts, params: StockParams
) -> np.ndarray:
    """:func:`stock_grams` by the compiled walk (:mod:`detector.kernels`), the
    high blocks' holders fetched in one lookup: the same formulas."""
    if not len(d):
        return np.zeros(0, dtype=bool)
    lo = np.r_[0, np.flatnonzero(np.diff(d)) + 1]
    hi = np.r_[lo[1:], len(d)]
    high = d[lo] >= threshold
    pointers = np.zeros(len(lo) + 1, dtype=np.int64)
    high_pointers, holders = counts.holders_at(lo[high])
    pointers[1:][high] = np.diff(high_pointers)
    np.cumsum(pointers, out=pointers)
    reach = params.slot + counts.gram_k - 1
    longest = params.formula_length - counts.gram_k + 1
    return kernels.stock_grams(
        d, lo, hi, pointers, holders.astype(np.int64), counts.others, threshold, reach, float(params.together), longest
    )


def _blocks(d: np.ndarray) -> list[tuple[int, int]]:
    """Gram ranges ``[lo, hi)`` of equal ``d`` (held by as many documents)."""
    if not len(d):
        return []
    cuts = np.flatnonzero(np.diff(d)) + 1
    bounds = [0, *cuts.tolist(), len(d)]
    return list(zip(bounds, bounds[1:]))


def _units(
    blocks: list[tuple[int, int]], d: np.ndarray, threshold: int, counts: GramCounts, params: StockParams
) -> list[tuple[int, int]]:
    """High blocks (held by ``threshold`` documents or more) joined with the
    next high block held by the same documents, at most a slot away (see
    :func:`_next_together`)."""
    high = (np.minimum.reduceat(d, [lo for lo, _ in blocks]) >= threshold).tolist() if blocks else []
    units: list[tuple[int, int]] = []
    i = 0
    while i < len(blocks):
        if not high[i]:
            i += 1
            continue
        members = [i]
        while (step := _next_together(members, blocks, high, counts, params)) is not None:
            members.append(step)
        units.append((blocks[i][0], blocks[members[-1]][1]))
        i = members[-1] + 1
    return units


def _next_together(
    members: list[int], blocks: list[tuple[int, int]], high: list[bool], counts: GramCounts, params: StockParams
) -> int | None:
    """The next high block held by the documents that hold the unit made of
    blocks ``members``, at most a slot after it: whatever lies between (a
    unit name, a number, a word some of the holders changed) spans at most
    ``params.slot`` characters (a changed character touches the ``gram_k``
    grams over it). The unit's holders are those of its typical block (the
    length-weighted median of ``d``), not of its edges, which may be a
    phrase other documents use too."""
    reach = params.slot + counts.gram_k - 1
    end = blocks[members[-1]][1]
    unit = _typical_holders(members, blocks, counts)
    for j in range(members[-1] + 1, len(blocks)):
        if blocks[j][0] - end > reach:
            return None
        if high[j] and together(unit, counts.holders(blocks[j][0]), counts.others) >= params.together:
            return j
    return None


def _typical_holders(members: list[int], blocks: list[tuple[int, int]], counts: GramCounts) -> np.ndarray:
    """The holders of the block whose ``d`` is the length-weighted median of the unit's."""
    ranked = sorted(members, key=lambda m: int(counts.d[blocks[m][0]]))
    lengths = np.array([blocks[m][1] - blocks[m][0] for m in ranked])
    middle = ranked[int(np.searchsorted(np.cumsum(lengths), lengths.sum() / 2))]
    return counts.holders(blocks[middle][0])


def together(a: np.ndarray, b: np.ndarray, others: int) -> float:
    """How much two pieces are held by the same documents: of the documents
    holding either, the share holding both (Jaccard), rescaled so that the
    share expected by chance (pieces held independently) counts 0 and all of
    them counts 1. Two pieces of one pasted section score high however many
    documents hold them, even when some copies edited one piece; two formulas
    most documents use, or a formula and the rarer phrase that follows it in
    a few documents, score low."""
    common = _common(a, b)
    union = len(a) + len(b) - common
    if not union or others <= 0:
        return 0.0
    pa, pb = min(len(a) / others, 1.0), min(len(b) / others, 1.0)
    chance = pa * pb / (pa + pb - pa * pb)
    if chance >= 1.0:
        return 0.0
    return max(0.0, (common / union - chance) / (1.0 - chance))


def _common(a: np.ndarray, b: np.ndarray) -> int:
    """How many distinct values two holder lists share."""
    if not len(a) or not len(b):
        return 0
    return len(np.intersect1d(a, b, assume_unique=True))  # holder lists are sorted and distinct


def covered(starts: np.ndarray, width: int, length: int) -> np.ndarray:
    """Positions of a ``length``-long stream covered by a ``width``-wide window
    starting where ``starts`` is True."""
    marks = np.zeros(length + width + 1, dtype=np.int64)
    at = np.flatnonzero(starts)
    np.add.at(marks, at, 1)
    np.add.at(marks, at + width, -1)
    return np.cumsum(marks)[:length] > 0


@dataclass
class StockModel:
    """Where the stream of one document is stock phrasing, and how its
    aligned passages are classified."""

    stock: np.ndarray  # stream positions of stock phrasing: formulas, the prior, structure
    structure: np.ndarray  # stream positions of headings, title, 落款
    sentences: np.ndarray  # True where a sentence starts
    params: StockParams

    @classmethod
    def build(
        cls,
        text: str,
        normalized: Normalized,
        counts: GramCounts,
        params: StockParams,
    ) -> StockModel:
        """The model of a document from the sample's counts of its grams."""
        stream = normalized.text
        structure = structure_mask(text, normalized)
        formulas = covered(stock_grams(counts, params), counts.gram_k, len(stream))
        stock = formulas | lexicon_mask(stream) | structure
        return cls(stock, structure, sentence_starts(text, normalized), params)

    def decoded_stock(self, normalized: Normalized) -> np.ndarray:
        """The stock positions as a mask over the decoded text."""
        at = np.flatnonzero(self.stock)
        size = normalized.source_length + 1
        opened = np.bincount(normalized.starts[at], minlength=size) - np.bincount(normalized.ends[at], minlength=size)
        return np.cumsum(opened[:-1]) > 0  # inside some stock character's decoded stretch

    def own(self, passage: Passage) -> np.ndarray:
        """The evidence of copying in ``passage``: its matched own characters
        (a mask over the passage's positions ``a0:a1`` of the submission,
        which hold its runs: a passage's bounds are its runs' extremes)."""
        mask = np.zeros(passage.a1 - passage.a0, dtype=bool)
        for run in passage.runs:
            mask[run.a0 - passage.a0 : run.a1 - passage.a0] = True
        return mask & ~self.stock[passage.a0 : passage.a1]

    def classify(self, passage: Passage, submission: str, source: str, align: AlignParams) -> list[tuple[Passage, str]]:
        """The passage as a copy (with its stock edge sentences apart) or as stock."""
        body = trim(passage, self.structure, align.min_passage)
        if body is None:
            return [(passage, STOCK)]
        own = self.own(body)
        if int(own.sum()) < self.params.min_evidence:
            return [(passage, STOCK)]
        first, last = body.a0 + int(np.argmax(own)), body.a1 - 1 - int(np.argmax(own[::-1]))
        lo, hi = self._sentence_start(first, body.a0), self._sentence_end(last, body.a1)
        core = _clip(body, lo, hi, align.min_passage)
        if core is None or core is not body and not is_evidence(submission, source, core, align):
            return [(body, COPY)]
        edges = [_clip(body, body.a0, lo, align.min_passage), _clip(body, hi, body.a1, align.min_passage)]
        return [(core, COPY)] + [(edge, STOCK) for edge in edges if edge is not None and edge is not body]

    def _sentence_start(self, position: int, limit: int) -> int:
        earlier = np.flatnonzero(self.sentences[limit : position + 1])
        return limit + int(earlier[-1]) if len(earlier) else limit

    def _sentence_end(self, position: int, limit: int) -> int:
        later = np.flatnonzero(self.sentences[position + 1 : limit])
        return position + 1 + int(later[0]) if len(later) else limit


def _clip(passage: Passage, lo: int, hi: int, min_length: int) -> Passage | None:
    """The part of ``passage`` inside stream positions ``lo:hi`` (runs clipped along their diagonals)."""
    if hi - lo < min_length:
        return None
    if (lo, hi) == (passage.a0, passage.a1):
        return passage
    outside = np.ones(max(passage.a1, hi) + 1, dtype=bool)
    outside[lo:hi] = False
    return trim(passage, outside, min_length)
