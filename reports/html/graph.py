"""Who copied from whom, laid out for an inline SVG (no script, no library).

Documents stand in columns by time: 范文 first, then each year, then the
undated; an arrow runs from the source to the copier, coloured by relation
(跨时抄, 跨地抄, 范文; 同源范文 dashed and without a head: neither took it from
the other). Only the largest edges are drawn; the JSON report has them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from detector.model import DocumentResult
from detector.relations import CopyEdge
from reports.html.text import visible

GRAPH_EDGES = 150
COLUMN_WIDTH = 230
ROW_HEIGHT = 24
TOP = 34
LABEL = 14  # characters of a node's label
RELATIONS = {"跨时抄": "r-time", "跨地抄": "r-place", "范文": "r-template", "同源范文": "r-same", "未知": "r-unknown"}


def copy_graph(
    edges: Sequence[CopyEdge], docs: Sequence[DocumentResult], link: Callable[[str | None], dict[str, str]]
) -> dict[str, Any] | None:
    """Nodes and curves of the largest ``GRAPH_EDGES`` edges, or None when there are none."""
    shown = sorted(edges, key=lambda e: (-e.copied_chars, e.copier, e.source))[:GRAPH_EDGES]
    if not shown:
        return None
    meta = {d.path: d.meta for d in docs}
    templates = {e.source for e in shown if e.relation == "范文"}

    def column(path: str) -> str:
        if path in templates:
            return "范文"
        m = meta.get(path)
        return str(m.year) if m is not None and m.year else "未知"

    paths = sorted({p for e in shown for p in (e.copier, e.source)})
    columns: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        columns[column(path)].append(path)
    order = sorted(columns, key=lambda c: (c != "范文", c == "未知", c))
    where: dict[str, tuple[int, int]] = {}
    for x, name in enumerate(order):
        for y, path in enumerate(columns[name]):
            where[path] = (20 + x * COLUMN_WIDTH, TOP + y * ROW_HEIGHT)
    return {
        "width": 40 + len(order) * COLUMN_WIDTH,
        "height": TOP + max(len(v) for v in columns.values()) * ROW_HEIGHT + 10,
        "columns": [{"x": 20 + x * COLUMN_WIDTH, "title": name} for x, name in enumerate(order)],
        "nodes": [_node(p, where[p], meta, link) for p in paths],
        "edges": [_edge(e, where) for e in shown],
        "shown": len(shown),
        "relations": [{"name": k, "cls": v} for k, v in RELATIONS.items()],
    }


def _node(path: str, at: tuple[int, int], meta: dict, link: Callable[[str | None], dict[str, str]]) -> dict:
    target = link(path)
    m = meta.get(path)
    name = (m.unit if m is not None and m.unit else target["name"].rsplit("/", 1)[-1]) or path
    label = name if len(name) <= LABEL else name[: LABEL - 1] + "…"
    return {"x": at[0], "y": at[1], "label": visible(label), "title": target["path"], "href": target["href"]}


def _edge(edge: CopyEdge, where: dict[str, tuple[int, int]]) -> dict[str, Any]:
    (sx, sy), (cx, cy) = where[edge.source], where[edge.copier]
    x1, y1 = sx + 150, sy - 4
    x2, y2 = (cx - 4, cy - 4) if cx > sx else (cx + 150, cy - 4)
    if cx == sx:  # same column: a bow to the right
        bend = (max(x1, x2) + 40 + abs(y2 - y1) / 4, (y1 + y2) / 2)
    else:
        bend = ((x1 + x2) / 2, (y1 + y2) / 2 - 12)
    title = f"{edge.source} → {edge.copier}: {edge.copied_chars} 字（{edge.share:.1%}） {edge.relation}"
    return {
        "d": f"M{x1:.0f},{y1:.0f} Q{bend[0]:.0f},{bend[1]:.0f} {x2:.0f},{y2:.0f}",
        "cls": RELATIONS.get(edge.relation, "r-unknown"),
        "directed": edge.directed,
        "width": f"{min(6.0, 1.0 + edge.copied_chars / 200):.1f}",
        "title": visible(title),
    }
