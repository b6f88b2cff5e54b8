"""JUnit XML for CI test dashboards: one test case per submission.

``classname="chachong.gate"``, ``name`` = the submission's path. A failing
submission has a ``<failure>`` whose message gives the score and the top
source; an unreadable file is an ``<error>`` test case; a file skipped by
``--changed-only`` (unchanged since it last passed) is ``<skipped>``. Test
cases are sorted by path, so the file is deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from detector.model import DocumentResult
from reports.base import TextSource, no_texts
from reports.model import GateSection, Report

CLASSNAME = "chachong.gate"
MAX_LISTED_PASSAGES = 20

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


class JunitFormatter:
    name = "junit"
    label = "JUnit XML"

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return render_junit(report)


def _summary(doc: DocumentResult, gate: GateSection | None) -> str:
    """Score and top source, with the bar when known."""
    bar = f" (min {gate.min_originality:.1%})" if gate else ""
    text = f"originality {doc.originality:.1%}{bar}"
    if doc.max_source:
        bar = f" (max {gate.max_source_share:.1%})" if gate else ""
        text += f"; top source {doc.max_source} supplies {doc.max_source_share:.1%}{bar}"
    return text


def _details(doc: DocumentResult) -> str:
    lines = [
        f"originality {doc.originality:.1%}, copied {doc.copied_chars} of {doc.meaningful_chars} meaningful characters",
    ]
    for source in doc.sources:
        lines.append(f"source {source.source}: {source.share:.1%} in {source.passages} passage(s)")
    copies = doc.copies
    for match in copies[:MAX_LISTED_PASSAGES]:
        lines.append(
            f"  chars {match.start}-{match.end} <- {match.source} {match.source_start}-{match.source_end}"
            f" (similarity {match.similarity:.0%})"
        )
    if len(copies) > MAX_LISTED_PASSAGES:
        lines.append(f"  ... and {len(copies) - MAX_LISTED_PASSAGES} more passages (see the JSON report)")
    return "\n".join(lines)


def build_junit(report: Report) -> ET.Element:
    gate = report.gate
    failed = set(gate.failed) if gate else set()
    reasons = gate.reasons if gate else {}
    cases: list[tuple[str, ET.Element]] = []

    def case(path: str) -> ET.Element:
        element = ET.Element("testcase", {"classname": CLASSNAME, "name": _clean(path), "time": "0"})
        cases.append((path, element))
        return element

    for doc in report.documents:
        element = case(doc.path)
        if doc.path in failed:
            failure = ET.SubElement(
                element, "failure", {"message": _clean(_summary(doc, gate)), "type": "chachong.gate.failed"}
            )
            why = [r.message for r in reasons.get(doc.path, ())]
            body = ([f"FAIL: {'; '.join(why)}"] if why else []) + [_details(doc)]
            failure.text = _clean("\n".join(body))
        else:
            ET.SubElement(element, "system-out").text = _clean(_summary(doc, gate))
    for error in report.errors:
        ET.SubElement(case(error.path), "error", {"message": _clean(error.reason), "type": "chachong.InputError"})
    for path in gate.unchanged if gate else ():
        ET.SubElement(case(path), "skipped", {"message": "unchanged since it last passed (--changed-only)"})

    cases.sort(key=lambda item: item[0])
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


def render_junit(report: Report) -> str:
    root = build_junit(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
