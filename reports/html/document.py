"""The view of one document for the HTML template: score, strip, tables and
side-by-side panes, built from a typed :class:`~detector.model.DocumentResult`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from detector.diff import Edit, PassageDiff, diff_passage
from detector.model import COPY, DocumentResult, Match, SourceShare
from reports.html.panes import PaneMatch, kept_paragraphs, pane
from reports.html.text import TextInfo, Texts, visible
from reports.locate import locate
from reports.model import grade

PALETTE_SIZE = 10  # passage colours c0..c9 in report.css
SOURCE_FULL_LIMIT = 30_000  # longer sources are shown around their passages only
CONTEXT_CHARS = 40  # characters of the paragraph shown around a passage in the passage table


@dataclass
class MatchView:
    """A match as the page shows it: its number, colour and diff."""

    j: int  # index among the document's matches
    k: int  # index of its source among the document's sources
    match: Match
    label: str  # "1", "2" … for copies, "套" for stock
    color: int  # palette index, -1 for stock
    diff: PassageDiff | None = None

    @property
    def kind(self) -> str:
        return self.match.kind

    @property
    def edits(self) -> list[Edit]:
        return self.diff.edits if self.diff is not None else []


@dataclass
class _Doc:
    """What the parts of one document's view share."""

    d: int
    result: DocumentResult
    sources: list[SourceShare]
    own: TextInfo
    matches: list[MatchView] = field(default_factory=list)
    source_infos: list[TextInfo] = field(default_factory=list)
    shown: int = 0

    def href(self, mv: MatchView) -> str:
        """Where a link to a passage goes: its first run on the left, else its table row."""
        if self.own.text is not None and mv.k < self.shown:
            return f"#d{self.d}m{mv.j}L"
        return f"#d{self.d}p{mv.j}"


def document_view(
    d: int, result: DocumentResult, store: Texts, max_sources: int | None = None, source_limit: int = SOURCE_FULL_LIMIT
) -> dict[str, Any]:
    """Everything the template shows of one document; a source longer than
    ``source_limit`` shows only the paragraphs around its passages."""
    copied_by = result.copied_by
    result = replace(result, matches=tuple(m for m in result.matches if not m.later))  # see copied_by
    sources = _sources(result)
    doc = _Doc(d, result, sources, _own_text(result, store))
    doc.matches = _match_views(result.matches, sources)
    doc.source_infos = [_source_text(store, s.source, doc.matches, k) for k, s in enumerate(sources)]
    _diff_copies(doc)
    doc.shown = len(sources) if max_sources is None else max(0, min(max_sources, len(sources)))
    copies = sum(1 for mv in doc.matches if mv.kind == COPY)
    return {
        **_header(result),
        "d": d,
        "copy_count": copies,
        "stock_count": len(doc.matches) - copies,
        "hidden_sources": len(sources) - doc.shown,
        "sources": _source_rows(doc),
        "copied_by": [
            {
                "source": visible(c.source),
                "unit": visible(c.meta.unit),
                "year": visible(c.meta.year),
                "share": f"{c.share:.1%}",
                "copied_chars": c.copied_chars,
                "passages": c.passages,
            }
            for c in copied_by
        ],
        "sections": _section_rows(result),
        "notice": visible(doc.own.notice),
        "strip": _strip(doc),
        "ticks": _ticks(result),
        "pairs": [_pair(doc, k, source_limit) for k in range(doc.shown)],
        "passages": [_passage_row(doc, mv) for mv in doc.matches],
        "edit_rows": _edit_rows(doc),
        "js": {"m": [[mv.k, mv.kind] for mv in doc.matches]},
    }


def _header(result: DocumentResult) -> dict[str, Any]:
    return {
        "path": visible(result.path),
        "unit": visible(result.meta.unit),
        "year": visible(result.meta.year),
        "submitted": visible(result.meta.submitted),
        "format": visible(result.format),
        "encoding": visible(result.encoding),
        "chars": result.chars,
        "meaningful_chars": result.meaningful_chars,
        "copied_chars": result.copied_chars,
        "stock_chars": result.stock_chars,
        "originality": f"{result.originality:.1%}",
        "grade": grade(result.originality),
        "max_source": visible(result.max_source),
        "max_source_share": f"{result.max_source_share:.1%}",
        "figures": _figures(result),
        "warnings": [visible(w) for w in result.warnings],
    }


def _figures(result: DocumentResult) -> list[dict[str, str]]:
    """CNKI's figures beside 原创度, each coloured by how much of the text it takes."""

    def share(label: str, value: float, note: str = "") -> dict[str, str]:
        return {"label": label, "value": f"{value:.1%}", "grade": grade(1.0 - value), "note": note}

    suspect = result.suspect_paragraphs / result.paragraphs if result.paragraphs else 0.0
    return [
        share("总文字复制比", result.copy_ratio, "套话在内"),
        share("去除本人文献复制比", result.copy_ratio_excluding_own),
        share("单篇最大文字复制比", result.max_source_share),
        {
            "label": "重复字数 / 总字数",
            "value": f"{result.copied_chars} / {result.meaningful_chars}",
            "grade": grade(1.0 - result.copied_chars / result.meaningful_chars if result.meaningful_chars else 1.0),
            "note": f"跨时抄 {result.cross_time_chars} 字" if result.cross_time_chars else "",
        },
        {
            "label": "疑似段落数 / 总段落数",
            "value": f"{result.suspect_paragraphs} / {result.paragraphs}",
            "grade": grade(1.0 - suspect),
            "note": "",
        },
    ]


def _sources(result: DocumentResult) -> list[SourceShare]:
    """The report's sources (by share), then any source seen only in (stock) matches."""
    sources = list(result.sources)
    known = {s.source for s in sources}
    for m in result.matches:
        if m.source not in known:
            known.add(m.source)
            sources.append(SourceShare(m.source, 0, 0.0, 0))
    return sources


def _own_text(result: DocumentResult, store: Texts) -> TextInfo:
    """The submission's text, checked against the report."""
    own = store.get(result.path)
    if own.text is not None:
        too_far = max((m.end for m in result.matches), default=0)
        if len(own.text) != result.chars or too_far > len(own.text):
            notice = f"文本与报告不符（{len(own.text)} 字 ≠ 报告 {result.chars} 字），仅显示偏移。"
            return TextInfo(None, notice)
    return own


def _match_views(matches: tuple[Match, ...], sources: list[SourceShare]) -> list[MatchView]:
    by_path = {s.source: k for k, s in enumerate(sources)}
    views, number = [], 0
    for j, m in enumerate(matches):
        if m.kind == COPY:
            number += 1
            views.append(MatchView(j, by_path[m.source], m, str(number), (number - 1) % PALETTE_SIZE))
        else:
            views.append(MatchView(j, by_path[m.source], m, "套", -1))
    return views


def _source_text(store: Texts, path: str, matches: list[MatchView], k: int) -> TextInfo:
    """A source's text, checked against the offsets the matches need."""
    info = store.get(path)
    if info.text is not None:
        need = max((mv.match.source_end for mv in matches if mv.k == k), default=0)
        if need > len(info.text):
            return TextInfo(None, f"来源文本与报告不符（{len(info.text)} 字，偏移到 {need}），仅显示偏移。")
    return info


def _diff_copies(doc: _Doc) -> None:
    """Character diffs of every copy passage whose two texts are at hand."""
    own = doc.own
    for mv in doc.matches:
        src = doc.source_infos[mv.k]
        if mv.kind == COPY and own.text is not None and src.text is not None:
            m = mv.match
            mv.diff = diff_passage(
                own.text, own.noise, m.start, m.end, src.text, src.noise, m.source_start, m.source_end
            )


def _pane_match(mv: MatchView, primary: bool, side: str) -> PaneMatch:
    diff = mv.diff if primary else None
    runs, marks = (
        ([], []) if diff is None else (diff.left, diff.left_marks) if side == "left" else (diff.right, diff.right_marks)
    )
    m = mv.match
    start, end = (m.start, m.end) if side == "left" else (m.source_start, m.source_end)
    return PaneMatch(mv.j, start, end, primary, mv.kind, mv.color, mv.label, runs, marks)


def _pair(doc: _Doc, k: int, source_limit: int) -> dict[str, Any]:
    """The side-by-side view of the document and its ``k``-th source."""
    source = doc.sources[k]
    mine = [mv for mv in doc.matches if mv.k == k]
    src = doc.source_infos[k]
    pair: dict[str, Any] = {
        "k": k,
        "source": visible(source.source),
        "unit": visible(source.meta.unit),
        "year": visible(source.meta.year),
        "share": f"{source.share:.1%}",
        "left": None,
        "right": None,
        "left_notice": visible(doc.own.notice),
        "right_notice": visible(src.notice),
        "offsets": [(mv.label, mv.match.source_start, mv.match.source_end, mv.kind) for mv in mine],
    }
    if doc.own.text is not None:
        left = [_pane_match(mv, mv.k == k, "left") for mv in doc.matches]
        pair["left"] = pane(doc.own.text, doc.own, left, doc.d, "L", sections=doc.result.sections)
    if src.text is not None:
        keep = None
        if len(src.text) > source_limit:
            keep = kept_paragraphs(src.paragraphs, [(mv.match.source_start, mv.match.source_end) for mv in mine])
        right = [_pane_match(mv, True, "right") for mv in mine]
        pair["right"] = pane(src.text, src, right, doc.d, "R", keep=keep)
    return pair


def _strip(doc: _Doc) -> list[dict[str, Any]]:
    """The bar of the whole text with a segment per passage (thin stock bars on top)."""
    chars = doc.result.chars
    if chars <= 0:
        return []
    strip = []
    for mv in sorted(doc.matches, key=lambda v: (v.kind != COPY, v.match.start, v.j)):
        m = mv.match
        left = min(max(m.start / chars, 0.0), 1.0) * 100
        width = max(min((m.end - m.start) / chars, 1.0) * 100, 0.4)
        label = "#" + mv.label if mv.kind == COPY else "套话"
        strip.append(
            {
                "j": mv.j,
                "href": doc.href(mv),
                "cls": f"c{mv.color}" if mv.kind == COPY else "stock",
                "style": f"left:{left:.3f}%;width:{min(width, 100 - left):.3f}%",
                "title": visible(f"{label} [{m.start}:{m.end}] ← {m.source} {m.similarity:.0%}"),
            }
        )
    return strip


def _ticks(result: DocumentResult) -> list[dict[str, str]]:
    chars = result.chars
    return [
        {"style": f"left:{min(max(s.start / chars, 0.0), 1.0) * 100:.3f}%", "title": visible(s.title)}
        for s in result.sections
        if chars > 0 and s.start > 0
    ]


def _source_rows(doc: _Doc) -> list[dict[str, Any]]:
    return [
        {
            "k": k,
            "source": visible(s.source),
            "unit": visible(s.meta.unit),
            "year": visible(s.meta.year),
            "share": f"{s.share:.1%}",
            "copied_chars": s.copied_chars,
            "passages": s.passages,
            "shown": k < doc.shown,
            "stock": sum(1 for mv in doc.matches if mv.k == k and mv.kind != COPY),
        }
        for k, s in enumerate(doc.sources)
    ]


def _section_rows(result: DocumentResult) -> list[dict[str, Any]]:
    return [
        {
            "title": visible(s.title),
            "start": s.start,
            "end": s.end,
            "share": f"{s.share:.1%}",
            "width": f"{min(max(s.share, 0.0), 1.0) * 100:.1f}",
            "copied_chars": s.copied_chars,
            "meaningful_chars": s.meaningful_chars,
        }
        for s in result.sections
    ]


def _passage_row(doc: _Doc, mv: MatchView) -> dict[str, Any]:
    """A row of the passage table (原文对照): both passages located by section
    and paragraph, with their text and a little context, and the swaps."""
    m = mv.match
    own, src = doc.own.text, doc.source_infos[mv.k].text
    diff = mv.diff
    return {
        "j": mv.j,
        "k": mv.k,
        "label": mv.label,
        "kind": mv.kind,
        "color": mv.color,
        "start": m.start,
        "end": m.end,
        "where": visible(locate(own, m.start).label) if own is not None else "",
        "there": visible(locate(src, m.source_start).label) if src is not None else "",
        "own": _excerpt(doc.own, m.start, m.end, diff.left if diff else []) if own is not None else None,
        "src": _excerpt(doc.source_infos[mv.k], m.source_start, m.source_end, diff.right if diff else [])
        if src is not None
        else None,
        "source": visible(m.source),
        "source_name": visible(re.split(r"[\\/]", m.source)[-1]),
        "source_start": m.source_start,
        "source_end": m.source_end,
        "similarity": f"{m.similarity:.0%}",
        "rewritten": bool(diff and diff.rewritten),
        "edits": [{"before": visible(e.before), "after": visible(e.after)} for e in mv.edits],
    }


def _excerpt(info: TextInfo, start: int, end: int, runs: list[tuple[int, int, str, str]]) -> dict[str, Any]:
    """A passage with up to :data:`CONTEXT_CHARS` of its paragraph on each side,
    its changes marked and pinyin annotations or web chrome dimmed."""
    text = info.text or ""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before = max(para_start, start - CONTEXT_CHARS)
    after = min(para_end, end + CONTEXT_CHARS)
    parts: list[tuple[str, str]] = []
    pos = start
    for a, b, cls, _title in sorted(r for r in runs if r[2] != "d-pun"):
        a, b = max(a, pos), min(b, end)
        if a >= b:
            continue
        parts += _dimmed(info, pos, a, "") + _dimmed(info, a, b, cls)
        pos = b
    parts += _dimmed(info, pos, end, "")
    return {
        "before": ("…" if before > para_start else "") + visible(text[before:start]),
        "parts": [p for p in parts if p[0]],
        "after": visible(text[end:after]) + ("…" if after < para_end else ""),
    }


def _dimmed(info: TextInfo, a: int, b: int, cls: str) -> list[tuple[str, str]]:
    """``text[a:b]`` in pieces of one class, noise (pinyin, chrome) as "nz"."""
    text, noise = info.text or "", info.noise
    if noise is None or not noise[a:b].any():
        return [(visible(text[a:b]), cls)]
    pieces, i = [], a
    while i < b:
        j = i
        while j < b and noise[j] == noise[i]:
            j += 1
        pieces.append((visible(text[i:j]), "nz" if noise[i] else cls))
        i = j
    return pieces


def _edit_rows(doc: _Doc) -> list[dict[str, Any]]:
    """The substitution table of the whole document, most frequent first."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for mv in doc.matches:
        for edit in mv.edits:
            row = table.setdefault((edit.before, edit.after), {"edit": edit, "count": 0, "passages": []})
            row["count"] += 1
            if mv.j not in [p[0] for p in row["passages"]]:
                row["passages"].append((mv.j, mv.label, doc.href(mv)))
    rows = sorted(table.values(), key=lambda r: -r["count"])  # stable: then in reading order
    return [
        {
            "before": visible(r["edit"].before),
            "after": visible(r["edit"].after),
            "numeric": r["edit"].numeric,
            "count": r["count"],
            "passages": r["passages"],
        }
        for r in rows
    ]
