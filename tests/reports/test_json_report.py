"""The JSON report (chachong/report-v1): what it holds survives a round trip,
the same input gives the same bytes, and the README documents every key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.audit import run_audit
from app.demo import write_demo
from reports.json_report import dumps
from reports.load import load_report
from reports.model import audit_report

README = Path(__file__).resolve().parents[2] / "README.md"
WHEN = "2026-01-02T03:04:05+08:00"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    result = run_audit([out / "submissions"], [out / "references"])
    return out, audit_report(result, None, checked_at=WHEN)


def test_a_saved_audit_loads_back_to_the_same_report(demo_report):
    _, report = demo_report
    text = dumps(report)
    assert dumps(load_report(text)) == text
    data = json.loads(text)
    assert data["schema"] == "chachong/report-v1" and data["report"]["checked_at"] == WHEN
    assert any(d["copied_by"] for d in data["documents"])  # the dated demo has earlier sources
    assert data["families"] and data["edges"] and data["ranking"]


def test_the_same_input_gives_the_same_report(demo_report):
    out, report = demo_report
    again = audit_report(run_audit([out / "submissions"], [out / "references"]), None, checked_at=WHEN)
    assert dumps(again) == dumps(report)


def test_the_readme_documents_every_key_a_document_carries(demo_report):
    _, report = demo_report
    data = json.loads(dumps(report))
    section = README.read_text(encoding="utf-8").split("## JSON report", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r'"(\w+)":', section))
    document = max(data["documents"], key=lambda d: len(d["matches"]))
    keys = set(document) | set(document["matches"][0]) | set(document["sources"][0]) | set(document["sections"][0])
    assert keys <= documented, sorted(keys - documented)
    assert set(data) - {"references", "ranking", "families", "clusters", "edges"} <= documented
