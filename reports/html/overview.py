"""The overview of a corpus (audit, gate): ranking, histograms, boilerplate
families, who copied from whom, near-duplicate clusters, gate verdicts.

Built from the typed report alone (no texts), so its size grows with the
number of documents, not with their length: the ranking travels as one JSON
array that the page's script sorts, filters and draws a page of rows at a
time; the families, clusters and graph are capped with a note of how many
more the JSON report holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.figures import percents
from detector.families import Family
from detector.model import DocumentResult
from reports.html.graph import copy_graph
from reports.html.text import visible
from reports.locate import common_root, shorten
from reports.model import GateSection, Report, grade

FAMILY_CARDS = 60  # family cards drawn; the JSON report has them all
FAMILY_MEMBERS = 40  # members listed on one card
CLUSTERS_SHOWN = 100
FAMILY_TEXT = 400  # characters of a family's representative passage shown
BINS = 20  # histogram bars (5% each)


def overview_view(report: Report, doc_href: Callable[[int], str]) -> dict[str, Any]:
    """Everything the overview template shows; ``doc_href(d)`` links to document ``d``'s view."""
    docs = report.documents
    root = common_root([d.path for d in docs] + [s.source for d in docs for s in d.sources[:1]])
    index = {d.path: i for i, d in enumerate(docs)}

    def link(path: str | None) -> dict[str, str]:
        d = index.get(path or "")
        return {
            "name": visible(shorten(path, root)),
            "href": doc_href(d) if d is not None else "",
            "path": visible(path),
        }

    audit = report.audit
    families = audit.families if audit else ()
    clusters = audit.clusters if audit else ()
    return {
        "root": visible(root),
        "rows": [_row(i, d, root, report.gate, doc_href(i)) for i, d in enumerate(docs)],
        "gate": _gate(report),
        "histograms": [
            _histogram("原创度分布", [d.originality for d in docs], _tone(report.gate, "originality")),
            _histogram("单篇最大文字复制比分布", [d.max_source_share for d in docs], _tone(report.gate, "share")),
        ],
        "families": [_family(f, link) for f in families[:FAMILY_CARDS]],
        "families_total": len(families),
        "clusters": [_cluster(c.id, c.documents, c.pairs, link) for c in clusters[:CLUSTERS_SHOWN]],
        "clusters_total": len(clusters),
        "graph": copy_graph(audit.edges, docs, link) if audit else None,
        "edges_total": len(audit.edges) if audit else 0,
    }


def verdict_grade(doc: DocumentResult, gate: GateSection) -> str:
    """A gate's colour follows its bar: failed is red, within 5 points of the bar amber, else green."""
    if doc.path in gate.failed:
        return "bad"
    margin = min(doc.originality - gate.min_originality, gate.max_source_share - doc.max_source_share)
    return "warn" if margin < 0.05 else "good"


def _row(i: int, doc: DocumentResult, root: str, gate: GateSection | None, href: str) -> list[Any]:
    """One ranking row for the script: [d, path, unit, year, originality, max share, top source,
    copied chars, sources, grade, verdict, href] (figures rounded as the JSON report has them)."""
    verdict = ("FAIL" if doc.path in gate.failed else "PASS") if gate else ""
    shown = percents(doc.originality, gate.min_originality)[0] if gate else f"{doc.originality:.1%}"
    return [
        i,
        visible(shorten(doc.path, root)),
        visible(doc.meta.unit),
        doc.meta.year or "",
        round(doc.originality, 4),
        round(doc.max_source_share, 4),
        visible(shorten(doc.max_source, root)),
        doc.copied_chars,
        len(doc.sources),
        verdict_grade(doc, gate) if gate else grade(doc.originality),
        verdict,
        href,
        shown,
    ]


def _gate(report: Report) -> dict[str, Any] | None:
    gate = report.gate
    if gate is None:
        return None
    failed = len(gate.failed)
    return {
        "verdict": "FAIL" if failed or report.errors else "PASS",
        "failed": failed,
        "passed": len(report.documents) - failed,
        "errors": len(report.errors),
        "unchanged": len(gate.unchanged),
        "min_originality": f"{gate.min_originality:.1%}",
        "max_source_share": f"{gate.max_source_share:.1%}",
    }


def _tone(gate: GateSection | None, kind: str) -> Callable[[float], str]:
    """The colour of a histogram bar at a figure: by the gate's bar when there
    is one (failing red, within five points amber), else by :func:`grade`."""
    if gate is None:
        return grade if kind == "originality" else lambda v: grade(1.0 - v)
    if kind == "originality":
        bar = gate.min_originality
        return lambda v: "bad" if v < bar else "warn" if v < bar + 0.05 else "good"
    top = gate.max_source_share
    return lambda v: "bad" if v > top else "warn" if v > top - 0.05 else "good"


def _histogram(title: str, values: list[float], tone: Callable[[float], str]) -> dict[str, Any]:
    counts = [0] * BINS
    for v in values:
        counts[min(BINS - 1, max(0, int(v * BINS)))] += 1
    top = max(counts) or 1
    bars = []
    for b, n in enumerate(counts):
        tone_of_bin = tone((b + 0.5) / BINS)
        height = 0 if not n else max(2.0, 100.0 * n / top)
        bars.append({"n": n, "x": b * 5, "h": f"{height:.1f}", "label": f"{b * 5}–{b * 5 + 5}%", "grade": tone_of_bin})
    return {"title": title, "bars": bars, "total": len(values)}


def _family(family: Family, link: Callable[[str | None], dict[str, str]]) -> dict[str, Any]:
    text = family.text if len(family.text) <= FAMILY_TEXT else family.text[: FAMILY_TEXT - 1] + "…"
    members = []
    for m in family.members[:FAMILY_MEMBERS]:
        members.append(
            {
                **link(m.path),
                "unit": visible(m.unit),
                "date": visible(m.submitted or m.year),
                "role": "范文" if m.role == "reference" else "索引" if m.role == "indexed" else "提交",
                "origin": m.path == family.origin,
                "rewritten": m.rewritten,
                "similarity": f"{m.similarity:.0%}",
                "edits": [{"before": visible(e.before), "after": visible(e.after), "kind": e.kind} for e in m.edits],
            }
        )
    return {
        "id": visible(family.id),
        "text": visible(text),
        "units": family.units,
        "size": len(family.members),
        "more": max(0, len(family.members) - FAMILY_MEMBERS),
        "origin": link(family.origin) if family.origin else None,
        "origin_reason": visible(family.origin_reason),
        "members": members,
    }


def _cluster(cid: str, documents: tuple[str, ...], pairs: Any, link: Callable[[str | None], dict[str, str]]) -> dict:
    return {
        "id": visible(cid),
        "documents": [link(p) for p in documents],
        "pairs": [{"a": link(a), "b": link(b), "similarity": f"{s:.1%}"} for a, b, s in pairs[:30]],
    }
