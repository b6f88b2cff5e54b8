"""The report model and its JSON form: the report number survives a round
trip, as do the families' whole-token swaps and rewritten members."""

from __future__ import annotations

import dataclasses
import json

from detector.diff import Edit
from detector.families import Family, FamilyMember
from reports.json_report import dumps
from reports.load import load_report
from reports.model import AuditSection
from tests.reports.test_html import fixture_report, typed


def test_number_time_and_families_survive_the_json_round_trip():
    members = (
        FamilyMember("refs/范文03.txt", 0, 90, None, None, None, "reference"),
        FamilyMember(
            "subs/a.txt",
            10,
            99,
            "荷阳乡",
            2021,
            "2021-12-20",
            "submission",
            (Edit("杨阳村", "荷阳乡", "place"), Edit("96.89%", "93.08%", "number")),
            0.9123,
            False,
        ),
        FamilyMember("subs/b.txt", 5, 80, "县交通运输局", 2022, None, "submission", (), 0.41, True),
    )
    family = Family(
        "F001", "范文的一段", "refs/范文03.txt", members, 2, "refs/范文03.txt", "the only reference (范文) member"
    )
    report = dataclasses.replace(
        typed(fixture_report()),
        command="audit",
        audit=AuditSection(("refs/范文03.txt",), (family,), (), ()),
        checked_at="2024-06-01T10:00:00+08:00",
    )
    data = json.loads(dumps(report))
    assert data["report"] == {"number": report.number, "checked_at": "2024-06-01T10:00:00+08:00"}
    saved = data["families"][0]["documents"]
    assert saved[1]["edits"] == [
        {"before": "杨阳村", "after": "荷阳乡", "kind": "place"},
        {"before": "96.89%", "after": "93.08%", "kind": "number"},
    ]
    assert (saved[2]["rewritten"], saved[2]["similarity"], saved[2]["edits"]) == (True, 0.41, [])
    loaded = load_report(dumps(report))
    assert loaded.number == report.number and loaded.checked_at == report.checked_at
    assert loaded.audit.families[0].members == members


def test_a_report_of_an_earlier_version_loads_without_a_time_of_check():
    data = fixture_report()
    assert "report" not in data
    loaded = load_report(json.dumps(data, ensure_ascii=False))
    assert loaded.checked_at == "" and loaded.number.startswith("CC00000000-")
