"""Stage 6 on Spark: who copied from whom, near-duplicate clusters, boilerplate families.

Each is what :mod:`detector.relations` and :mod:`detector.families` compute
over all results, split into what one result or one component needs
(computed in the executors with the detector's own functions) and what
joins them (Spark):

* **edges**: each result's edges come from the compare stage; an edge two
  results give is kept once, the one with more copied characters (the
  earlier result's on a tie, as the local loop keeps it); where the copier
  is the later source, its share is looked up in that source's result.
* **clusters**: the pairs that share at least ``min_similarity`` of each
  other; DBSCAN with ``min_samples=2`` over those pairs is their connected
  components (every such document is a core point), computed in Spark.
* **families**: the copied passages' graph (a match links its two ranges,
  overlapping ranges of one document are linked per document by
  :func:`detector.families.overlap_links`), its components in Spark, each
  component of ``min_docs`` documents made a family by
  :func:`detector.families.make_family` from its members' text spans.
"""

from __future__ import annotations

from typing import Any

from app.spark.arrow import arrow_schema, bound, columns, rows_table
from app.spark.components import connected_components


def copy_edges(results: Any) -> Any:
    """The ``edges`` table: copier, source, copied_chars, share, relation, directed."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    given = results.select(F.col("path").alias("given_by"), F.explode("edges").alias("e")).select("given_by", "e.*")
    first = Window.partitionBy("copier", "source").orderBy(F.desc("copied_chars"), F.asc("given_by"))
    best = given.withColumn("n", F.row_number().over(first)).where(F.col("n") == 1).drop("n", "given_by")
    shares = results.select(F.col("path").alias("copier"), F.explode("sources").alias("s")).select(
        "copier", F.col("s.source").alias("source"), F.col("s.share").alias("their_share")
    )
    found = best.join(shares, ["copier", "source"], "left")
    share = F.when(F.col("known"), F.col("share")).otherwise(F.coalesce("their_share", F.lit(0.0)))
    return found.select("copier", "source", "copied_chars", share.alias("share"), "relation", "directed")


def similar_pairs(results: Any, min_similarity: float) -> Any:
    """(a, b, similarity): documents sharing ``min_similarity`` of each other, a < b."""
    from pyspark.sql import functions as F

    shares = results.select(F.col("path").alias("a"), F.explode(F.concat("sources", "copied_by")).alias("s"))
    shares = shares.groupBy("a", F.col("s.source").alias("b")).agg(F.max("s.share").alias("share"))
    back = shares.select(F.col("a").alias("b"), F.col("b").alias("a"), F.col("share").alias("back"))
    pairs = shares.join(back, ["a", "b"]).where(F.col("a") < F.col("b"))
    pairs = pairs.select("a", "b", F.least("share", "back").alias("similarity"))
    return pairs.where(F.col("similarity") >= min_similarity)


CLUSTER_SCHEMA = "component long, documents array<string>, pairs array<struct<a:string,b:string,similarity:double>>"


def clusters(results: Any, ids: Any, min_similarity: float) -> Any:
    """The ``clusters`` table: id, documents, pairs (see :func:`detector.relations.find_clusters`)."""
    from pyspark.sql import functions as F

    pairs = similar_pairs(results, min_similarity)
    named = pairs.join(ids.select(F.col("path").alias("a"), F.col("doc").alias("ia")), "a").join(
        ids.select(F.col("path").alias("b"), F.col("doc").alias("ib")), "b"
    )
    parts = connected_components(named, "ia", "ib")
    pairs = named.join(parts.select(F.col("node").alias("ia"), "component"), "ia").select(
        "component", "a", "b", "similarity"
    )
    found = pairs.groupBy("component").applyInArrow(bound(cluster_group), CLUSTER_SCHEMA)
    return numbered(found, [F.col("documents")], "C").drop("component")


def cluster_group(table: Any) -> Any:
    """One component's documents (sorted) and pairs (sorted, similarity rounded as the local engine rounds it)."""
    rows = columns(table, ("component", "a", "b", "similarity"))
    pairs = sorted((a, b, round(s, 4)) for a, b, s in zip(rows["a"], rows["b"], rows["similarity"]))
    row = {
        "component": rows["component"][0],
        "documents": sorted({*rows["a"], *rows["b"]}),
        "pairs": [{"a": a, "b": b, "similarity": s} for a, b, s in pairs],
    }
    return rows_table([row], arrow_schema(CLUSTER_SCHEMA))


def numbered(table: Any, order: list[Any], prefix: str) -> Any:
    """``table`` with its place in ``order`` (``number``: 1, 2, …) and ``id`` (prefix + 001, 002, …)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    counted = table.withColumn("number", F.row_number().over(Window.orderBy(*order)))
    return counted.withColumn("id", F.format_string(f"{prefix}%03d", F.col("number")))
