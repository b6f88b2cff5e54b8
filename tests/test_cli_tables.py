"""`chachong audit --tables/--workdir` and an audit too large for one report (issue 15)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli_output
from app.demo import write_demo
from cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


def _lines(path: Path) -> list[dict]:
    """A table's entries; each line is exactly ``json.dumps(entry, ensure_ascii=False)``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert lines == [json.dumps(entry, ensure_ascii=False) for entry in entries]
    return entries


def test_tables_hold_what_the_json_report_holds(demo, tmp_path):
    args = ["audit", str(demo / "submissions"), "--ref", str(demo / "references"), "--exit-zero"]
    result = runner.invoke(app, [*args, "--json", str(tmp_path / "a.json"), "--tables", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    documents, matches = _lines(tmp_path / "t" / "documents.jsonl"), _lines(tmp_path / "t" / "matches.jsonl")
    assert [d["path"] for d in documents] == [d["path"] for d in report["documents"]]
    for table, entry in zip(documents, report["documents"]):
        assert {**table, "matches": [m for m in matches if m["document"] == table["path"]]} == {
            **entry,
            "matches": [{"document": entry["path"], **m} for m in entry["matches"]],
        }
    assert _lines(tmp_path / "t" / "families.jsonl") == report["families"]
    assert _lines(tmp_path / "t" / "clusters.jsonl") == report["clusters"]
    assert _lines(tmp_path / "t" / "edges.jsonl") == report["edges"]
    assert _lines(tmp_path / "t" / "errors.jsonl") == report["errors"]


def test_an_audit_too_large_for_one_report_writes_tables_and_the_ranking(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_output, "REPORT_DOCUMENTS", 5)
    work = tmp_path / "work"
    args = ["audit", str(demo / "submissions"), "--ref", str(demo / "references"), "--workdir", str(work)]
    result = runner.invoke(app, [*args, "--tables", str(tmp_path / "t"), "--csv", str(tmp_path / "r.csv")])
    assert result.exit_code == 1, result.output  # copying found
    assert "audited 12 documents" in result.stdout and "families" in result.stdout
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 12 and [float(r["originality"]) for r in rows] == sorted(float(r["originality"]) for r in rows)
    assert len(_lines(tmp_path / "t" / "documents.jsonl")) == 12
    assert not any(work.iterdir())  # the spill files are gone

    refused = runner.invoke(app, [*args, "--json", str(tmp_path / "a.json")])
    assert refused.exit_code == 2
    assert "more than one JSON or HTML report holds" in refused.output and "--tables" in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "a.json").exists()


def test_an_unusable_workdir_is_an_error_without_a_traceback(demo, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(demo / "submissions"), "--workdir", str(tmp_path / "file" / "w")])
    assert result.exit_code == 2
    assert "work folder" in result.output and "Traceback" not in result.output


def test_tables_are_the_same_however_the_workers_split_them(tmp_path, monkeypatch):
    """Table lines made in forked workers a few results at a time are
    written in path order: the files equal those made in one pass here."""
    from app.audit import AuditParams, audit_streaming
    from evaluation.synth import SynthConfig, generate_texts

    folder = tmp_path / "subs"
    folder.mkdir()
    for i, (_, text) in enumerate(generate_texts(SynthConfig(n_units=40, n_references=0, seed=5, doc_chars=1200))):
        (folder / f"{i:03}.txt").write_text(text, encoding="utf-8")
    written = {}
    with audit_streaming([folder], params=AuditParams(workers=2), workdir=tmp_path / "work") as audit:
        for name, chunk, workers in (("one", 10**6, 1), ("split", 2, 2)):
            monkeypatch.setattr(cli_output, "TABLE_CHUNK", chunk)
            copying = cli_output.write_audit_tables(
                audit, tmp_path / name, csv=tmp_path / name / "r.csv", workers=workers
            )
            written[name] = (copying, {p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert written["split"] == written["one"]
    copying, files = written["one"]
    assert copying > 0 and len(files["documents.jsonl"].splitlines()) == 40 and files["matches.jsonl"]
