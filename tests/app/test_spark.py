"""The audit on Spark (``--engine spark``) gives the local engine's results.

One Spark session (``local[2]``) serves the module. The tests skip, with the
reason, only where pyspark or a Java 17+ runtime is missing (``.ci/run``
installs Debian's openjdk-17-jre-headless when it can).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit import AuditParams, AuditResult, run_audit
from app.demo import write_demo
from corpus.errors import ConfigError, MissingDependencyError
from corpus.read import load_documents
from detector.compare import DetectorParams
from detector.model import DocumentResult
from evaluation.benchmark import bench_config
from evaluation.synth import generate_corpus

try:
    from app.spark import SparkParams, SparkSettings, require_spark, run_spark_audit
    from app.spark.session import SparkRun

    require_spark()
    MISSING = ""
except MissingDependencyError as err:
    MISSING = str(err)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason=f"Spark tests skipped: {MISSING}")]


@pytest.fixture(scope="module")
def spark():
    """One session for the module: two cores, two shuffle partitions, no status UI."""
    settings = SparkSettings(master="local[2]", ui=False, conf={"spark.sql.shuffle.partitions": "2"})
    with SparkRun(settings) as run:
        yield run.spark


def _spark_audit(spark, submissions, references=(), **kwargs) -> AuditResult:
    outcome = run_spark_audit([str(p) for p in submissions], [str(p) for p in references], spark=spark, **kwargs)
    assert outcome.result is not None
    return outcome.result


def _assert_same(local: AuditResult, distributed: AuditResult) -> None:
    assert [r.path for r in distributed.results] == [r.path for r in local.results]
    for mine, theirs in zip(distributed.results, local.results):
        assert mine == theirs, f"{mine.path}: the engines differ"
    assert distributed.families == local.families
    assert distributed.clusters == local.clusters
    assert distributed.edges == local.edges
    assert distributed.references == local.references
    assert [(e.path, e.reason) for e in distributed.errors] == [(e.path, e.reason) for e in local.errors]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root / "demo")
    return root / "demo"


def test_the_demo_corpus_gives_the_local_results(spark, demo):
    local = run_audit([demo / "submissions"], [demo / "references"])
    distributed = _spark_audit(spark, [demo / "submissions"], [demo / "references"])
    _assert_same(local, distributed)
    assert sum(r.has_copies for r in local.results) >= 6 and local.families and local.edges  # not an empty agreement


def test_a_generated_corpus_of_a_few_hundred_gives_the_local_results(spark, tmp_path):
    generate_corpus(tmp_path, bench_config(240, 8, 5))  # as tests/app/test_streaming.py: dated, families, .docx
    local = run_audit([tmp_path / "submissions"], [tmp_path / "references"])
    distributed = _spark_audit(spark, [tmp_path / "submissions"], [tmp_path / "references"])
    assert len(local.results) >= 240 and any(r.format == "docx" for r in local.results)
    _assert_same(local, distributed)
    assert len(local.families) >= 2 and len(local.edges) >= 20 and sum(r.has_copies for r in local.results) >= 100
    assert any(m.later for r in local.results for m in r.matches)  # dated: who copied whom is exercised


def _capped(cap: int) -> SparkParams:
    return SparkParams(AuditParams(detector=DetectorParams(max_key_docs=cap)))


def test_keys_held_by_more_than_max_key_docs_propose_no_candidates(spark, demo):
    """Every shared key is held by two documents at least: a cap of one drops
    them all (no candidate, no match); a cap above the corpus drops none and
    gives the local results."""
    folders = [str(demo / "submissions")], [str(demo / "references")]
    capped = run_spark_audit(*folders, spark=spark, params=_capped(1))
    assert capped.counts["keys_dropped"] > 0 and capped.result is not None
    assert capped.result.results and not any(r.matches for r in capped.result.results)
    assert all(r.originality == 1.0 for r in capped.result.results)
    loose = run_spark_audit(*folders, spark=spark, params=_capped(10_000))
    assert loose.counts["keys_dropped"] == 0 and loose.result is not None
    _assert_same(run_audit([demo / "submissions"], [demo / "references"]), loose.result)


def test_under_a_cap_that_drops_some_keys_the_engines_still_agree(spark, demo):
    """``max_key_docs`` is one setting of the detector: the local engine
    leaves the heavy keys out of its query as the Spark engine leaves them
    out of its join, so the results stay equal when the cap changes them."""
    folders = [demo / "submissions"], [demo / "references"]
    every_key = run_audit(*folders)
    local = run_audit(*folders, params=_capped(3).audit)
    distributed = run_spark_audit(*([str(f) for f in fs] for fs in folders), spark=spark, params=_capped(3))
    assert distributed.counts["keys_dropped"] > 0 and distributed.result is not None
    assert local.results != every_key.results  # the cap changes what is found
    assert any(r.has_copies for r in local.results)  # the cap left keys that propose candidates
    _assert_same(local, distributed.result)


def test_connected_components_put_every_node_with_the_smallest_of_its_component(spark):
    """A path that one large-star round turns into a tree of depth two
    (5-2-1 beside 3-1), and a random sparse graph, against scipy's components."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as scipy_components

    from app.spark.components import connected_components

    rng = np.random.default_rng(3)
    random_edges = [(int(a), int(b)) for a, b in rng.integers(0, 120, size=(90, 2))]
    for edges in ([(5, 3), (3, 2), (2, 1), (9, 8)], random_edges):
        frame = spark.createDataFrame(edges, "a long, b long")
        found = {row.node: row.component for row in connected_components(frame).collect()}
        nodes = sorted({n for edge in edges for n in edge})
        rows, cols = zip(*edges)
        size = max(nodes) + 1
        graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(size, size))
        _, labels = scipy_components(graph, directed=False)
        expected = {n: min(m for m in nodes if labels[m] == labels[n]) for n in nodes}
        assert found == expected


def _figures(result: DocumentResult) -> DocumentResult:
    """What a table row cannot carry over from a file: its bytes' hash, encoding, format, decoding warnings."""
    return dataclasses.replace(result, sha256="", encoding="", format="", warnings=())


def test_a_parquet_or_jsonl_table_gives_the_folder_results(spark, demo, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    local = run_audit([demo / "submissions"], [demo / "references"])
    docs, errors = load_documents([demo / "submissions"])
    refs, _ = load_documents([demo / "references"])
    assert not errors

    def rows(documents):
        return [{"path": d.path, "text": d.text, **d.meta.as_dict()} for d in documents]

    pq.write_table(pa.Table.from_pylist(rows(docs)), tmp_path / "subs.parquet")
    jsonl = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows(refs))
    (tmp_path / "refs.jsonl").write_text(jsonl, encoding="utf-8")
    distributed = _spark_audit(spark, [tmp_path / "subs.parquet"], [tmp_path / "refs.jsonl"])
    assert [_figures(r) for r in distributed.results] == [_figures(r) for r in local.results]
    assert distributed.families == local.families and distributed.edges == local.edges


def test_unreadable_files_are_named_and_the_others_audited(spark, demo, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for file in sorted((demo / "submissions").iterdir())[:4]:
        (folder / file.name).write_bytes(file.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (folder / "big.txt").write_bytes("很长的文件。".encode() * 4000)
    local = run_audit([folder], params=AuditParams(max_bytes=60_000))  # before the file Spark cannot see
    (folder / "_draft.txt").write_bytes("草稿".encode())
    params = SparkParams(AuditParams(max_bytes=60_000))
    outcome = run_spark_audit([str(folder), str(tmp_path / "missing")], spark=spark, params=params)
    reasons = {Path(e.path).name: e.reason for e in outcome.errors}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["image.txt"].startswith("binary file")
    assert reasons["big.txt"].startswith("file too large: 72000 bytes > limit 60000 bytes")
    assert "Spark skips names starting with '_'" in reasons["_draft.txt"]
    assert reasons["missing"] == "no such file"
    assert {(e.path, e.reason) for e in local.errors} <= {(e.path, e.reason) for e in outcome.errors}
    assert outcome.result is not None and outcome.result.results == local.results and len(local.results) == 4


def test_a_table_without_a_text_column_is_refused(spark, tmp_path):
    (tmp_path / "t.jsonl").write_text(json.dumps({"path": "a.txt", "body": "正文"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs columns path and text"):
        run_spark_audit([str(tmp_path / "t.jsonl")], spark=spark)


def test_the_parquet_tables_hold_every_result(spark, demo, tmp_path):
    import pyarrow.parquet as pq

    outcome = run_spark_audit(
        [str(demo / "submissions")], [str(demo / "references")], spark=spark, parquet=tmp_path / "out", report=False
    )
    assert outcome.result is None and len(outcome.tables) == 6
    local = run_audit([demo / "submissions"], [demo / "references"])
    documents = pq.read_table(tmp_path / "out" / "documents").to_pylist()
    assert sorted((d["path"], d["originality"]) for d in documents) == [(r.path, r.originality) for r in local.results]
    matches = pq.read_table(tmp_path / "out" / "matches").to_pylist()
    assert len(matches) == sum(len(r.matches) for r in local.results)
    edges = pq.read_table(tmp_path / "out" / "edges").to_pylist()
    assert sorted((e["copier"], e["source"]) for e in edges) == sorted((e.copier, e.source) for e in local.edges)
    families = pq.read_table(tmp_path / "out" / "families").to_pylist()
    assert [f["id"] for f in families] == [f.id for f in local.families]


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_writes_the_local_engines_reports_and_the_tables(spark, demo, monkeypatch):
    import pyarrow.parquet as pq

    from cli import app

    monkeypatch.chdir(demo.parent)
    args = ["audit", "demo/submissions", "--ref", "demo/references"]
    local = CliRunner().invoke(app, [*args, "--json", "local.json", "--csv", "local.csv"])
    reports = ["--json", "spark.json", "--csv", "spark.csv", "--html", "spark.html", "--parquet", "tables"]
    distributed = CliRunner().invoke(app, [*args, *reports, "--engine", "spark", "--spark-master", "local[2]"])
    assert local.exit_code == distributed.exit_code == 1, distributed.output
    mine, theirs = (json.loads(Path(name).read_text(encoding="utf-8")) for name in ("spark.json", "local.json"))
    assert mine.pop("report")["number"] and theirs.pop("report")["number"]  # each run numbers its own report
    assert mine == theirs and mine["documents"] and mine["families"]
    assert Path("spark.csv").read_bytes() == Path("local.csv").read_bytes()
    html = Path("spark.html").read_text(encoding="utf-8")
    assert all(Path(d["path"]).name in html for d in mine["documents"])
    documents = pq.read_table("tables/documents").to_pylist()
    assert sorted(d["path"] for d in documents) == sorted(d["path"] for d in mine["documents"])
    assert len(pq.read_table("tables/matches")) == sum(len(d["matches"]) for d in mine["documents"])
    assert len(pq.read_table("tables/families")) == len(mine["families"])
    assert len(pq.read_table("tables/edges")) == len(mine["edges"])
