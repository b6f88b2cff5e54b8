"""The terminal view: score, top sources, passages with diffs; the audit
ranking; the gate's verdicts.

Rendered with rich into a string (:class:`TerminalFormatter`), which the
command line prints: colour only when asked (``--no-color``, ``NO_COLOR``
turn it off). Fits 80 columns. Every file name and passage goes through
:func:`~corpus.names.printable` and into rich as plain text, never markup: a
name or a text with an ANSI escape, a newline or ``[bold]`` prints as itself.
"""

from __future__ import annotations

import io
import posixpath

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from corpus.names import printable
from detector.diff import folded_opcodes
from detector.model import DocumentResult, Match
from reports.base import TextSource, no_texts
from reports.model import Report, grade

EXCERPT = 150  # characters of each passage shown


class TerminalFormatter:
    name = "terminal"
    label = "terminal view"

    def __init__(self, *, width: int | None = 80, color: bool = False) -> None:
        self.width = width
        self.color = color

    def console(self, file: io.StringIO) -> Console:
        return Console(
            file=file,
            width=self.width or 80,
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
            for doc in report.documents:
                render_document(doc, texts, console)
        return out.getvalue()


def render_document(doc: DocumentResult, texts: TextSource, console: Console, *, max_passages: int = 20) -> None:
    """Print one document of a report."""
    console.print(_header(doc))
    if doc.sources:
        console.print(_sources_table(doc))
    own = texts(doc.path)
    copies = doc.copies
    for number, match in enumerate(copies[:max_passages], start=1):
        console.print(_passage(number, match, own, texts(match.source)))
    if len(copies) > max_passages:
        console.print(Text(f"… {len(copies) - max_passages} more passages in the JSON/HTML report", style="dim"))
    stock = len(doc.matches) - len(copies)
    if stock:
        console.print(Text(f"{stock} stock-phrase matches (套话) not counted as copying", style="dim"))
    for warning in doc.warnings:
        console.print(Text(f"warning: {printable(warning)}", style="yellow"))


_STYLES = {"good": "bold green", "warn": "bold yellow", "bad": "bold red"}


def _score_style(originality: float) -> str:
    return _STYLES[grade(originality)]


def _header(doc: DocumentResult) -> Panel:
    line = Text()
    line.append("原创度 originality ")
    line.append(f"{doc.originality:.1%}", style=_score_style(doc.originality))
    line.append(f"   单篇最大复制比 max source {doc.max_source_share:.1%}")
    line.append(f"\ncopied {doc.copied_chars} of {doc.meaningful_chars} chars")
    line.append(f" · {len(doc.sources)} sources · {doc.encoding}")
    unit = " · ".join(str(v) for v in (doc.meta.unit, doc.meta.year) if v)
    title = Text(printable(doc.path + (f"  ({unit})" if unit else "")), style="bold")
    return Panel(line, title=title, title_align="left", width=80)


def _sources_table(doc: DocumentResult) -> Table:
    table = Table(title=None, width=80, show_edge=False, pad_edge=False)
    table.add_column("source", overflow="fold", ratio=5)
    table.add_column("share", justify="right", ratio=1)
    table.add_column("chars", justify="right", ratio=1)
    table.add_column("passages", justify="right", ratio=1)
    for source in doc.sources[:8]:
        table.add_row(
            Text(printable(source.source)), f"{source.share:.1%}", str(source.copied_chars), str(source.passages)
        )
    return table


def _passage(number: int, match: Match, own: str | None, source: str | None) -> RenderableType:
    title = Text(
        f"#{number} [{match.start}:{match.end}] ← {printable(match.source)} "
        f"[{match.source_start}:{match.source_end}] {match.similarity:.0%}",
        style="bold",
    )
    if own is None or source is None:
        return Group(title)
    left = own[match.start : match.end]
    right = source[match.source_start : match.source_end]
    ours, theirs = diff_texts(_excerpt(left), _excerpt(right))
    return Group(title, Text("  本文 ") + ours, Text("  来源 ") + theirs)


def _excerpt(text: str) -> str:
    flat = printable(" ".join(text.split()))
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def diff_texts(left: str, right: str, *, removed: str = "bold red", added: str = "bold green") -> tuple[Text, Text]:
    """Both texts with the characters that differ highlighted (the shared diff engine's blocks)."""
    ours, theirs = Text(), Text()
    for op in folded_opcodes(left, right):
        a, b = left[op.src_start : op.src_end], right[op.dest_start : op.dest_end]
        if op.tag == "equal":
            ours.append(a)
            theirs.append(b)
        else:
            ours.append(a, style=removed)
            theirs.append(b, style=added)
    return ours, theirs


def _common_folder(paths: list[str]) -> str:
    """The folder all paths share ('' when none), for shorter display."""
    folders = [posixpath.dirname(p) for p in paths if p]
    if not folders:
        return ""
    common = (
        posixpath.commonpath(folders)
        if all(f.startswith("/") for f in folders) or not any(f.startswith("/") for f in folders)
        else ""
    )
    return common.rstrip("/") + "/" if common else ""


def render_audit(report: Report, console: Console, *, rows: int = 30) -> None:
    """The audit on a terminal: ranking, families, clusters, copy edges.

    Paths are shown relative to the folder they all share.
    """
    ranking = report.ranking()
    base = _common_folder([r.path for r in ranking] + [r.max_source for r in ranking if r.max_source])

    def short(path: str | None) -> str:
        return printable((path or "")[len(base) :] if path and base and path.startswith(base) else (path or ""))

    if base:
        console.print(Text(f"paths relative to {printable(base)}", style="dim"))
    table = Table(title="原创度排名 originality ranking", width=80, show_edge=False, pad_edge=False)
    table.add_column("submission", overflow="fold", ratio=4)
    table.add_column("orig.", justify="right", ratio=1)
    table.add_column("top source", overflow="fold", ratio=3)
    table.add_column("share", justify="right", ratio=1)
    for row in ranking[:rows]:
        table.add_row(
            Text(short(row.path)),
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
        console.print(Text(f"{family.id}: {family.units} units, {len(family.members)} documents{origin}", style="bold"))
        console.print(Text("  " + _excerpt(family.text), style="dim"))
    for cluster in audit.clusters:
        console.print(Text(f"{cluster.id} near-duplicates: " + ", ".join(map(short, cluster.documents)), style="bold"))
    directed = [e for e in audit.edges if e.directed and e.relation != "范文"]
    if directed:
        console.print(Text("who copied from whom (later ← earlier)", style="bold"))
    for edge in directed[:rows]:
        line = f"  {short(edge.copier)} ← {short(edge.source)}  {edge.copied_chars} chars {edge.relation}"
        console.print(Text(line))


def render_gate(report: Report, console: Console) -> None:
    """The gate's verdicts, failures first, then the bar."""
    gate = report.gate
    assert gate is not None
    failed = set(gate.failed)
    for doc in sorted(report.documents, key=lambda r: (r.path not in failed, r.originality, r.path)):
        mark = "[bold red]FAIL[/]" if doc.path in failed else "[green]PASS[/]"
        top = f"  {doc.max_source_share:6.1%} {printable(doc.max_source)}" if doc.max_source else ""
        console.print(f"{mark} {doc.originality:7.1%}  {Text(printable(doc.path)).markup}{Text(top).markup}")
        for reason in gate.reasons.get(doc.path, ()):
            console.print(Text(f"       {printable(reason.message)}"))
    unchanged = f", {len(gate.unchanged)} unchanged" if gate.changed_only else ""
    console.print(
        f"{len(report.documents)} checked{unchanged}: {len(report.documents) - len(failed)} passed, "
        f"{len(failed)} failed, {len(report.errors)} unreadable"
    )
    console.print(f"bar: originality >= {gate.min_originality:.1%}, one source <= {gate.max_source_share:.1%}")
