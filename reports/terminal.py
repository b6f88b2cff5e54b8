"""The terminal view: score, top sources, passages with diffs; the audit
ranking; the gate's verdicts.

Rendered with rich into a string (:class:`TerminalFormatter`), which the
command line prints once the progress display is gone. It takes the width it
is given (the terminal's, or 80 columns for a pipe); rich measures Chinese
characters as two cells, so columns line up and a file name is never cut
inside a character. Paths are shown relative to the folder they share. With
colour the changed characters of a passage are red (source) and green (this
text); without it (``--no-color``, ``NO_COLOR``) they are marked in the text:
``[-旧-]{+新+}``. Every diff comes from :mod:`detector.diff`. Every file name and passage goes
through :func:`~corpus.names.printable` and into rich as plain text, never
markup: a name or a text with an ANSI escape, a newline or ``[bold]`` prints
as itself.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from app.figures import percents
from corpus.names import printable
from corpus.normalize import chrome_mask
from detector.diff import PassageDiff, compare_passages, diff_passage
from detector.model import DocumentResult, Match
from reports.base import TextSource, no_texts
from reports.locate import common_root, locate, shorten
from reports.model import Report, grade

EXCERPT = 150  # characters of each passage shown
_STYLES = {"good": "bold green", "warn": "bold yellow", "bad": "bold red"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


class TerminalFormatter:
    name = "terminal"
    label = "terminal view"

    def __init__(self, *, width: int | None = 80, color: bool = False) -> None:
        self.width = width or 80
        self.color = color

    def console(self, file: io.StringIO) -> Console:
        return Console(
            file=file,
            width=self.width,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            soft_wrap=False,
        )

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        out = io.StringIO()
        console = self.console(out)
        if report.gate is not None:
            render_gate(report, console)
        elif report.audit is not None:
            render_audit(report, console)
        else:
            root = _root_of(report)
            if root:
                console.print(Text(f"paths relative to {printable(root)}", style="dim"))
            for doc in report.documents:
                render_document(doc, texts, console, root=root, marks=not self.color)
        return out.getvalue()


def _root_of(report: Report) -> str:
    paths = [d.path for d in report.documents] + [s.source for d in report.documents for s in d.sources]
    return common_root(paths)


def render_document(
    doc: DocumentResult,
    texts: TextSource,
    console: Console,
    *,
    max_passages: int = 20,
    root: str = "",
    marks: bool = False,
) -> None:
    """Print one document of a report; ``marks`` writes the changes into the text ([-旧-]{+新+})."""
    console.print(_header(doc, root))
    if doc.sources:
        console.print(_sources_table(doc, root))
    if doc.copied_by:
        later = ", ".join(f"{shorten(c.source, root)} ({c.copied_chars} chars)" for c in doc.copied_by[:8])
        console.print(Text(f"copied by later documents (not counted against this one): {later}", style="dim"))
    own = texts(doc.path)
    copies = doc.copies
    for number, match in enumerate(copies[:max_passages], start=1):
        console.print(_passage(number, match, own, texts(match.source), root, marks))
    if len(copies) > max_passages:
        console.print(Text(f"… {len(copies) - max_passages} more passages in the JSON/HTML report", style="dim"))
    stock = sum(1 for m in doc.matches if m.kind != "copy" and not m.later)
    if stock:
        console.print(Text(f"{stock} stock-phrase matches (套话) not counted as copying", style="dim"))
    for warning in doc.warnings:
        console.print(Text(f"warning: {printable(warning)}", style="yellow"))


def _score_style(originality: float) -> str:
    return _STYLES[grade(originality)]


def _header(doc: DocumentResult, root: str) -> Panel:
    line = Text()
    line.append("原创度 originality ")
    line.append(f"{doc.originality:.1%}", style=_score_style(doc.originality))
    line.append(f"   总文字复制比 {doc.copy_ratio:.1%}   去除本人文献复制比 {doc.copy_ratio_excluding_own:.1%}")
    line.append(f"\n单篇最大文字复制比 max source {doc.max_source_share:.1%}")
    line.append(f"   重复字数/总字数 {doc.copied_chars}/{doc.meaningful_chars}")
    line.append(f"   疑似段落数/总段落数 {doc.suspect_paragraphs}/{doc.paragraphs}")
    line.append(f"\n{plural(len(doc.sources), 'source')} · {doc.encoding}")
    unit = " · ".join(str(v) for v in (doc.meta.unit, doc.meta.year) if v)
    title = Text(shorten(doc.path, root) + (f"  ({unit})" if unit else ""), style="bold")
    return Panel(line, title=title, title_align="left", expand=True)


def _sources_table(doc: DocumentResult, root: str) -> Table:
    table = Table(title=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("source", overflow="fold", ratio=1)
    table.add_column("relation", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    table.add_column("chars", justify="right", no_wrap=True)
    table.add_column("passages", justify="right", no_wrap=True)
    for source in doc.sources[:8]:
        table.add_row(
            Text(shorten(source.source, root)),
            source.relation,
            f"{source.share:.1%}",
            str(source.copied_chars),
            str(source.passages),
        )
    return table


def _passage(number: int, match: Match, own: str | None, source: str | None, root: str, marks: bool) -> RenderableType:
    where = f" {locate(own, match.start).label}" if own is not None and match.end <= len(own) else ""
    there = (
        f" {locate(source, match.source_start).label}" if source is not None and match.source_end <= len(source) else ""
    )
    title = Text(f"#{number}{where} ← {shorten(match.source, root)}{there} · {match.similarity:.0%}", style="bold")
    if own is None or source is None or match.end > len(own) or match.source_end > len(source):
        return Group(
            title, Text(f"  [{match.start}:{match.end}] ← [{match.source_start}:{match.source_end}]", style="dim")
        )
    diff = diff_passage(
        own, _noise(own), match.start, match.end, source, _noise(source), match.source_start, match.source_end
    )
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    if marks:
        grid.add_row("  本文", marked_text(own, source, match, diff))
    else:
        ours, theirs = coloured_texts(own, source, match, diff)
        grid.add_row("  本文", ours)
        grid.add_row("  来源", theirs)
    grid.add_row("", Text(swaps_line(diff, match.similarity), style="dim"))
    return Group(title, grid)


@lru_cache(maxsize=8)
def _noise(text: str) -> np.ndarray:
    """Pinyin annotations and web chrome: left out of the comparison, as in the HTML view."""
    return chrome_mask(text)


def swaps_line(diff: PassageDiff, similarity: float | None = None) -> str:
    """The passage's swaps as whole tokens, or 改写 with its similarity (the match's when given)."""
    if diff.rewritten:
        return f"改写 rewritten · 相似度 {diff.similarity if similarity is None else similarity:.0%}"
    if not diff.edits:
        return "原样复制 copied verbatim"
    return "替换 " + "；".join(f"{e.before or '（无）'}→{e.after or '（删去）'}" for e in diff.edits)


def _flat(text: str) -> str:
    """One line, safe to print."""
    return printable(" ".join(text.split()))


def coloured_texts(own: str, source: str, match: Match, diff: PassageDiff) -> tuple[Text, Text]:
    """Both passages, the characters that differ in red (source) and green (this text)."""
    ours = _styled(
        own, match.start, match.end, [(a, b) for a, b, _c, _d, k in diff.changes if k != "pun"], "bold green"
    )
    theirs = _styled(
        source,
        match.source_start,
        match.source_end,
        [(c, d) for _a, _b, c, d, k in diff.changes if k != "pun"],
        "bold red",
    )
    return ours, theirs


def _styled(text: str, start: int, end: int, spans: list[tuple[int, int]], style: str) -> Text:
    out = Text()
    stop = min(end, start + EXCERPT)
    pos = start
    for a, b in spans:
        if a >= stop:
            break
        out.append(_flat(text[pos:a]))
        out.append(_flat(text[a : min(b, stop)]), style=style)
        pos = min(b, stop)
    out.append(_flat(text[pos:stop]))
    if stop < end:
        out.append("…")
    return out


def marked_text(own: str, source: str, match: Match, diff: PassageDiff) -> Text:
    """This passage with the source's words written in: ``[-旧-]{+新+}`` (no colour needed)."""
    out = Text()
    stop = min(match.end, match.start + EXCERPT)
    pos = match.start
    for a, b, c, d, kind in diff.changes:
        if a >= stop:
            break
        if kind == "pun":
            continue
        out.append(_flat(own[pos:a]))
        if c < d:
            noise = _noise(source)
            out.append(f"[-{_flat(''.join(ch for i, ch in enumerate(source[c:d], c) if not noise[i]))}-]", style="red")
        if a < b:
            out.append(f"{{+{_flat(own[a:b])}+}}", style="green")
        pos = b
    out.append(_flat(own[pos:stop]))
    if stop < match.end:
        out.append("…")
    return out


def diff_texts(left: str, right: str) -> tuple[Text, Text]:
    """Two bare passages (this text, its source) with the differing characters styled."""
    diff = compare_passages(left, right)
    match = Match(0, len(left), "", 0, len(right), diff.similarity, "copy")
    return coloured_texts(left, right, match, diff)


def render_audit(report: Report, console: Console, *, rows: int = 30) -> None:
    """The audit on a terminal: ranking, families, clusters, copy edges.

    Paths are shown relative to the folder they all share.
    """
    ranking = report.ranking()
    base = common_root([r.path for r in ranking] + [r.max_source for r in ranking if r.max_source])

    def short(path: str | None) -> str:
        return shorten(path, base)

    if base:
        console.print(Text(f"paths relative to {printable(base)}", style="dim"))
    table = Table(title="原创度排名 originality ranking", expand=True, show_edge=False, pad_edge=False)
    table.add_column("submission", overflow="fold", ratio=3)
    table.add_column("unit", no_wrap=True, overflow="ellipsis", max_width=14)
    table.add_column("orig.", justify="right", no_wrap=True)
    table.add_column("top source", overflow="fold", ratio=3)
    table.add_column("share", justify="right", no_wrap=True)
    for row in ranking[:rows]:
        table.add_row(
            Text(short(row.path)),
            Text(printable(row.unit or "")),
            Text(f"{row.originality:.1%}", style=_score_style(row.originality)),
            Text(short(row.max_source)),
            f"{row.max_source_share:.1%}",
        )
    console.print(table)
    if len(ranking) > rows:
        console.print(Text(f"… {len(ranking) - rows} more rows in the CSV/JSON/HTML report", style="dim"))
    _render_relations(report, console, short, rows)


def _render_relations(report: Report, console: Console, short, rows: int) -> None:  # noqa: ANN001
    audit = report.audit
    if audit is None:
        return
    for family in audit.families:
        origin = f" · origin {short(family.origin)}" if family.origin else ""
        head = f"{family.id}: {plural(family.units, 'unit')}, {plural(len(family.members), 'document')}{origin}"
        console.print(Text(head, style="bold"))
        console.print(Text("  " + _excerpt(family.text), style="dim"))
    for cluster in audit.clusters:
        console.print(Text(f"{cluster.id} near-duplicates: " + ", ".join(map(short, cluster.documents)), style="bold"))
    directed = [e for e in audit.edges if e.directed and e.relation != "范文"]
    if directed:
        console.print(Text("who copied from whom (later ← earlier)", style="bold"))
    for edge in directed[:rows]:
        console.print(Text(f"  {short(edge.copier)} ← {short(edge.source)}  {edge.copied_chars} chars {edge.relation}"))


def _excerpt(text: str) -> str:
    flat = _flat(text)
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def _gate_row(mark: Text, orig: str, path: str, share: str, source: str, style: str = "") -> Table:
    """One verdict line; fixed widths keep the lines of every submission in columns."""
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(width=6)
    row.add_column(width=11, justify="right")
    row.add_column(ratio=1, overflow="fold")
    row.add_column(width=10, justify="right")
    row.add_column(ratio=1, overflow="fold")
    row.add_row(mark, orig, Text(path), share, Text(source), style=style)
    return row


def render_gate(report: Report, console: Console) -> None:
    """The gate's verdicts, failures first, then the bar; a figure next to the
    bar has the digits it takes to differ from it."""
    gate = report.gate
    assert gate is not None
    failed = set(gate.failed)
    root = common_root([d.path for d in report.documents])
    if root:
        console.print(Text(f"paths relative to {printable(root)}", style="dim"))
    console.print(_gate_row(Text("result"), "originality", "submission", "top source", "", style="bold"))
    for doc in sorted(report.documents, key=lambda r: (r.path not in failed, r.originality, r.path)):
        mark = Text("FAIL", style="bold red") if doc.path in failed else Text("PASS", style="green")
        orig = percents(doc.originality, gate.min_originality)[0]
        share = percents(doc.max_source_share, gate.max_source_share)[0] if doc.max_source else ""
        console.print(_gate_row(mark, orig, shorten(doc.path, root), share, shorten(doc.max_source, root)))
        for reason in gate.reasons.get(doc.path, ()):
            message = printable(reason.message.replace(root, "") if root else reason.message)
            console.print(Text("      " + message, style="dim"))
    unchanged = f", {len(gate.unchanged)} unchanged" if gate.changed_only else ""
    console.print(
        f"{len(report.documents)} checked{unchanged}: {len(report.documents) - len(failed)} passed, "
        f"{len(failed)} failed, {len(report.errors)} unreadable",
        markup=False,
    )
    console.print(
        f"bar: originality >= {gate.min_originality:.1%}, one source <= {gate.max_source_share:.1%}", markup=False
    )
