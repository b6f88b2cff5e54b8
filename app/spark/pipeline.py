"""The audit as Spark stages (see the package doc for the plan and the guarantees).

The driver holds the errors, the sample (a few tens of MB) and counts;
documents, keys, pairs and results stay in Spark (persisted on the
executors' disks between stages) until the tables are written or, for a
corpus a report can hold, the results are collected for the report.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.audit import AuditParams
from app.spark.candidates import kept_candidates, shared_keys
from app.spark.compare import compare_submissions
from app.spark.families import families
from app.spark.inputs import read_documents, walk_order, with_ids
from app.spark.prepare import DOC_FIELDS, KEYS_SCHEMA, QUERY_SCHEMA, collect_sample, fingerprint_batches, stock_batches
from app.spark.relations import clusters, copy_edges
from corpus.document import REFERENCE, SUBMISSION
from corpus.errors import ConfigError, InputError
from corpus.progress import Progress, no_progress
from index.corpus import SAMPLE_SIZE
from index.fingerprint import FingerprintParams

STAGES = ("read", "fingerprint", "sample", "stock", "candidates", "compare", "edges", "clusters", "families")


@dataclass(frozen=True)
class SparkParams:
    """What the Spark engine adds to the audit's parameters.

    The detector's ``max_key_docs`` (a band key or gram held by more
    documents proposes no candidates) keeps those keys' postings out of the
    join, as the local engine leaves them out of its query. None joins every
    key, at a cost that grows with the square of the largest keys' holders
    (see the README's 10-million plan)."""

    audit: AuditParams = field(default_factory=AuditParams)
    sample_size: int = SAMPLE_SIZE

    @property
    def max_key_docs(self) -> int | None:
        return self.audit.detector.max_key_docs


@dataclass
class SparkTables:
    """The audit's results as DataFrames (persisted), and what the driver knows of them."""

    documents: Any  # one row per submission: figures, sources, matches, edges given, result JSON
    references: Any  # path of every reference
    edges: Any
    clusters: Any
    families: Any
    errors: list[InputError]
    counts: dict[str, int] = field(default_factory=dict)
    heavy: Any = None  # the keys dropped (kind, key, holders)
    docs: Any = None  # every document (path, text, metadata), for the HTML report's texts

    def unpersist(self) -> None:
        """Free what the run kept on the executors (every DataFrame the session cached)."""
        self.documents.sparkSession.catalog.clearCache()


def _stage(spark: Any, name: str, progress: Progress) -> None:
    spark.sparkContext.setJobGroup(name, f"chachong {name}")
    progress(name, STAGES.index(name), len(STAGES))


def _persist(frame: Any) -> Any:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK)


def load_corpus(
    spark: Any, submissions: Sequence[str], references: Sequence[str], max_bytes: int, errors: list[InputError]
) -> Any:
    """Stage 0: the documents (submissions, then references not among them),
    with ids; ``errors`` in the order the local engine names them."""
    from pyspark.sql import functions as F

    roots = {SUBMISSION: _unique(submissions), REFERENCE: _unique(references)}
    missing: dict[str, list[InputError]] = {SUBMISSION: [], REFERENCE: []}
    unseen: dict[str, list[InputError]] = {SUBMISSION: [], REFERENCE: []}
    frames = [read_documents(spark, roots[r], r, max_bytes, missing[r], unseen[r]) for r in (SUBMISSION, REFERENCE)]
    raw = _persist(frames[0].unionByName(frames[1]))
    failed = raw.where(F.col("error").isNotNull()).select("path", "error", "role").collect()
    for role in (SUBMISSION, REFERENCE):
        found = unseen[role] + [InputError(row.path, row.error) for row in failed if row.role == role]
        errors += missing[role] + sorted(found, key=lambda e, role=role: walk_order(e.path, roots[role]))
    good = raw.where(F.col("error").isNull()).drop("error")
    subs_ok = good.where(F.col("role") == SUBMISSION)
    refs_ok = good.where(F.col("role") == REFERENCE).join(subs_ok.select("path"), "path", "left_anti")
    docs = subs_ok.unionByName(refs_ok)
    twice = docs.groupBy("path").count().where(F.col("count") > 1).limit(3).collect()
    if twice:
        raise ConfigError(f"{twice[0].path}: given twice (every document needs its own path)")
    docs = _persist(with_ids(spark, docs))
    docs.count()  # the documents kept once: the read rows they came from are let go (a fifth of what a run keeps)
    raw.unpersist()
    return docs


def _unique(paths: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for path in paths:
        seen.setdefault(str(path).rstrip("/") or "/", None)
    return list(seen)


def run_stages(
    spark: Any,
    submissions: Sequence[str | Path],
    references: Sequence[str | Path],
    params: SparkParams = SparkParams(),
    progress: Progress = no_progress,
) -> SparkTables:
    """Every stage of the audit; the tables come back persisted, not collected."""
    from pyspark.sql import functions as F

    fp, detector = FingerprintParams(), params.audit.detector
    errors: list[InputError] = []
    _stage(spark, "read", progress)
    docs = load_corpus(
        spark, [str(p) for p in submissions], [str(p) for p in references], params.audit.max_bytes, errors
    )
    _stage(spark, "fingerprint", progress)
    keys = _persist(
        docs.select("doc", *DOC_FIELDS).mapInArrow(functools.partial(fingerprint_batches, params=fp), KEYS_SCHEMA)
    )
    counts = {"documents": keys.count()}
    _stage(spark, "sample", progress)
    sample = collect_sample(spark, keys, docs, fp, params.sample_size)
    _stage(spark, "stock", progress)
    subs = docs.where(F.col("role") == SUBMISSION)
    stock = functools.partial(stock_batches, sample=sample, params=fp, detector=detector, size=params.sample_size)
    query = _persist(
        subs.join(keys.select("doc", "grams"), "doc")
        .select("doc", *DOC_FIELDS, "grams")
        .mapInArrow(stock, QUERY_SCHEMA)
    )
    counts["submissions"] = query.count()
    _stage(spark, "candidates", progress)
    shared, heavy = shared_keys(keys, query, params.max_key_docs)
    kept = _persist(kept_candidates(shared, keys, fp, detector.max_candidates))
    counts["candidates"] = kept.count()
    if params.max_key_docs is not None:
        counts["keys_dropped"] = heavy.count()
    _stage(spark, "compare", progress)
    results = _persist(compare_submissions(subs, kept, docs, sample, fp, detector, params.sample_size))
    counts["results"] = results.count()
    return _relations(spark, results, docs, params, errors, counts, heavy, progress)


def _relations(
    spark: Any,
    results: Any,
    docs: Any,
    params: SparkParams,
    errors: list[InputError],
    counts: dict[str, int],
    heavy: Any,
    progress: Progress,
) -> SparkTables:
    from pyspark.sql import functions as F

    _stage(spark, "edges", progress)
    edges = _persist(copy_edges(results))
    counts["edges"] = edges.count()
    _stage(spark, "clusters", progress)
    ids = docs.select("doc", "path")
    found = _persist(clusters(results, ids, params.audit.cluster_similarity))
    counts["clusters"] = found.count()
    _stage(spark, "families", progress)
    made = _persist(families(results, docs, params.audit.min_family_docs))
    counts["families"] = made.count()
    counts["with_copies"] = results.where(F.col("has_copies")).count()
    references = docs.where(F.col("role") == REFERENCE).select("path")
    progress("families", len(STAGES), len(STAGES))
    return SparkTables(results, references, edges, found, made, errors, counts, heavy, docs)
