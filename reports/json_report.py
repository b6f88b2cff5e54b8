"""The JSON report, schema ``chachong/report-v1`` (documented in the README).

Offsets are half-open ranges of code points into each document's decoded
text (what ``chachong text FILE`` prints). Output is deterministic: documents
in input order (sorted paths), matches by offset, no timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from corpus.errors import InputError
from detector.audit import AuditResult, ranking
from detector.check import DocumentResult

SCHEMA = "chachong/report-v1"
TOOL_VERSION = "0.1.0"


def _round(value: float) -> float:
    return round(float(value), 4)


def document_dict(result: DocumentResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "chars": result.chars,
        "encoding": result.encoding,
        "format": result.format,
        "sha256": result.sha256,
        "unit": result.meta.unit,
        "year": result.meta.year,
        "submitted": result.meta.submitted,
        "meaningful_chars": result.meaningful_chars,
        "originality": _round(result.originality),
        "max_source_share": _round(result.max_source_share),
        "max_source": result.max_source,
        "copied_chars": result.copied_chars,
        "stock_chars": result.stock_chars,
        "matches": [m.as_dict() for m in result.matches],
        "sources": [
            {
                "source": s.source,
                "unit": s.meta.unit,
                "year": s.meta.year,
                "copied_chars": s.copied_chars,
                "share": _round(s.share),
                "passages": s.passages,
            }
            for s in result.sources
        ],
        "sections": [
            {
                "title": s.title,
                "start": s.start,
                "end": s.end,
                "meaningful_chars": s.meaningful_chars,
                "copied_chars": s.copied_chars,
                "share": _round(s.share),
            }
            for s in result.sections
        ],
        "warnings": list(result.warnings),
    }


def error_dict(error: InputError) -> dict[str, str]:
    return {"path": error.path, "reason": error.reason}


def build_report(
    results: Sequence[DocumentResult],
    errors: Iterable[InputError] = (),
    *,
    command: str,
    index: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "chachong", "version": TOOL_VERSION},
        "command": command,
        "index": index or {},
        "documents": [document_dict(r) for r in results],
        "errors": [error_dict(e) for e in errors],
    }
    if extra:
        report.update(extra)
    return report


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def audit_sections(audit: AuditResult) -> dict[str, Any]:
    """The audit's extra top-level keys: ranking, families, clusters, edges."""
    return {
        "references": audit.references,
        "ranking": ranking(audit),
        "families": [
            {
                "id": f.id,
                "text": f.text,
                "representative": f.representative,
                "documents": [
                    {
                        "path": m.path,
                        "start": m.start,
                        "end": m.end,
                        "unit": m.unit,
                        "year": m.year,
                        "submitted": m.submitted,
                        "role": m.role,
                        "edits": list(m.edits),
                    }
                    for m in f.members
                ],
                "units": f.units,
                "origin": f.origin,
                "origin_reason": f.origin_reason,
            }
            for f in audit.families
        ],
        "clusters": [
            {
                "id": c.id,
                "documents": list(c.documents),
                "pairs": [{"a": a, "b": b, "similarity": s} for a, b, s in c.pairs],
            }
            for c in audit.clusters
        ],
        "edges": [
            {
                "copier": e.copier,
                "source": e.source,
                "copied_chars": e.copied_chars,
                "share": _round(e.share),
                "relation": e.relation,
                "directed": e.directed,
            }
            for e in audit.edges
        ],
    }
