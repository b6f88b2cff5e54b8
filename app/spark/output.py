"""What a Spark audit hands back: Parquet tables for any size, an
:class:`~app.audit.AuditResult` (the local engine's type, for the same
reports) for a corpus a report can hold."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from app.audit import AuditResult
from app.spark.corpus import document_of
from app.spark.pipeline import SparkTables
from app.spark.prepare import DOC_FIELDS
from app.spark.results import family_of, result_of
from corpus.errors import ConfigError
from detector.relations import Cluster, CopyEdge

#: Submissions up to which a JSON, CSV or HTML report (built on the driver) is offered.
REPORT_LIMIT = 20_000
TABLES = ("documents", "matches", "edges", "families", "clusters", "errors")


def write_tables(spark: Any, tables: SparkTables, folder: str | Path) -> list[str]:
    """The Parquet tables under ``folder`` (a path or any URI Spark writes); their names."""
    from pyspark.sql import functions as F

    base = str(folder).rstrip("/")
    target = base if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", base) else Path(base).resolve().as_uri()
    documents = tables.documents.drop("result", "edges", "matches", "d")
    matches = tables.documents.select("path", F.explode("matches").alias("m")).select("path", "m.*")
    errors = spark.createDataFrame([(e.path, e.reason) for e in tables.errors], "path string, reason string")
    frames = {
        "documents": documents,
        "matches": matches,
        "edges": tables.edges,
        "families": tables.families.drop("family", "component", "first_path", "first_start", "number"),
        "clusters": tables.clusters.drop("number"),
        "errors": errors,
    }
    for name, frame in frames.items():
        spark.sparkContext.setJobGroup("write", f"chachong write {name}")
        frame.write.mode("overwrite").parquet(f"{target}/{name}")  # a local path as a URI: the JVM's cwd is not ours
    return [f"{base}/{name}" for name in TABLES]


def audit_result(tables: SparkTables, texts: bool = False) -> AuditResult:
    """The results collected into the local engine's result type (for the reports);
    with ``texts``, every document's text too (the HTML report shows them)."""
    count = tables.counts.get("results", 0)
    if count > REPORT_LIMIT:
        raise ConfigError(
            f"{count} submissions: more than a JSON, CSV or HTML report holds ({REPORT_LIMIT}); write --parquet DIR instead"
        )
    results = sorted((result_of(r.result) for r in tables.documents.select("result").collect()), key=lambda r: r.path)
    families = [dataclasses.replace(family_of(r.family), id=r.id) for r in tables.families.orderBy("number").collect()]
    clusters = [
        Cluster(r.id, tuple(r.documents), tuple((p.a, p.b, p.similarity) for p in r.pairs))
        for r in tables.clusters.orderBy("number").collect()
    ]
    edges = [
        CopyEdge(r.copier, r.source, r.copied_chars, r.share, r.relation, r.directed) for r in tables.edges.collect()
    ]
    edges.sort(key=lambda e: (-e.copied_chars, e.copier, e.source))
    documents = {}
    if texts:
        for row in tables.docs.select(*DOC_FIELDS).toLocalIterator():
            documents[row.path] = document_of(row.asDict())
    return AuditResult(
        results=results,
        references=sorted(r.path for r in tables.references.collect()),
        families=families,
        clusters=clusters,
        edges=edges,
        errors=list(tables.errors),
        documents=documents,
    )
