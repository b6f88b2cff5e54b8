"""bench/scale.py on a tiny corpus: every stage row is printed with positive figures."""

from __future__ import annotations

import json

from bench import scale as scale_module


def test_scale_bench_small(tmp_path, capsys):
    scale = scale_module
    out_json = tmp_path / "scale.json"
    argv = ["--docs", "20", "30", "--sample", "5", "--naive-docs", "8", "--no-audit", "--seed", "3"]
    argv += ["--keep", str(tmp_path / "corpus"), "--tmp", str(tmp_path), "--json", str(out_json)]
    assert scale.main(argv) == 0
    table = capsys.readouterr().out

    assert table.startswith("# chachong scale benchmark")
    assert "machine: " in table and " cores" in table
    assert "## N = 20 documents" in table and "## N = 30 documents" in table
    for row in (
        "read+normalize",
        "fingerprint",
        "index write",
        "stock frequencies",
        "candidates",
        "check (candidates+alignment+scoring)",
        "tokenize+MinHash",
        "LSH insert",
        "LSH query",
    ):
        assert f"| {row} |" in table, row
    assert "ON A SAMPLE" in table
    assert "## Cost growth" in table

    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert [run["docs"] for run in report["runs"]] == [20, 30]
    for run in report["runs"]:
        assert run["corpus"]["files"] == run["docs"]
        for name, stage in [*run["stages"].items(), *((k, v) for k, v in run["naive"].items() if isinstance(v, dict))]:
            assert stage["seconds"] > 0, name
            assert stage["docs"] > 0 and stage["ms_per_doc"] > 0 and stage["docs_per_s"] > 0, name
            assert stage["peak_mib"] > 0, name
        assert run["stages"]["index write"]["file_bytes"] > 0
        assert run["stages"]["candidates"]["docs"] == 5
        assert all(ratio > 0 for _, ratio in run["ratios"].values())
    assert set(report["growth"]["fingerprint"]) == {"20", "30"}

    # the kept corpus is reused, not regenerated
    assert scale.ensure_corpus(tmp_path / "corpus" / "docs-20", 20, 3)["reused"]


def test_scale_bench_audit_rows(tmp_path, capsys):
    scale = scale_module
    argv = ["--docs", "20", "--sample", "3", "--naive-docs", "0", "--workers", "1", "--tmp", str(tmp_path)]
    argv += ["--json", str(tmp_path / "scale.json")]
    assert scale.main(argv) == 0
    table = capsys.readouterr().out
    for row in ("audit", "  audit: read+fingerprint", "  audit: corpus on disk", "  audit: families", "report (JSON)"):
        assert f"| {row} |" in table, row
    run = json.loads((tmp_path / "scale.json").read_text(encoding="utf-8"))["runs"][0]
    assert run["audit"]["documents"] == 20 and run["audit"]["seconds"] > 0 and run["audit"]["peak_mib"] > 0
    assert run["report"]["bytes"] > 0 and run["report"]["seconds"] > 0
    assert "naive" not in run
