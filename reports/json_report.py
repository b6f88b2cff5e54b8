"""The JSON report, schema ``chachong/report-v1`` (documented in the README),
and reading it back into a typed :class:`~reports.model.Report`.

Offsets are half-open ranges of code points into each document's decoded
text (what ``chachong text FILE`` prints). Output is deterministic: documents
in input order (sorted paths), matches by offset, no timestamps.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from functools import cache
from typing import Any

from detector.families import Family
from detector.model import DocumentResult, Match, SourceShare
from detector.relations import CopyEdge
from reports.base import TextSource, no_texts
from reports.model import SCHEMA, GateSection, Report


class JsonFormatter:
    name = "json"
    label = "JSON report"

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return dumps(report)


def _round(value: float) -> float:
    return round(float(value), 4)


def _rounded(obj: object, **extra: Any) -> dict[str, Any]:
    """A flat dataclass (a match, a section: fields of plain values) as a
    dict, its shares and similarities rounded to four digits."""
    values = getattr(obj, "__dict__", None)  # a dataclass without slots: its fields, in order
    out = dict(values) if values is not None else {name: getattr(obj, name) for name in _field_names(type(obj))}
    for name, value in out.items():
        if isinstance(value, float):
            out[name] = round(float(value), 4)
    out.update(extra)
    return out


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (``fields()`` walks them anew on every call)."""
    return tuple(f.name for f in fields(kind))


def match_dict(match: Match, **first: Any) -> dict[str, Any]:
    """A match as the report's ``matches[]`` entry, after the keys of
    ``first`` (a table's line names its document first)."""
    out = {**first, **match.__dict__}  # a dataclass without slots: its fields, in order
    out["similarity"] = _round(match.similarity)
    return out


def document_dict(result: DocumentResult, *, matches: bool = True) -> dict[str, Any]:
    """A result as the report's ``documents[]`` entry (without ``matches``: a line of the documents table)."""
    entry = {
        "path": result.path,
        "chars": result.chars,
        "encoding": result.encoding,
        "format": result.format,
        "sha256": result.sha256,
        **result.meta.as_dict(),
        "meaningful_chars": result.meaningful_chars,
        "originality": _round(result.originality),
        "max_source_share": _round(result.max_source_share),
        "max_source": result.max_source,
        "copied_chars": result.copied_chars,
        "stock_chars": result.stock_chars,
        "own_chars": result.own_chars,
        "copy_ratio": _round(result.copy_ratio),
        "copy_ratio_excluding_own": _round(result.copy_ratio_excluding_own),
        "cross_time_chars": result.cross_time_chars,
        "paragraphs": result.paragraphs,
        "suspect_paragraphs": result.suspect_paragraphs,
        "matches": [match_dict(m) for m in result.matches] if matches else None,
        "sources": [_source_dict(s) for s in result.sources],
        "copied_by": [_source_dict(s) for s in result.copied_by],
        "sections": [_rounded(s, share=_round(s.share)) for s in result.sections],
        "warnings": list(result.warnings),
    }
    if not matches:
        del entry["matches"]
    return entry


def _source_dict(source: SourceShare) -> dict[str, Any]:
    return {
        "source": source.source,
        "unit": source.meta.unit,
        "year": source.meta.year,
        "copied_chars": source.copied_chars,
        "share": _round(source.share),
        "passages": source.passages,
        "relation": source.relation,
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The report-v1 form of a report (a gate or audit report has its extra keys)."""
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "chachong", "version": report.tool_version},
        "command": report.command,
        "report": {"number": report.number, "checked_at": report.checked_at},
        "index": {"path": report.corpus.path, "documents": report.corpus.documents} if report.corpus else {},
        "documents": [document_dict(r) for r in report.documents],
        "errors": [{"path": e.path, "reason": e.reason} for e in report.errors],
    }
    if report.audit is not None:
        out.update(_audit_dict(report))
    if report.gate is not None:
        out["gate"] = _gate_dict(report.gate)
    return out


def dumps(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def _audit_dict(report: Report) -> dict[str, Any]:
    audit = report.audit
    assert audit is not None
    return {
        "references": list(audit.references),
        "ranking": [asdict(row) for row in report.ranking()],
        "families": [family_dict(f) for f in audit.families],
        "clusters": [
            {
                "id": c.id,
                "documents": list(c.documents),
                "pairs": [{"a": a, "b": b, "similarity": s} for a, b, s in c.pairs],
            }
            for c in audit.clusters
        ],
        "edges": [edge_dict(e) for e in audit.edges],
    }


def family_dict(family: Family) -> dict[str, Any]:
    """A family as the report's ``families[]`` entry (and a line of the ``families`` table)."""
    return {
        "id": family.id,
        "text": family.text,
        "representative": family.representative,
        "documents": [
            {
                "path": m.path,
                "start": m.start,
                "end": m.end,
                "unit": m.unit,
                "year": m.year,
                "submitted": m.submitted,
                "role": m.role,
                "edits": [e.as_dict() for e in m.edits],
                "similarity": _round(m.similarity),
                "rewritten": m.rewritten,
            }
            for m in family.members
        ],
        "units": family.units,
        "origin": family.origin,
        "origin_reason": family.origin_reason,
    }


def edge_dict(edge: CopyEdge) -> dict[str, Any]:
    """A copy edge as the report's ``edges[]`` entry (and a line of the ``edges`` table)."""
    return _rounded(edge)


def _gate_dict(gate: GateSection) -> dict[str, Any]:
    return {
        "root": gate.root,
        "config_file": gate.config_file,
        "min_originality": gate.min_originality,
        "max_source_share": gate.max_source_share,
        "changed_only": gate.changed_only,
        "passed": list(gate.passed),
        "failed": list(gate.failed),
        "errors": list(gate.errors),
        "unchanged": list(gate.unchanged),
        "reasons": {path: [asdict(r) for r in reasons] for path, reasons in gate.reasons.items()},
    }
