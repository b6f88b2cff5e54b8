"""`chachong audit`, `report` and `demo` end to end."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cli import app
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT

runner = CliRunner()
OWN = [
    "本年度我局把档案数字化作为重点，扫描历史卷宗两万余卷，建成检索平台并向社会开放查询。",
    "镇里新修的文化广场夜里灯火通明，广场舞队和象棋角各占一边，周末还有流动书车停靠借阅。",
    "卫生院开设了家庭医生签约门诊，慢病患者每季度上门随访一次，血压血糖控制率明显好转。",
    "学校的劳动教育基地种上了蔬菜和果树，每个班级认领一块菜地，收获时节送到食堂加餐。",
]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subs, refs = tmp_path / "subs", tmp_path / "refs"
    subs.mkdir()
    refs.mkdir()
    (refs / "fanwen.txt").write_bytes((ORIGINAL_TRANSPORT + "\n" + COPIED).encode("utf-8"))
    bodies = {
        "2023_东湖镇.txt": OWN[0] + "\n" + COPIED.replace("我局", "我镇") + "\n" + ORIGINAL_SCHOOL,
        "2023_西岭乡.txt": OWN[1] + "\n" + COPIED.replace("我局", "我乡").replace("三个月", "两个月"),
        "2023_南山街道.txt": OWN[2] + "\n" + COPIED.replace("我局", "我街道"),
        "2023_北坡村.txt": OWN[3] + "\n" + ORIGINAL_HOSPITAL,
    }
    for name, body in bodies.items():
        (subs / name).write_bytes(body.encode("gb18030"))
    return tmp_path


def test_audit_writes_ranking_families_csv_and_exits_one(folder):
    result = runner.invoke(
        app, ["audit", "subs", "--ref", "refs", "--json", "a.json", "--csv", "r.csv", "--html", "a.html"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads((folder / "a.json").read_text(encoding="utf-8"))
    assert report["schema"] == "chachong/report-v1" and report["command"] == "audit"
    ranking = report["ranking"]
    assert ranking[-1]["path"] == "subs/2023_北坡村.txt" and ranking[-1]["originality"] == 1.0
    assert {r["unit"] for r in ranking} == {"东湖镇", "西岭乡", "南山街道", "北坡村"}
    (family,) = report["families"]
    members = {d["path"] for d in family["documents"]}
    assert members == {"refs/fanwen.txt", "subs/2023_东湖镇.txt", "subs/2023_西岭乡.txt", "subs/2023_南山街道.txt"}
    assert family["units"] == 3 and family["origin"] == "refs/fanwen.txt"
    rows = list(csv.DictReader(io.StringIO((folder / "r.csv").read_bytes().decode("utf-8-sig"))))
    assert [r["path"] for r in rows] == [r["path"] for r in ranking]
    html = (folder / "a.html").read_text(encoding="utf-8")
    assert "subs/2023_西岭乡.txt" in html and "<script src" not in html


def test_audit_json_to_stdout_and_exit_zero(folder):
    result = runner.invoke(app, ["audit", "subs", "--ref", "refs", "--json", "-", "--exit-zero"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ranking"]


def test_audit_max_key_docs_caps_the_keys_that_propose_candidates_on_the_local_engine(folder):
    """Every key two documents share is held by two at least: under a cap of
    one no pair is compared and nothing is found (exit 0); without a cap the
    pasted passage is found (exit 1); a cap below one is a usage error on
    either engine."""
    capped = runner.invoke(app, ["audit", "subs", "--ref", "refs", "--json", "-", "--max-key-docs", "1"])
    assert capped.exit_code == 0, capped.output
    assert all(not row["sources"] for row in json.loads(capped.stdout)["documents"])
    loose = runner.invoke(app, ["audit", "subs", "--ref", "refs", "--json", "-", "--max-key-docs", "1000"])
    assert loose.exit_code == 1
    assert any(row["sources"] for row in json.loads(loose.stdout)["documents"])
    for engine in ("local", "spark"):
        refused = runner.invoke(app, ["audit", "subs", "--engine", engine, "--max-key-docs", "0"])
        assert refused.exit_code == 2 and "--max-key-docs" in refused.output and "Traceback" not in refused.output


def test_audit_names_unreadable_files_and_goes_on(folder):
    (folder / "subs" / "broken.docx").write_bytes(b"not a zip")
    result = runner.invoke(app, ["audit", "subs", "--json", "a.json"])
    assert result.exit_code == 2
    assert "broken.docx" in result.output
    report = json.loads((folder / "a.json").read_text(encoding="utf-8"))
    assert report["errors"][0]["path"].endswith("broken.docx") and len(report["ranking"]) == 4


def test_report_renders_a_saved_json(folder):
    runner.invoke(app, ["audit", "subs", "--ref", "refs", "--json", "a.json"])
    result = runner.invoke(app, ["report", "a.json", "--html", "again.html"])
    assert result.exit_code == 0, result.output
    html = (folder / "again.html").read_text(encoding="utf-8")
    assert "为进一步巩固创建成果" in html  # texts were read back from the files
    (folder / "bad.json").write_text('{"schema": "other"}', encoding="utf-8")
    assert runner.invoke(app, ["report", "bad.json", "--html", "x.html"]).exit_code == 2


def test_demo_writes_the_corpus_and_reports(tmp_path):
    result = runner.invoke(app, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    for name in ("report.json", "report.html", "ranking.csv", "truth.json", ".chachong/index.db"):
        assert (tmp_path / "demo" / name).is_file(), name
    report = json.loads((tmp_path / "demo" / "report.json").read_text(encoding="utf-8"))
    truth = json.loads((tmp_path / "demo" / "truth.json").read_text(encoding="utf-8"))
    copiers = {str(tmp_path / "demo" / c["suspicious"]) for c in truth["cases"]}
    low = {r["path"] for r in report["ranking"] if r["originality"] < 0.95}
    assert low & copiers, "the planted copiers are among the least original"
    # the demo plants one 范文 passage in four submissions: the audit groups them
    by_source: dict[str, set[str]] = {}
    for c in truth["cases"]:
        by_source.setdefault(c["source"], set()).add(c["suspicious"])
    fanwen = next(src for src, subs in by_source.items() if src.startswith("references/") and len(subs) >= 4)
    family = next(f for f in report["families"] if any(d["path"].endswith(fanwen) for d in f["documents"]))
    assert family["units"] >= 4 and family["origin"].endswith(fanwen)
    # who copied from whom: the indexed 范文 is a source; two units that both
    # took the passage from it did not copy each other
    root = str(tmp_path / "demo") + "/"
    pairs = {(c["suspicious"], c["source"]) for c in truth["cases"]}
    edges = [(e["copier"].replace(root, ""), e["source"].replace(root, ""), e) for e in report["edges"]]
    assert any(e["relation"] == "范文" and source == fanwen for _, source, e in edges)
    assert all((copier, source) in pairs for copier, source, e in edges if e["directed"])
    same_template = {frozenset((a, b)) for a, b, e in edges if e["relation"] == "同源范文"}
    assert same_template and all(not e["directed"] for _, _, e in edges if e["relation"] == "同源范文")
    assert all(pair <= by_source[fanwen] for pair in same_template)


def test_audit_with_an_index_reports_the_index_size_after_adding_to_it(folder):
    made = runner.invoke(app, ["index", "add", "refs", "--index", "i.db"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["audit", "subs", "--index", "i.db", "--json", "-", "--exit-zero"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["index"] == {"path": "i.db", "documents": 1 + 4}  # the 范文, and the four submissions it now holds
    assert report["index"]["documents"] > len(report["ranking"])
    without = json.loads(runner.invoke(app, ["audit", "subs", "--ref", "refs", "--json", "-", "--exit-zero"]).stdout)
    assert without["index"] == {"path": "subs, refs", "documents": 5}  # named by the folders compared, not ":memory:"
