"""JUnit XML for CI test dashboards: one test case per submission.

``classname="chachong.gate"``, ``name`` = the submission's path, relative to
the same base as the SARIF log's locations (``--sarif-base``) so a dashboard
and the code-scanning alerts name a file alike. A failing
submission has a ``<failure>`` whose message gives the score and the top
source; an unreadable file is an ``<error>`` test case; a file skipped by
``--changed-only`` (unchanged since it last passed) is ``<skipped>``. Test
cases are sorted by path, so the file is deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from app.figures import percents
from detector.model import DocumentResult
from reports.base import TextSource, no_texts
from reports.model import GateSection, Report
from reports.sarif import shown_path

CLASSNAME = "chachong.gate"
MAX_LISTED_PASSAGES = 20

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


class JunitFormatter:
    name = "junit"
    label = "JUnit XML"

    def __init__(self, base: str | Path | None = None) -> None:
        self.base = base

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return render_junit(report, self.base)


def _summary(doc: DocumentResult, gate: GateSection | None, name: Callable[[str], str]) -> str:
    """Score and top source, with the bar when known (and the digits it takes to differ from it)."""
    if gate:
        shown, bar = percents(doc.originality, gate.min_originality)
        text = f"originality {shown} (min {bar})"
    else:
        text = f"originality {doc.originality:.1%}"
    if doc.max_source:
        if gate:
            shown, bar = percents(doc.max_source_share, gate.max_source_share)
            text += f"; top source {name(doc.max_source)} supplies {shown} (max {bar})"
        else:
            text += f"; top source {name(doc.max_source)} supplies {doc.max_source_share:.1%}"
    return text


def _details(doc: DocumentResult, name: Callable[[str], str]) -> str:
    lines = [
        f"originality {doc.originality:.1%}, copied {doc.copied_chars} of {doc.meaningful_chars} meaningful characters",
    ]
    for source in doc.sources:
        lines.append(f"source {name(source.source)}: {source.share:.1%} in {source.passages} passage(s)")
    copies = doc.copies
    for match in copies[:MAX_LISTED_PASSAGES]:
        lines.append(
            f"  chars {match.start}-{match.end} <- {name(match.source)} {match.source_start}-{match.source_end}"
            f" (similarity {match.similarity:.0%})"
        )
    if len(copies) > MAX_LISTED_PASSAGES:
        lines.append(f"  ... and {len(copies) - MAX_LISTED_PASSAGES} more passages (see the JSON report)")
    return "\n".join(lines)


def build_junit(report: Report, base: str | Path | None = None) -> ET.Element:
    gate = report.gate

    def name(path: str) -> str:
        return shown_path(path, base) if base is not None else path

    failed = set(gate.failed) if gate else set()
    reasons = gate.reasons if gate else {}
    cases: list[tuple[str, ET.Element]] = []

    def case(path: str) -> ET.Element:
        element = ET.Element("testcase", {"classname": CLASSNAME, "name": _clean(name(path)), "time": "0"})
        cases.append((path, element))
        return element

    for doc in report.documents:
        element = case(doc.path)
        if doc.path in failed:
            failure = ET.SubElement(
                element, "failure", {"message": _clean(_summary(doc, gate, name)), "type": "chachong.gate.failed"}
            )
            why = [r.message for r in reasons.get(doc.path, ())]
            body = ([f"FAIL: {'; '.join(why)}"] if why else []) + [_details(doc, name)]
            failure.text = _clean("\n".join(body))
        else:
            ET.SubElement(element, "system-out").text = _clean(_summary(doc, gate, name))
    for error in report.errors:
        ET.SubElement(case(error.path), "error", {"message": _clean(error.reason), "type": "chachong.InputError"})
    for path in gate.unchanged if gate else ():
        ET.SubElement(case(path), "skipped", {"message": "unchanged since it last passed (--changed-only)"})

    cases.sort(key=lambda item: name(item[0]))
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for _, c in cases if c.find("failure") is not None)),
        "errors": str(sum(1 for _, c in cases if c.find("error") is not None)),
        "skipped": str(sum(1 for _, c in cases if c.find("skipped") is not None)),
        "time": "0",
    }
    suites = ET.Element("testsuites", {"name": "chachong", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": CLASSNAME, **counts})
    properties = ET.SubElement(suite, "properties")
    if gate is not None:
        for key in ("min_originality", "max_source_share", "changed_only"):
            ET.SubElement(properties, "property", {"name": key, "value": str(getattr(gate, key))})
    for _, element in cases:
        suite.append(element)
    return suites


def render_junit(report: Report, base: str | Path | None = None) -> str:
    root = build_junit(report, base)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
