"""The terminal view of a check: score, top sources, passages with diffs.

Rendered with rich onto whatever console the caller passes (the CLI's stdout
console honours ``--no-color`` and ``NO_COLOR``). Fits 80 columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rapidfuzz.distance import Levenshtein
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from corpus.normalize import fold_chars

TextLoader = Callable[[str], str | None]
EXCERPT = 150  # characters of each passage shown


def render_document(doc: dict[str, Any], texts: TextLoader, console: Console, *, max_passages: int = 20) -> None:
    """Print one document of a report (schema chachong/report-v1)."""
    console.print(_header(doc))
    if doc["sources"]:
        console.print(_sources_table(doc))
    own = texts(doc["path"])
    copies = [m for m in doc["matches"] if m["kind"] == "copy"]
    for number, match in enumerate(copies[:max_passages], start=1):
        console.print(_passage(number, match, own, texts(match["source"])))
    if len(copies) > max_passages:
        console.print(Text(f"… {len(copies) - max_passages} more passages in the JSON/HTML report", style="dim"))
    stock = len(doc["matches"]) - len(copies)
    if stock:
        console.print(Text(f"{stock} stock-phrase matches (套话) not counted as copying", style="dim"))
    for warning in doc.get("warnings", []):
        console.print(Text(f"warning: {warning}", style="yellow"))


def _score_style(originality: float) -> str:
    if originality >= 0.9:
        return "bold green"
    if originality >= 0.7:
        return "bold yellow"
    return "bold red"


def _header(doc: dict[str, Any]) -> Panel:
    line = Text()
    line.append("原创度 originality ")
    line.append(f"{doc['originality']:.1%}", style=_score_style(doc["originality"]))
    line.append(f"   单篇最大复制比 max source {doc['max_source_share']:.1%}")
    line.append(f"\ncopied {doc['copied_chars']} of {doc['meaningful_chars']} chars")
    line.append(f" · {len(doc['sources'])} sources · {doc['encoding']}")
    unit = " · ".join(str(v) for v in (doc.get("unit"), doc.get("year")) if v)
    title = Text(doc["path"] + (f"  ({unit})" if unit else ""), style="bold")
    return Panel(line, title=title, title_align="left", width=80)


def _sources_table(doc: dict[str, Any]) -> Table:
    table = Table(title=None, width=80, show_edge=False, pad_edge=False)
    table.add_column("source", overflow="fold", ratio=5)
    table.add_column("share", justify="right", ratio=1)
    table.add_column("chars", justify="right", ratio=1)
    table.add_column("passages", justify="right", ratio=1)
    for source in doc["sources"][:8]:
        table.add_row(source["source"], f"{source['share']:.1%}", str(source["copied_chars"]), str(source["passages"]))
    return table


def _passage(number: int, match: dict[str, Any], own: str | None, source: str | None) -> Group:
    title = Text(
        f"#{number} [{match['start']}:{match['end']}] ← {match['source']} "
        f"[{match['source_start']}:{match['source_end']}] {match['similarity']:.0%}",
        style="bold",
    )
    if own is None or source is None:
        return Group(title)
    left = own[match["start"] : match["end"]]
    right = source[match["source_start"] : match["source_end"]]
    ours, theirs = diff_texts(_excerpt(left), _excerpt(right))
    return Group(title, Text("  本文 ") + ours, Text("  来源 ") + theirs)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def diff_texts(left: str, right: str, *, removed: str = "bold red", added: str = "bold green") -> tuple[Text, Text]:
    """Both texts with the characters that differ highlighted.

    Compared after folding script and width per character, so a traditional
    page pasted over a simplified source shows only real edits.
    """
    ours, theirs = Text(), Text()
    for op in Levenshtein.opcodes(fold_chars(left), fold_chars(right)):
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
    import posixpath

    folders = [posixpath.dirname(p) for p in paths if p]
    if not folders:
        return ""
    common = (
        posixpath.commonpath(folders)
        if all(f.startswith("/") for f in folders) or not any(f.startswith("/") for f in folders)
        else ""
    )
    return common.rstrip("/") + "/" if common else ""


def render_audit(report: dict[str, Any], console: Console, *, rows: int = 30) -> None:
    """The audit on a terminal: ranking, families, clusters, copy edges.

    Paths are shown relative to the folder they all share.
    """
    paths = [r["path"] for r in report["ranking"]] + [p for r in report["ranking"] if (p := r.get("max_source"))]
    base = _common_folder(paths)

    def short(path: str | None) -> str:
        return (path or "")[len(base) :] if path and base and path.startswith(base) else (path or "")

    if base:
        console.print(Text(f"paths relative to {base}", style="dim"))
    table = Table(title="原创度排名 originality ranking", width=80, show_edge=False, pad_edge=False)
    table.add_column("submission", overflow="fold", ratio=4)
    table.add_column("orig.", justify="right", ratio=1)
    table.add_column("top source", overflow="fold", ratio=3)
    table.add_column("share", justify="right", ratio=1)
    for row in report["ranking"][:rows]:
        table.add_row(
            short(row["path"]),
            Text(f"{row['originality']:.1%}", style=_score_style(row["originality"])),
            short(row.get("max_source")),
            f"{row['max_source_share']:.1%}",
        )
    console.print(table)
    if len(report["ranking"]) > rows:
        console.print(Text(f"… {len(report['ranking']) - rows} more rows in the CSV/JSON/HTML report", style="dim"))
    for family in report.get("families", []):
        origin = f" · origin {short(family['origin'])}" if family.get("origin") else ""
        console.print(
            Text(f"{family['id']}: {family['units']} units, {len(family['documents'])} documents{origin}", style="bold")
        )
        console.print(Text("  " + _excerpt(family["text"]), style="dim"))
    for cluster in report.get("clusters", []):
        console.print(
            Text(f"{cluster['id']} near-duplicates: " + ", ".join(map(short, cluster["documents"])), style="bold")
        )
    directed = [e for e in report.get("edges", []) if e["directed"] and e["relation"] != "范文"]
    if directed:
        console.print(Text("who copied from whom (later ← earlier)", style="bold"))
    for edge in directed[:rows]:
        console.print(
            f"  {short(edge['copier'])} ← {short(edge['source'])}  {edge['copied_chars']} chars {edge['relation']}",
            highlight=False,
        )
