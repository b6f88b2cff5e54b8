"""A Markdown summary of a gate run, e.g. for ``$GITHUB_STEP_SUMMARY``.

A headline, the bar, then one table: unreadable files first, then failing
submissions (lowest originality first), then passing ones (capped at
``max_passing_rows`` so a folder of thousands stays under the 1 MiB a step
summary may hold).
"""

from __future__ import annotations

from app.figures import percents
from corpus.names import printable
from detector.model import DocumentResult
from reports.base import TextSource, no_texts
from reports.model import GateSection, Report

_ESCAPE = str.maketrans({c: "\\" + c for c in "\\|*_`<>[]#"})


def _md(text: str) -> str:
    """One table cell: line breaks as spaces, other controls escaped (``\\x1b``), markup characters escaped."""
    return printable(text.replace("\r", " ").replace("\n", " ")).translate(_ESCAPE)


class MarkdownFormatter:
    name = "markdown"
    label = "Markdown summary"

    def __init__(self, max_passing_rows: int = 300) -> None:
        self.max_passing_rows = max_passing_rows

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return render_markdown(report, max_passing_rows=self.max_passing_rows)


def render_markdown(report: Report, *, max_passing_rows: int = 300) -> str:
    gate = report.gate
    failed = set(gate.failed) if gate else set()
    failing = sorted((d for d in report.documents if d.path in failed), key=lambda d: (d.originality, d.path))
    passing = sorted((d for d in report.documents if d.path not in failed), key=lambda d: d.path)
    errors = sorted(report.errors, key=lambda e: e.path)
    unchanged = gate.unchanged if gate else ()
    status = "FAILED" if failing else "ERROR" if errors else "PASSED"
    lines = [f"## chachong gate: {status}", ""]
    parts = [f"{len(report.documents)} submission(s) checked", f"{len(failing)} failed"]
    if errors:
        parts.append(f"{len(errors)} unreadable")
    if unchanged:
        parts.append(f"{len(unchanged)} unchanged since they last passed (not re-checked)")
    lines.append(", ".join(parts) + ".")
    if gate is not None:
        lines += [
            "",
            f"Bar: originality ≥ {gate.min_originality:.1%}, largest share from one source ≤ {gate.max_source_share:.1%}.",
        ]
    lines += [
        "",
        "| Submission | Originality | Max source share | Top source | Result |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    lines += [f"| {_md(e.path)} | – | – | – | **ERROR**: {_md(e.reason)} |" for e in errors]
    lines += [_row(d, "**FAIL**", gate) for d in failing]
    lines += [_row(d, "PASS", gate) for d in passing[:max_passing_rows]]
    if len(passing) > max_passing_rows:
        lines += ["", f"… and {len(passing) - max_passing_rows} more passing submissions (see the JSON report)."]
    if failing and gate is not None and gate.reasons:
        lines += ["", "### Why", ""]
        for doc in failing:
            why = "; ".join(_md(r.message) for r in gate.reasons.get(doc.path, ()))
            lines.append(f"- {_md(doc.path)}: {why}")
    return "\n".join(lines) + "\n"


def _row(doc: DocumentResult, result: str, gate: GateSection | None) -> str:
    """A table row; next to a bar a figure has the digits it takes to differ from it."""
    top = _md(doc.max_source) if doc.max_source else "–"
    if gate is not None:
        originality = percents(doc.originality, gate.min_originality)[0]
        share = percents(doc.max_source_share, gate.max_source_share)[0]
    else:
        originality, share = f"{doc.originality:.1%}", f"{doc.max_source_share:.1%}"
    return f"| {_md(doc.path)} | {originality} | {share} | {top} | {result} |"
