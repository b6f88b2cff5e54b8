"""Stage 5 on Spark: every submission compared in the executors, with the unchanged detector.

Each submission's row is cogrouped with its kept candidates and their
documents (texts joined in by shuffle); :func:`detector.compare.compare_document`
runs on a view of exactly those (:mod:`app.spark.corpus`), so alignment,
stock classification and scores are the local engine's. Each result leaves
as one row: its figures and lists as columns (the ``documents`` and
``matches`` tables), its who-copied-whom edges as the local engine derives
them from this one result (:func:`detector.relations.copy_edges`), and the
whole result as JSON for a report.
"""

from __future__ import annotations

from typing import Any

from app.spark.arrow import arrow_schema, bound2, columns, list_column, rows_table
from app.spark.corpus import (
    NO_FINGERPRINTS,
    NormalizedCache,
    Precomputed,
    compiled_in_worker,
    document_of,
    sample_index,
    view_of,
)
from app.spark.prepare import DOC_FIELDS
from app.spark.results import match_rows, result_json, source_rows
from corpus.document import Document
from detector.compare import DetectorParams, compare_document
from detector.model import DocumentResult
from detector.relations import copy_edges
from index.corpus import Candidate
from index.fingerprint import FingerprintParams

SHARE = "struct<source:string,copied_chars:long,share:double,passages:long,relation:string>"
MATCH = (
    "struct<start:long,end:long,source:string,source_start:long,source_end:long,similarity:double,kind:string,"
    "later:boolean>"
)
EDGE = (
    "struct<copier:string,source:string,copied_chars:long,share:double,known:boolean,relation:string,directed:boolean>"
)
RESULT_SCHEMA = (
    "d long, path string, unit string, year int, submitted string, chars long, meaningful_chars long, "
    "copied_chars long, stock_chars long, own_chars long, originality double, max_source string, "
    "max_source_share double, copy_ratio double, copy_ratio_excluding_own double, cross_time_chars long, "
    "paragraphs long, suspect_paragraphs long, has_copies boolean, "
    f"sources array<{SHARE}>, copied_by array<{SHARE}>, matches array<{MATCH}>, edges array<{EDGE}>, result string"
)
FIGURES = (
    "chars",
    "meaningful_chars",
    "copied_chars",
    "stock_chars",
    "own_chars",
    "originality",
    "max_source",
    "max_source_share",
    "copy_ratio",
    "copy_ratio_excluding_own",
    "cross_time_chars",
    "paragraphs",
    "suspect_paragraphs",
)
CANDIDATE_FIELDS = ("c", "band_hits", "gram_hits", "identity", "prec0", "prec_when", "position")

_NORMALIZED = NormalizedCache()


def compare_submissions(
    submissions: Any, kept: Any, docs: Any, sample: Any, params: FingerprintParams, detector: DetectorParams, size: int
) -> Any:
    """One result row per submission (see the module doc)."""
    from pyspark.sql import functions as F

    own = submissions.select(F.col("doc").alias("d"), *DOC_FIELDS)
    texts = docs.select(F.col("doc").alias("c"), *[F.col(f).alias(f"c_{f}") for f in DOC_FIELDS])
    theirs = kept.join(texts, "c")
    work = bound2(compare_group, sample=sample, params=params, detector=detector, size=size)
    return own.groupBy("d").cogroup(theirs.groupBy("d")).applyInArrow(work, RESULT_SCHEMA)


def compare_group(
    own: Any, theirs: Any, sample: Any, params: FingerprintParams, detector: DetectorParams, size: int
) -> Any:
    """One submission (``own``, one row) against its candidates (``theirs``)."""
    schema = arrow_schema(RESULT_SCHEMA)
    if own.num_rows == 0:
        return schema.empty_table()
    compiled_in_worker()
    document = document_of({name: own.column(name)[0].as_py() for name in DOC_FIELDS})
    candidates, documents = _candidates(theirs)
    view = view_of(Precomputed(params, candidates, documents), sample_index(sample, size), size)
    result = compare_document(document, view, detector, normalizer=_NORMALIZED, fingerprints=NO_FINGERPRINTS)
    known = {d.path: d for d in documents}
    known[document.path] = document
    row = result_row(own.column("d")[0].as_py(), result, edges_of(result, known))
    return rows_table([row], schema)


def _candidates(theirs: Any) -> tuple[list[Candidate], list[Document]]:
    """The kept candidates in the view's order, numbered 0.. with their documents."""
    if theirs.num_rows == 0:
        return [], []
    theirs = theirs.sort_by("position")
    rows = columns(theirs, (*CANDIDATE_FIELDS, *[f"c_{f}" for f in DOC_FIELDS]))
    hits = list_column(theirs, "hits")
    candidates, documents = [], []
    for i in range(theirs.num_rows):
        documents.append(document_of({name: rows[f"c_{name}"][i] for name in DOC_FIELDS}))
        when = (rows["prec0"][i], rows["prec_when"][i])
        candidates.append(
            Candidate(i, rows["band_hits"][i], rows["gram_hits"][i], documents[-1].identity, when, hits[i])
        )
    return candidates, documents


def edges_of(result: DocumentResult, documents: dict[str, Document]) -> list[dict[str, Any]]:
    """The who-copied-whom edges this result gives. Where the copier is the
    other document (a later source), its share is that document's result's
    and is looked up over all results later (``known`` false)."""
    return [
        {
            "copier": e.copier,
            "source": e.source,
            "copied_chars": e.copied_chars,
            "share": e.share,
            "known": not e.directed or e.copier == result.path,
            "relation": e.relation,
            "directed": e.directed,
        }
        for e in copy_edges([result], documents)
    ]


def result_row(d: int, result: DocumentResult, edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "d": d,
        "path": result.path,
        "unit": result.meta.unit,
        "year": result.meta.year,
        "submitted": result.meta.submitted,
        **{name: getattr(result, name) for name in FIGURES},
        "has_copies": result.has_copies,
        "sources": source_rows(result.sources),
        "copied_by": source_rows(result.copied_by),
        "matches": match_rows(result),
        "edges": edges,
        "result": result_json(result),
    }
