"""The HTML report: one self-contained page for a report (schema chachong/report-v1).

``render_html(report, texts)`` turns the JSON report dict into a single HTML
file with inline CSS and JavaScript (no network, no external fonts) that opens
offline and prints to A4. For each document it shows the originality score,
a strip of the whole text locating the copied passages, the submission and
one chosen source side by side (passage pairs in the same colour, scroll
linked, click one to jump to its twin), character-level differences inside
each passage and a table of the substitutions (names, numbers) that turned
the source into the submission.

Everything from the report or the documents reaches the page through jinja2
autoescaping; the data handed to the script is embedded with ``|tojson``.
The output is deterministic: the same report and texts give the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from rapidfuzz.distance import Levenshtein

from corpus.normalize import chrome_mask, fold_char
from corpus.structure import analyze

TextLoader = Callable[[str], str | None]

PALETTE_SIZE = 10  # passage colours c0..c9 in report.css
SOURCE_FULL_LIMIT = 30_000  # longer sources are shown around their passages only
SOURCE_CONTEXT_PARAGRAPHS = 2  # paragraphs kept before/after a passage then
MERGE_GAP = 1  # edits separated by this many identical characters are one edit
EDIT_CONTEXT = 4  # at most this many identical characters widen an edit to whole words
_UNIT_CHARS = set("余多万亿千百十个次项件条名人家所户元年月日号期批场篇份处座台辆吨亩平方米公里斤%％‰倍")
_TITLE_END_RE = re.compile(r"[。！？!?；;]")
_NUMERAL_RE = re.compile(r"[0-9零〇一二三四五六七八九十百千万亿两]")

__all__ = ["render_html", "TextLoader", "passage_edits", "PassageDiff", "diff_passage"]


# -- text hygiene ----------------------------------------------------------------

_CONTROL_TABLE = {cp: 0x2400 + cp for cp in range(0x20) if cp not in (0x09, 0x0A, 0x0D)}
_CONTROL_TABLE[0x7F] = 0x2421
_CONTROL_TABLE.update({cp: 0xFFFD for cp in range(0x80, 0xA0)})
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def visible(text: Any) -> str:
    """``text`` as a string whose control characters are drawn as symbols.

    One code point stays one code point (so offsets keep their meaning): C0
    controls become their Unicode control pictures (␇, ␛), C1 controls and
    lone surrogates become U+FFFD. Escaping is left to the template engine.
    """
    if text is None:
        return ""
    text = str(text).translate(_CONTROL_TABLE)
    return _SURROGATE_RE.sub("\ufffd", text)


# -- character folding and passage diffs ----------------------------------------------


def _is_filler(ch: str) -> bool:
    """Punctuation, symbols, whitespace and controls: not worth reporting as an edit."""
    return ch.isspace() or unicodedata.category(ch)[0] in "PZSC"


def _content(text: str) -> str:
    return "".join(ch for ch in text if not _is_filler(ch))


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
            if 0 < gap <= MERGE_GAP and not any(_is_filler(c) for c in lf[prev[3] : op.dest_start]):
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
    while start < end and _is_filler(text[start]):
        start += 1
    while end > start and _is_filler(text[end - 1]):
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


# -- view models -------------------------------------------------------------------


@dataclass
class Run:
    text: str
    cls: str = ""
    m: str = ""  # match numbers of this pane's source covering the run
    o: str = ""  # match numbers of other sources covering it
    n: str = ""  # passage label drawn before the run (first run of a passage)
    title: str = ""
    anchors: list[str] = field(default_factory=list)  # ids of empty anchors before the run
    marks: list[tuple[str, str]] = field(default_factory=list)  # (class, title) carets before the run

    @property
    def plain(self) -> bool:
        return not (self.cls or self.m or self.o or self.n or self.title)


@dataclass
class ParaView:
    cls: str
    runs: list[Run]
    badge: str = ""
    badge_cls: str = ""


@dataclass
class PaneMatch:
    j: int
    start: int
    end: int
    primary: bool
    kind: str
    color: int
    label: str
    runs: list[tuple[int, int, str, str]]
    marks: list[tuple[int, str, str]]


@dataclass
class TextInfo:
    text: str | None
    notice: str = ""
    noise: np.ndarray | None = None
    paragraphs: tuple = ()
    noise_runs: list[tuple[int, int]] = field(default_factory=list)


class _Texts:
    """Texts by path for one render, loaded once, with their structure."""

    def __init__(self, loader: TextLoader) -> None:
        self._loader = loader
        self._cache: dict[str, TextInfo] = {}

    def get(self, path: str) -> TextInfo:
        if path not in self._cache:
            self._cache[path] = self._load(path)
        return self._cache[path]

    def _load(self, path: str) -> TextInfo:
        try:
            text = self._loader(path)
        except Exception as exc:  # one unreadable source must not sink the report
            return TextInfo(None, f"无法读取文本：{type(exc).__name__}: {exc}")
        if not isinstance(text, str):
            return TextInfo(None, "文本不可用，仅显示偏移。")
        noise = chrome_mask(text)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], noise.view(np.int8), [0]))))
        noise_runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
        return TextInfo(text, "", noise, analyze(text).paragraphs, noise_runs)


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _pct(value: Any) -> str:
    return f"{_num(value):.1%}"


def _grade(originality: float) -> str:
    if originality >= 0.9:
        return "good"
    if originality >= 0.7:
        return "warn"
    return "bad"


def _clean_match(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    start, end = _int(raw.get("start"), -1), _int(raw.get("end"), -1)
    sstart, send = _int(raw.get("source_start"), -1), _int(raw.get("source_end"), -1)
    if start < 0 or end < start or sstart < 0 or send < sstart:
        return None
    return {
        "start": start,
        "end": end,
        "source": str(raw.get("source", "")),
        "source_start": sstart,
        "source_end": send,
        "similarity": _num(raw.get("similarity")),
        "kind": "stock" if raw.get("kind") == "stock" else "copy",
    }


def _document_view(d: int, doc: dict[str, Any], store: _Texts, max_sources: int | None = None) -> dict[str, Any]:
    path = str(doc.get("path", ""))
    chars = _int(doc.get("chars"))
    matches = [m for m in (_clean_match(r) for r in doc.get("matches") or []) if m is not None]

    # sources: the report's list (by share), then any source only seen in matches
    sources: list[dict[str, Any]] = []
    by_path: dict[str, int] = {}
    for raw in doc.get("sources") or []:
        if isinstance(raw, dict) and str(raw.get("source", "")) not in by_path:
            by_path[str(raw.get("source", ""))] = len(sources)
            sources.append(dict(raw, source=str(raw.get("source", ""))))
    for m in matches:
        if m["source"] not in by_path:
            by_path[m["source"]] = len(sources)
            sources.append({"source": m["source"], "share": 0.0, "copied_chars": 0, "passages": 0})

    # the submission's text, checked against the report
    own = store.get(path)
    own_text, own_notice = own.text, own.notice
    if own_text is not None:
        too_far = max((m["end"] for m in matches), default=0)
        if (doc.get("chars") is not None and len(own_text) != chars) or too_far > len(own_text):
            own_text, own_notice = None, f"文本与报告不符（{len(own_text)} 字 ≠ 报告 {chars} 字），仅显示偏移。"

    number = 0
    match_views: list[dict[str, Any]] = []
    for j, m in enumerate(matches):
        k = by_path[m["source"]]
        if m["kind"] == "copy":
            number += 1
            label, color = str(number), (number - 1) % PALETTE_SIZE
        else:
            label, color = "套", -1
        match_views.append(dict(m, j=j, k=k, label=label, color=color, diff=None, edits=[]))

    # source texts, checked against the offsets
    source_infos: list[TextInfo] = []
    for k, source in enumerate(sources):
        info = store.get(source["source"])
        if info.text is not None:
            need = max((mv["source_end"] for mv in match_views if mv["k"] == k), default=0)
            if need > len(info.text):
                info = TextInfo(None, f"来源文本与报告不符（{len(info.text)} 字，偏移到 {need}），仅显示偏移。")
        source_infos.append(info)

    # character diffs of every copy passage whose two texts are at hand
    for mv in match_views:
        src = source_infos[mv["k"]]
        if mv["kind"] == "copy" and own_text is not None and src.text is not None:
            mv["diff"] = diff_passage(
                own_text, own.noise, mv["start"], mv["end"], src.text, src.noise, mv["source_start"], mv["source_end"]
            )
            mv["edits"] = mv["diff"].edits

    sections = [s for s in doc.get("sections") or [] if isinstance(s, dict)]
    shown = len(sources) if max_sources is None else max(0, min(max_sources, len(sources)))
    pairs = []
    for k, source in enumerate(sources[:shown]):
        mine = [mv for mv in match_views if mv["k"] == k]
        pair: dict[str, Any] = {
            "k": k,
            "source": visible(source["source"]),
            "unit": visible(source.get("unit")),
            "year": visible(source.get("year")),
            "share": _pct(source.get("share")),
            "left": None,
            "right": None,
            "left_notice": visible(own_notice),
            "right_notice": visible(source_infos[k].notice),
            "offsets": [(mv["label"], mv["source_start"], mv["source_end"], mv["kind"]) for mv in mine],
        }
        if own_text is not None:
            pane_matches = [_pane_match(mv, mv["start"], mv["end"], mv["k"] == k, "left") for mv in match_views]
            pair["left"] = _pane(own_text, own, pane_matches, d, "L", sections=sections)
        src = source_infos[k]
        if src.text is not None:
            pane_matches = [_pane_match(mv, mv["source_start"], mv["source_end"], True, "right") for mv in mine]
            keep = None
            if len(src.text) > SOURCE_FULL_LIMIT:
                keep = _kept_paragraphs(src.paragraphs, [(mv["source_start"], mv["source_end"]) for mv in mine])
            pair["right"] = _pane(src.text, src, pane_matches, d, "R", keep=keep)
        pairs.append(pair)

    # where a link to a passage goes: its first run on the left, else its table row
    hrefs = {
        mv["j"]: f"#d{d}m{mv['j']}L" if own_text is not None and mv["k"] < shown else f"#d{d}p{mv['j']}"
        for mv in match_views
    }
    originality = _num(doc.get("originality"), 1.0)
    strip = []
    for mv in sorted(match_views, key=lambda v: (v["kind"] == "stock", v["start"], v["j"])):  # thin stock bars on top
        if chars <= 0:
            break
        left = min(max(mv["start"] / chars, 0.0), 1.0) * 100
        width = max(min((mv["end"] - mv["start"]) / chars, 1.0) * 100, 0.4)
        strip.append(
            {
                "j": mv["j"],
                "href": hrefs[mv["j"]],
                "cls": "stock" if mv["kind"] == "stock" else f"c{mv['color']}",
                "style": f"left:{left:.3f}%;width:{min(width, 100 - left):.3f}%",
                "title": visible(
                    f"{'套话' if mv['kind'] == 'stock' else '#' + mv['label']} [{mv['start']}:{mv['end']}] "
                    f"← {mv['source']} {mv['similarity']:.0%}"
                ),
            }
        )
    ticks = [
        {
            "style": f"left:{min(max(_int(s.get('start')) / chars, 0.0), 1.0) * 100:.3f}%",
            "title": visible(s.get("title")),
        }
        for s in sections
        if chars > 0 and _int(s.get("start")) > 0
    ]

    # the substitution table of the whole document
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for mv in match_views:
        for edit in mv["edits"]:
            row = table.setdefault((edit.before, edit.after), {"edit": edit, "count": 0, "passages": []})
            row["count"] += 1
            if mv["j"] not in [p[0] for p in row["passages"]]:
                row["passages"].append((mv["j"], mv["label"], hrefs[mv["j"]]))
    edit_rows = sorted(table.values(), key=lambda r: -r["count"])  # stable: then in reading order

    return {
        "d": d,
        "path": visible(path),
        "unit": visible(doc.get("unit")),
        "year": visible(doc.get("year")),
        "submitted": visible(doc.get("submitted")),
        "format": visible(doc.get("format")),
        "encoding": visible(doc.get("encoding")),
        "chars": chars,
        "meaningful_chars": _int(doc.get("meaningful_chars")),
        "copied_chars": _int(doc.get("copied_chars")),
        "stock_chars": _int(doc.get("stock_chars")),
        "originality": _pct(originality),
        "grade": _grade(originality),
        "max_source": visible(doc.get("max_source")),
        "max_source_share": _pct(doc.get("max_source_share")),
        "copy_count": number,
        "hidden_sources": len(sources) - shown,
        "stock_count": len(match_views) - number,
        "sources": [
            {
                "k": k,
                "source": visible(s["source"]),
                "unit": visible(s.get("unit")),
                "year": visible(s.get("year")),
                "share": _pct(s.get("share")),
                "copied_chars": _int(s.get("copied_chars")),
                "passages": _int(s.get("passages")),
                "shown": k < shown,
                "stock": sum(1 for mv in match_views if mv["k"] == k and mv["kind"] == "stock"),
            }
            for k, s in enumerate(sources)
        ],
        "sections": [
            {
                "title": visible(s.get("title")),
                "start": _int(s.get("start")),
                "end": _int(s.get("end")),
                "share": _pct(s.get("share")),
                "width": f"{min(max(_num(s.get('share')), 0.0), 1.0) * 100:.1f}",
                "copied_chars": _int(s.get("copied_chars")),
                "meaningful_chars": _int(s.get("meaningful_chars")),
            }
            for s in sections
        ],
        "warnings": [visible(w) for w in doc.get("warnings") or []],
        "notice": visible(own_notice),
        "strip": strip,
        "ticks": ticks,
        "pairs": pairs,
        "passages": [
            {
                "j": mv["j"],
                "k": mv["k"],
                "label": mv["label"],
                "kind": mv["kind"],
                "color": mv["color"],
                "start": mv["start"],
                "end": mv["end"],
                "source": visible(mv["source"]),
                "source_name": visible(re.split(r"[\\/]", mv["source"])[-1]),
                "source_start": mv["source_start"],
                "source_end": mv["source_end"],
                "similarity": f"{mv['similarity']:.0%}",
                "edits": [{"before": visible(e.before), "after": visible(e.after)} for e in mv["edits"]],
            }
            for mv in match_views
        ],
        "edit_rows": [
            {
                "before": visible(r["edit"].before),
                "after": visible(r["edit"].after),
                "numeric": r["edit"].numeric,
                "count": r["count"],
                "passages": r["passages"],
            }
            for r in edit_rows
        ],
        "js": {"m": [[mv["k"], mv["kind"]] for mv in match_views]},
    }


def _pane_match(mv: dict[str, Any], start: int, end: int, primary: bool, side: str) -> PaneMatch:
    diff: PassageDiff | None = mv["diff"] if primary else None
    if diff is None:
        runs, marks = [], []
    elif side == "left":
        runs, marks = diff.left, diff.left_marks
    else:
        runs, marks = diff.right, diff.right_marks
    return PaneMatch(mv["j"], start, end, primary, mv["kind"], mv["color"], mv["label"], runs, marks)


def _kept_paragraphs(paragraphs: Sequence[Any], ranges: Iterable[tuple[int, int]]) -> set[int]:
    keep: set[int] = set()
    ranges = list(ranges)
    for i, p in enumerate(paragraphs):
        if any(p.start < e and s < p.end for s, e in ranges):
            lo, hi = max(0, i - SOURCE_CONTEXT_PARAGRAPHS), min(len(paragraphs), i + SOURCE_CONTEXT_PARAGRAPHS + 1)
            keep.update(range(lo, hi))
    return keep


def _pane(
    text: str,
    info: TextInfo,
    matches: list[PaneMatch],
    d: int,
    side: str,
    *,
    keep: set[int] | None = None,
    sections: Sequence[dict[str, Any]] = (),
) -> list[ParaView]:
    """The paragraphs of ``text`` split into runs of identical markup."""
    paragraphs = info.paragraphs
    order = sorted(matches, key=lambda m: (not m.primary, m.kind != "copy", m.start, -m.end, m.j))
    primaries = [m for m in order if m.primary]
    section_badges = {
        _int(s.get("start")): (_pct(s.get("share")), "hot" if _num(s.get("share")) >= 0.3 else "")
        for s in sections
        if _int(s.get("copied_chars")) > 0
    }

    # carets (text only on the other side) go to the paragraph holding their position
    starts = [p.start for p in paragraphs]
    marks_by_para: dict[int, list[tuple[int, str, str]]] = {}
    for m in primaries:
        for pos, cls, title in m.marks:
            i = max(bisect_right(starts, pos) - 1, 0)
            marks_by_para.setdefault(i, []).append((min(max(pos, paragraphs[i].start), paragraphs[i].end), cls, title))

    bounds_all: set[int] = set()
    for m in matches:
        bounds_all.update((m.start, m.end))
        for s, e, _c, _t in m.runs:
            bounds_all.update((s, e))
    for s, e in info.noise_runs:
        bounds_all.update((s, e))
    sorted_bounds = sorted(bounds_all)

    seen: set[int] = set()
    out: list[ParaView] = []
    skipped = 0
    prev_kept_end = 0
    for i, p in enumerate(paragraphs):
        if keep is not None and i not in keep:
            if skipped == 0:
                prev_kept_end = paragraphs[i - 1].end if i else 0
            skipped = p.end
            continue
        if skipped:
            out.append(ParaView("gap", [Run(f"⋯ 省略 {p.start - prev_kept_end} 字 ⋯")]))
            skipped = 0
        cuts = {p.start, p.end}
        lo, hi = bisect_right(sorted_bounds, p.start), bisect_left(sorted_bounds, p.end)
        cuts.update(sorted_bounds[lo:hi])
        para_marks = sorted(marks_by_para.get(i, []))
        cuts.update(pos for pos, _c, _t in para_marks)
        title_end = p.start
        if p.heading_level:  # a heading's title is bold; body text run on after it is not
            found = _TITLE_END_RE.search(text, p.start, p.end)
            title_end = found.end() if found else p.end
            cuts.add(title_end)
        points = sorted(cuts)
        runs: list[Run] = []
        mark_i = 0
        for a, b in zip(points, points[1:] + [None]):
            pending: list[tuple[str, str]] = []
            while mark_i < len(para_marks) and para_marks[mark_i][0] == a:
                pending.append(para_marks[mark_i][1:])
                mark_i += 1
            if b is None:
                if pending:
                    runs.append(Run("", marks=pending))
                break
            run = _run(text, info, a, b, order, seen, d, side, pending)
            if a < title_end:
                run.cls = f"ht {run.cls}".strip()
            runs.append(run)
        level = p.heading_level
        badge, badge_cls = ("", "")
        if side == "L" and p.start in section_badges:
            badge, badge_cls = section_badges[p.start]
            badge = f"本节复制 {badge}"
        out.append(ParaView(f"hd hd{level}" if level else "p", _merge(runs), badge, badge_cls))
    if skipped:
        out.append(ParaView("gap", [Run(f"⋯ 省略 {len(text) - prev_kept_end} 字 ⋯")]))
    return out


def _run(
    text: str,
    info: TextInfo,
    a: int,
    b: int,
    order: list[PaneMatch],
    seen: set[int],
    d: int,
    side: str,
    marks: list[tuple[str, str]],
) -> Run:
    covering = [m for m in order if m.start <= a and b <= m.end and m.start < m.end]
    mine = [m for m in covering if m.primary]
    others = [m for m in covering if not m.primary]
    classes: list[str] = []
    title = ""
    label = ""
    anchors = []
    for m in mine:
        if m.j not in seen:
            seen.add(m.j)
            anchors.append(f"d{d}m{m.j}{side}")
            if not label and m.kind == "copy":
                label = m.label
    if mine:
        lead = mine[0]
        if lead.kind == "copy":
            classes += ["m", f"c{lead.color}"]
            for s, e, cls, t in lead.runs:
                if s <= a and b <= e:
                    classes.append(cls)
                    title = t
                    break
        else:
            classes += ["m", "stock"]
    elif others:
        classes.append("ov" if any(m.kind == "copy" for m in others) else "stock ov")
    if info.noise is not None and info.noise[a]:
        classes.append("nz")  # no title: pinyin pages have hundreds; the legend explains it
    return Run(
        visible(text[a:b]),
        " ".join(classes),
        " ".join(str(m.j) for m in mine),
        " ".join(str(m.j) for m in others),
        label,
        title,
        anchors,
        marks,
    )


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if (
            merged
            and not run.anchors
            and not run.marks
            and not run.n
            and (run.cls, run.m, run.o, run.title) == (merged[-1].cls, merged[-1].m, merged[-1].o, merged[-1].title)
        ):
            merged[-1].text += run.text
        else:
            merged.append(run)
    return merged


# -- rendering --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: dict[str, Any], texts: TextLoader, *, max_sources: int | None = None) -> str:
    """The self-contained HTML page of a report (schema ``chachong/report-v1``).

    ``texts(path)`` returns the decoded text of a submission or source (the
    text every offset refers to) or None when it is unavailable; the page then
    shows offsets only, with a notice. Unknown report keys are ignored.

    ``max_sources`` caps the side-by-side views per document to the first
    (largest) sources; the others stay in the tables and as overlaps. Each
    view repeats the submission, so large audits should pass a small cap.
    """
    store = _Texts(texts)
    documents = [doc for doc in report.get("documents") or [] if isinstance(doc, dict)]
    docs = [_document_view(d, doc, store, max_sources) for d, doc in enumerate(documents)]
    errors = [
        {"path": visible(e.get("path")), "reason": visible(e.get("reason"))}
        for e in report.get("errors") or []
        if isinstance(e, dict)
    ]
    tool = report.get("tool") if isinstance(report.get("tool"), dict) else {}
    index = report.get("index") if isinstance(report.get("index"), dict) else {}
    page = {
        "schema": visible(report.get("schema")),
        "tool": visible(f"{tool.get('name', 'chachong')} {tool.get('version', '')}".strip()),
        "command": visible(report.get("command")),
        "index_path": visible(index.get("path")),
        "index_documents": visible(index.get("documents")),
        "title": visible(docs[0]["path"].rsplit("/", 1)[-1] if len(docs) == 1 else f"{len(docs)} 份文档"),
    }
    data = {"docs": [doc["js"] for doc in docs]}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(page=page, docs=docs, errors=errors, data=data, palette=range(PALETTE_SIZE))
    )
