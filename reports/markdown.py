"""A Markdown summary of a gate run, e.g. for ``$GITHUB_STEP_SUMMARY``.

A headline, the bar, then one table: unreadable files first, then failing
submissions (lowest originality first), then passing ones (capped at
``max_passing_rows`` so a folder of thousands stays under the 1 MiB a step
summary may hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ESCAPE = str.maketrans({c: "\\" + c for c in "\\|*_`<>[]#"})


def _md(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ").translate(_ESCAPE)


def render_markdown(report: Mapping[str, Any], *, max_passing_rows: int = 300) -> str:
    gate = report.get("gate", {})
    failed = set(gate.get("failed", []))
    documents = list(report["documents"])
    failing = sorted((d for d in documents if d["path"] in failed), key=lambda d: (d["originality"], d["path"]))
    passing = sorted((d for d in documents if d["path"] not in failed), key=lambda d: d["path"])
    errors = sorted(report.get("errors", []), key=lambda e: e["path"])
    unchanged = gate.get("unchanged", [])

    status = "FAILED" if failing else "ERROR" if errors else "PASSED"
    checked = len(documents)
    lines = [f"## chachong gate: {status}", ""]
    parts = [f"{checked} submission(s) checked", f"{len(failing)} failed"]
    if errors:
        parts.append(f"{len(errors)} unreadable")
    if unchanged:
        parts.append(f"{len(unchanged)} unchanged since they last passed (not re-checked)")
    lines.append(", ".join(parts) + ".")
    if "min_originality" in gate:
        lines += [
            "",
            f"Bar: originality ≥ {gate['min_originality']:.1%}, largest share from one source ≤ {gate['max_source_share']:.1%}.",
        ]
    lines += [
        "",
        "| Submission | Originality | Max source share | Top source | Result |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for error in errors:
        lines.append(f"| {_md(error['path'])} | – | – | – | **ERROR**: {_md(error['reason'])} |")
    for doc in failing:
        lines.append(_row(doc, "**FAIL**"))
    for doc in passing[:max_passing_rows]:
        lines.append(_row(doc, "PASS"))
    if len(passing) > max_passing_rows:
        lines += ["", f"… and {len(passing) - max_passing_rows} more passing submissions (see the JSON report)."]
    reasons = gate.get("reasons", {})
    if failing and reasons:
        lines += ["", "### Why", ""]
        for doc in failing:
            why = "; ".join(_md(r["message"]) for r in reasons.get(doc["path"], []))
            lines.append(f"- {_md(doc['path'])}: {why}")
    return "\n".join(lines) + "\n"


def _row(doc: Mapping[str, Any], result: str) -> str:
    top = _md(doc["max_source"]) if doc.get("max_source") else "–"
    return f"| {_md(doc['path'])} | {doc['originality']:.1%} | {doc['max_source_share']:.1%} | {top} | {result} |"
