"""The side-by-side panes: a text cut into paragraphs of runs of identical markup.

Each passage pair has a colour; inside a passage the identical, inserted,
deleted and substituted characters are marked (from the shared diff engine,
:mod:`detector.diff`); text only on the other side is drawn as a caret.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from corpus.structure import Paragraph
from detector.model import COPY, SectionShare
from reports.html.text import TextInfo, visible

SOURCE_CONTEXT_PARAGRAPHS = 2  # paragraphs kept before/after a passage in a long source
_TITLE_END_RE = re.compile(r"[。！？!?；;]")


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
    """A passage as one pane draws it: its range on this side and its diff runs."""

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
class _PaneContext:
    text: str
    info: TextInfo
    order: list[PaneMatch]
    d: int
    side: str
    seen: set[int] = field(default_factory=set)


def kept_paragraphs(paragraphs: Sequence[Paragraph], ranges: Iterable[tuple[int, int]]) -> set[int]:
    """Paragraphs holding a passage, with a little context around each."""
    keep: set[int] = set()
    ranges = list(ranges)
    for i, p in enumerate(paragraphs):
        if any(p.start < e and s < p.end for s, e in ranges):
            lo, hi = max(0, i - SOURCE_CONTEXT_PARAGRAPHS), min(len(paragraphs), i + SOURCE_CONTEXT_PARAGRAPHS + 1)
            keep.update(range(lo, hi))
    return keep


def pane(
    text: str,
    info: TextInfo,
    matches: list[PaneMatch],
    d: int,
    side: str,
    *,
    keep: set[int] | None = None,
    sections: Sequence[SectionShare] = (),
) -> list[ParaView]:
    """The paragraphs of ``text`` split into runs of identical markup; with
    ``keep``, only those paragraphs, the others replaced by a gap marker."""
    order = sorted(matches, key=lambda m: (not m.primary, m.kind != COPY, m.start, -m.end, m.j))
    context = _PaneContext(text, info, order, d, side)
    marks = _marks_by_paragraph(info.paragraphs, [m for m in order if m.primary])
    bounds = _bounds(matches, info)
    badges = _section_badges(sections) if side == "L" else {}
    out: list[ParaView] = []
    skipped_from = None  # decoded offset where the current run of left-out paragraphs starts
    for i, p in enumerate(info.paragraphs):
        if keep is not None and i not in keep:
            if skipped_from is None:
                skipped_from = info.paragraphs[i - 1].end if i else 0
            continue
        if skipped_from is not None:
            out.append(_gap(p.start - skipped_from))
            skipped_from = None
        out.append(_paragraph(context, p, bounds, sorted(marks.get(i, [])), badges.get(p.start)))
    if skipped_from is not None:
        out.append(_gap(len(text) - skipped_from))
    return out


def _gap(chars: int) -> ParaView:
    return ParaView("gap", [Run(f"⋯ 省略 {chars} 字 ⋯")])


def _section_badges(sections: Sequence[SectionShare]) -> dict[int, tuple[str, str]]:
    return {
        s.start: (f"本节复制 {s.share:.1%}", "hot" if s.share >= 0.3 else "") for s in sections if s.copied_chars > 0
    }


def _marks_by_paragraph(
    paragraphs: Sequence[Paragraph], primaries: list[PaneMatch]
) -> dict[int, list[tuple[int, str, str]]]:
    """Carets (text only on the other side) by the paragraph holding their position."""
    starts = [p.start for p in paragraphs]
    found: dict[int, list[tuple[int, str, str]]] = {}
    for m in primaries:
        for pos, cls, title in m.marks:
            i = max(bisect_right(starts, pos) - 1, 0)
            found.setdefault(i, []).append((min(max(pos, paragraphs[i].start), paragraphs[i].end), cls, title))
    return found


def _bounds(matches: list[PaneMatch], info: TextInfo) -> list[int]:
    """Every offset where the markup may change."""
    found: set[int] = set()
    for m in matches:
        found.update((m.start, m.end))
        for s, e, _c, _t in m.runs:
            found.update((s, e))
    for s, e in info.noise_runs:
        found.update((s, e))
    return sorted(found)


def _paragraph(
    context: _PaneContext,
    p: Paragraph,
    bounds: list[int],
    para_marks: list[tuple[int, str, str]],
    badge: tuple[str, str] | None,
) -> ParaView:
    cuts = {p.start, p.end}
    cuts.update(bounds[bisect_right(bounds, p.start) : bisect_left(bounds, p.end)])
    cuts.update(pos for pos, _c, _t in para_marks)
    title_end = p.start
    if p.heading_level:  # a heading's title is bold; body text run on after it is not
        found = _TITLE_END_RE.search(context.text, p.start, p.end)
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
        run = _run(context, a, b, pending)
        if a < title_end:
            run.cls = f"ht {run.cls}".strip()
        runs.append(run)
    badge_text, badge_cls = badge or ("", "")
    level = p.heading_level
    return ParaView(f"hd hd{level}" if level else "p", _merge(runs), badge_text, badge_cls)


def _run(context: _PaneContext, a: int, b: int, marks: list[tuple[str, str]]) -> Run:
    covering = [m for m in context.order if m.start <= a and b <= m.end and m.start < m.end]
    mine = [m for m in covering if m.primary]
    others = [m for m in covering if not m.primary]
    label = ""
    anchors = []
    for m in mine:
        if m.j not in context.seen:
            context.seen.add(m.j)
            anchors.append(f"d{context.d}m{m.j}{context.side}")
            if not label and m.kind == COPY:
                label = m.label
    classes, title = _run_classes(mine, others, a, b)
    if context.info.noise is not None and context.info.noise[a]:
        classes.append("nz")  # no title: pinyin pages have hundreds; the legend explains it
    return Run(
        visible(context.text[a:b]),
        " ".join(classes),
        " ".join(str(m.j) for m in mine),
        " ".join(str(m.j) for m in others),
        label,
        title,
        anchors,
        marks,
    )


def _run_classes(mine: list[PaneMatch], others: list[PaneMatch], a: int, b: int) -> tuple[list[str], str]:
    if mine:
        lead = mine[0]
        if lead.kind != COPY:
            return ["m", "stock"], ""
        for s, e, cls, title in lead.runs:
            if s <= a and b <= e:
                return ["m", f"c{lead.color}", cls], title
        return ["m", f"c{lead.color}"], ""
    if others:
        return ["ov" if any(m.kind == COPY for m in others) else "stock ov"], ""
    return [], ""


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
