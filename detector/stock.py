"""Stock phrasing (套话): what every unit writes, told apart from copying.

Two sources of evidence, both over the normalized stream:

* corpus statistics: a gram whose document frequency in the index reaches
  ``max(min_docs, share × N)`` is stock (MOSS ``-m``, Dolos ``-M``);
* a short built-in list of formulas of official Chinese prose, for corpora
  too small for statistics (checking against two or three files).

Only *short* passages can be stock: a 60-character paragraph pasted by half
the city is a copied passage however common it is (that is a boilerplate
family, reported as copying).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from corpus.normalize import Normalized, codepoints, normalize
from corpus.structure import Paragraph, analyze
from corpus.textchars import CLOSING_MARKS, LINE_BREAK_CHARS, SENTENCE_BORDER_CHARS
from detector.align import AlignParams, Passage, is_evidence, trim
from detector.model import COPY, STOCK

_TITLE_MAX = 40
_SENTENCE_END = re.compile(f"[{SENTENCE_BORDER_CHARS}]")

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
)


@dataclass(frozen=True)
class StockParams:
    share: float = 0.05  # a gram in this share of the corpus is stock...
    min_docs: int = 3  # ... and in at least this many documents
    max_len: int = 40  # longest passage (stream chars) the formula list can make stock
    max_len_common: int = 80  # longest passage corpus frequencies can make stock
    min_cover: float = 0.5  # share of a short passage that formulas + common phrasing must cover
    min_cover_common: float = 0.75  # share of a longer passage that common phrasing must cover
    copied_block: int = 250  # a passage this long (stream chars) keeps its stock edges: they were copied with it
    stock_sentence: float = 0.65  # a sentence this much common phrasing is stock (is_stock_sentence) ...
    sentence_slots: int = 12  # ... with at most this many other characters (its slots: year, 我街道, topic)

    shared_cap: int = 10  # ... by this many aligned sources at most (candidates are capped)

    def threshold(self, corpus_size: int) -> int:
        """How many *other* documents must have a gram for it to be stock in a
        corpus of ``corpus_size`` others: the submission itself makes one more."""
        return max(self.min_docs, int(np.ceil(self.share * (corpus_size + 1)))) - 1

    def shared_threshold(self, corpus_size: int) -> int:
        """How many aligned sources must share a stretch for it to be common."""
        return min(self.threshold(corpus_size), max(self.min_docs, self.shared_cap) - 1)


@lru_cache(maxsize=1)
def normalized_phrases() -> tuple[str, ...]:
    return tuple(sorted({normalize(p).text for p in STOCK_PHRASES}, key=len, reverse=True))


def heading_mask(text: str, normalized: Normalized) -> np.ndarray:
    """Stream positions inside headings (一、 （一） 1. …) and other short
    unpunctuated lines: the title, the signature (落款) and its date.

    Structure, not content: copying ``二、存在的问题`` or a date line proves nothing.
    """
    mask = np.zeros(len(normalized.text), dtype=bool)
    for paragraph in _structure_lines(text):
        body = text[paragraph.start : paragraph.end]
        end = paragraph.end
        if paragraph.heading_level:
            cut = _SENTENCE_END.search(body)  # 1.强化督查考核。围绕…: only the title part
            end = paragraph.start + cut.start() if cut else paragraph.end
        lo, hi = normalized.to_stream(paragraph.start, end)
        mask[lo:hi] = True
    return mask


def _structure_lines(text: str) -> list[Paragraph]:
    """Headings, and short lines without a sentence end or a comma (title, 落款, date).

    A short line counts only after a line that ended a sentence (or another
    structure line): a line broken mid-sentence, as text pasted from a PDF
    is, leaves short fragments that are body text.
    """
    lines: list[Paragraph] = []
    after_end = True  # the start of the document ends nothing open
    for paragraph in analyze(text).paragraphs:
        body = text[paragraph.start : paragraph.end]
        is_label = after_end and len(body) <= _TITLE_MAX and not _SENTENCE_END.search(body) and not _CLAUSE.search(body)
        if paragraph.heading_level or is_label:
            lines.append(paragraph)
            after_end = True
        else:
            after_end = body.rstrip(CLOSING_MARKS)[-1:] in SENTENCE_BORDER_CHARS
    return lines


_CLAUSE = re.compile(r"[，,]")  # a title, a signature or a date has no clauses


def sentence_starts(text: str, normalized: Normalized) -> np.ndarray:
    """True at stream positions that begin a sentence: sentence-ending
    punctuation (。！？；：) or the line break around a heading or a short
    label line lies in the decoded text between the previous stream
    character and this one.

    Other line breaks are not borders: text pasted from a PDF or a web page
    breaks lines mid-sentence.
    """
    ends = np.isin(codepoints(text), _SENTENCE_BREAKS)
    for line in _structure_lines(text):  # the whitespace just outside the line
        if line.start > 0:
            ends[line.start - 1] = True
        if line.end < len(text):
            ends[line.end] = True
    return _starts_after(ends, normalized)


def line_starts(text: str, normalized: Normalized) -> np.ndarray:
    """True at stream positions that begin a line (any line break before them)."""
    return _starts_after(np.isin(codepoints(text), _LINE_BREAKS), normalized)


def _starts_after(ends: np.ndarray, normalized: Normalized) -> np.ndarray:
    """True at stream positions with a break character of ``ends`` (a mask
    over the decoded text) between the previous stream character and them."""
    n = len(normalized.text)
    starts = np.zeros(n, dtype=bool)
    if n == 0:
        return starts
    seen = np.concatenate([[0], np.cumsum(ends)])  # breaks before each decoded offset
    starts[0] = True
    starts[1:] = seen[normalized.starts[1:]] > seen[normalized.ends[:-1]]
    return starts


_SENTENCE_BREAKS = np.array([ord(c) for c in SENTENCE_BORDER_CHARS], dtype=np.uint32)
_LINE_BREAKS = np.array([ord(c) for c in LINE_BREAK_CHARS], dtype=np.uint32)


def lexicon_mask(stream: str) -> np.ndarray:
    """True where a built-in stock formula occurs in the stream."""
    mask = np.zeros(len(stream), dtype=bool)
    for phrase in normalized_phrases():
        start = stream.find(phrase)
        while start >= 0:
            mask[start : start + len(phrase)] = True
            start = stream.find(phrase, start + 1)
    return mask


def _spans(borders: np.ndarray | None, start: int, end: int) -> list[tuple[int, int, bool]]:
    """``start:end`` cut at the positions where ``borders`` is True: ``(lo,
    hi, whole)``, ``whole`` when the piece is not clipped by ``start:end``."""
    if borders is None:
        return [(start, end, False)]
    inner = (start + 1 + np.flatnonzero(borders[start + 1 : end])).tolist()
    whole_start = bool(borders[start]) if start < len(borders) else False
    whole_end = end >= len(borders) or bool(borders[end])
    cuts = [start, *inner, end]
    spans = []
    for i, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
        spans.append((lo, hi, (i > 0 or whole_start) and (i < len(cuts) - 2 or whole_end)))
    return spans


@dataclass
class StockModel:
    """Where the stream of one submission is stock phrasing."""

    formulas: np.ndarray  # built-in formula list and the document's headings
    common: np.ndarray  # what much of the corpus shares (gram frequencies, aligned sources)
    headings: np.ndarray  # headings and the title line
    params: StockParams = field(default_factory=StockParams)
    sentences: np.ndarray | None = None  # True where a sentence starts (see sentence_starts)
    pieces: np.ndarray | None = None  # True where a sentence or a line starts (see piece_spans)

    @classmethod
    def build(
        cls,
        stream: str,
        common_gram_positions: np.ndarray,
        gram_k: int,
        params: StockParams,
        headings: np.ndarray | None = None,
        sentences: np.ndarray | None = None,
        pieces: np.ndarray | None = None,
    ) -> StockModel:
        common = np.zeros(len(stream), dtype=bool)
        for pos in common_gram_positions:
            common[pos : pos + gram_k] = True
        headings = np.zeros(len(stream), dtype=bool) if headings is None else headings
        return cls(lexicon_mask(stream) | headings, common, headings, params, sentences, pieces)

    def add_shared(self, source_counts: np.ndarray, threshold: int) -> None:
        """Positions that at least ``threshold`` aligned sources also contain are
        common phrasing, whatever the sampled gram frequencies said."""
        self.common |= source_counts >= threshold

    def neutral_edges(self) -> np.ndarray:
        """What may be cut off the ends of a passage: headings and common phrasing."""
        return self.headings | self.common

    def sentence_spans(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """The sentences of ``start:end``, clipped to it: ``(lo, hi, whole)``,
        ``whole`` when the sentence lies inside ``start:end`` from end to end."""
        return _spans(self.sentences, start, end)

    def piece_spans(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """Like :meth:`sentence_spans`, split at every line break too (the
        items of a list pasted without 。)."""
        return _spans(self.pieces, start, end) if self.pieces is not None else self.sentence_spans(start, end)

    def is_stock_sentence(self, common: np.ndarray, lo: int, hi: int) -> bool:
        """A sentence that is mostly common phrasing is stock from end to end.

        A stock sentence has slots ("2023年，我街道将…奋力开创党建工作新局面"):
        the year, the self-reference and the topic are not common phrasing,
        but sharing them with another unit is no evidence of copying.
        """
        if hi <= lo:
            return False
        shared = int(common[lo:hi].sum())
        return shared >= self.params.stock_sentence * (hi - lo) and hi - lo - shared <= self.params.sentence_slots

    def sentence_end(self, position: int, limit: int) -> int:
        """End of the sentence holding stream ``position`` (at most ``limit``)."""
        if self.sentences is None:
            return position + 1
        later = np.flatnonzero(self.sentences[position + 1 : limit])
        return position + 1 + int(later[0]) if len(later) else limit

    def sentence_start(self, position: int, limit: int) -> int:
        """Start of the sentence holding stream ``position`` (at least ``limit``)."""
        if self.sentences is None:
            return position
        earlier = np.flatnonzero(self.sentences[limit : position + 1])
        return limit + int(earlier[-1]) if len(earlier) else limit

    def is_stock(self, start: int, end: int) -> bool:
        """A passage is stock when it is short and mostly stock phrasing.

        Corpus frequencies are the stronger evidence, so they may mark a
        longer passage stock than the built-in formula list may.
        """
        content = ~self.headings[start:end]  # structure lines (headings, 落款) do not count
        length = int(content.sum())
        if length <= 0:
            return end > start
        common = self.common[start:end][content]
        if length <= self.params.max_len_common and common.mean() >= self.params.min_cover_common:
            return True
        either = self.formulas[start:end][content] | common
        return length <= self.params.max_len and float(either.mean()) >= self.params.min_cover


@dataclass(frozen=True)
class Aligned:
    """One aligned passage before it is classified copy or stock."""

    path: str
    source: Normalized
    passage: Passage
    source_text: str  # the source's decoded text (offsets in matches refer to it)


def classify(
    submission: Normalized, aligned: Aligned, stock: StockModel, params: StockParams, align_params: AlignParams
) -> tuple[Passage, str]:
    """Cut headings and common phrasing off the ends, then decide copy or stock.

    Stock: what is left after the cut is no evidence of copying on its own,
    or the shared runs are common phrasing but for a few characters (a
    closer with its slots and a fragment of the sentence before it), or the
    passage is short and mostly formulas. Copy: a long paragraph of common
    phrasing that units pasted (a boilerplate family), a sentence matched
    from end to end that is not a stock sentence, anything else shared.
    """
    passage = aligned.passage
    if trim(passage, stock.headings, align_params.min_passage) is None:
        return passage, STOCK
    if passage.length >= params.copied_block:
        return passage, COPY  # a copied block (a whole summary): its opener and closer came with it
    common = stock.neutral_edges()
    neutral = common  # what trimming may cut; a copied sentence's common edges are taken out below
    core = trim(passage, neutral, align_params.min_passage, params.max_len_common)
    if core is not None and (core.a0 > passage.a0 or core.a1 < passage.a1):
        # a copied sentence keeps its common head and tail ("…发放倡议书200余份"): cut at its ends only
        start = stock.sentence_start(core.a0, passage.a0)
        end = stock.sentence_end(core.a1 - 1, passage.a1)
        if start < core.a0 or end > core.a1:
            neutral = neutral.copy()
            neutral[start : core.a0] = False
            neutral[core.a1 : end] = False
            core = trim(passage, neutral, align_params.min_passage, params.max_len_common)
    if core is None:  # common phrasing, or too little else to be evidence
        return passage, COPY if _is_boilerplate(passage, common, stock, params, align_params) else STOCK
    if core is not passage and not is_evidence(submission.text, aligned.source.text, core, align_params):
        return passage, STOCK
    own, matched, whole_sentences = _own_evidence(core, common, stock)
    if own < align_params.min_matched and 2 * own < matched and not _is_boilerplate(core, common, stock, params, align_params):
        # the shared runs are mostly common phrasing: a closer every unit
        # writes ("锐意进取、开拓创新…作出新的更大贡献") with a few shared
        # characters of the sentence before it is stock, however long
        return passage, STOCK
    if whole_sentences >= align_params.min_matched:
        return core, COPY  # a sentence matched from end to end is copied, formulas and all
    return core, STOCK if stock.is_stock(core.a0, core.a1) else "copy"


def _is_boilerplate(
    passage: Passage, common: np.ndarray, stock: StockModel, params: StockParams, align_params: AlignParams
) -> bool:
    """Whether the common phrasing in a passage is a paragraph units pasted
    (a boilerplate family: a copy) rather than stock phrases.

    More common text than a stock passage is long makes a paragraph, unless
    all but a few characters of it are one stock sentence (a long closer and
    the fragment of the sentence before it). Sentences are cut at line
    breaks too here: a pasted list has no 。.
    """
    content = common & ~stock.headings  # structure lines do not count
    total = int(content[passage.a0 : passage.a1].sum())
    if total <= params.max_len_common:
        return False
    for lo, hi, _ in stock.piece_spans(passage.a0, passage.a1):
        rest = total - int(content[lo:hi].sum())
        if rest < align_params.min_matched and stock.is_stock_sentence(common, lo, hi):
            return False
    return True


def _own_evidence(core: Passage, common: np.ndarray, stock: StockModel) -> tuple[int, int, int]:
    """``(own, matched, whole_sentences)``: characters of a passage that show
    copying beyond common phrasing, characters in exact runs, and how many
    characters are in whole sentences matched from end to end.

    Exact runs outside common phrasing count as own, and so does a whole
    sentence matched from end to end (a copied sentence keeps its common
    phrases), unless it is a stock sentence: that counts for nothing, even
    matched in full (see :meth:`StockModel.is_stock_sentence`).
    """
    covered = np.zeros(core.a1 - core.a0, dtype=bool)
    for run in core.runs:
        covered[run.a0 - core.a0 : run.a1 - core.a0] = True
    own = covered & ~common[core.a0 : core.a1]
    stock_text = common | stock.formulas
    whole_sentences = 0
    for lo, hi, whole in stock.sentence_spans(core.a0, core.a1):
        span = slice(lo - core.a0, hi - core.a0)
        if stock.is_stock_sentence(stock_text, lo, hi):
            own[span] = False
        elif whole and covered[span].all():
            own[span] = True
            whole_sentences += hi - lo
    return int(own.sum()), int(covered.sum()), whole_sentences
