"""Boilerplate families on Spark (see :mod:`app.spark.relations` for the plan).

Nodes are the two ranges of every copy match, numbered so that their order
is the local engine's (results by path, matches in order, the document's
side first): where two families tie in :func:`detector.families.family_order`,
the one whose first node comes first is listed first, as locally.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from app.spark.arrow import arrow_schema, bound, columns, rows_table
from app.spark.components import connected_components
from app.spark.relations import numbered
from app.spark.results import family_json
from corpus.document import DocMeta, Document
from detector.families import make_family, overlap_links
from detector.model import COPY

NODE_BITS = 22  # a node id is (document id << NODE_BITS) + 2 * match index + side
MEMBER = "struct<path:string,start:long,end:long,unit:string,year:int,submitted:string,role:string>"
FAMILY_SCHEMA = (
    f"component long, members long, first_path string, first_start long, family string, representative string, "
    f"text string, units long, origin string, origin_reason string, documents array<{MEMBER}>"
)


def passage_nodes(results: Any) -> Any:
    """(node, doc, start, end, first): both ranges of every copy match; ``first`` orders nodes as locally."""
    from pyspark.sql import functions as F

    matches = results.select("d", "path", F.posexplode("matches").alias("i", "m")).where(F.col("m.kind") == COPY)
    node = (F.col("d") * F.lit(1 << NODE_BITS) + F.col("i") * 2).cast("long")
    own = matches.select(
        node.alias("node"),
        F.col("path").alias("doc"),
        F.col("m.start").alias("start"),
        F.col("m.end").alias("end"),
        F.struct("path", "i", F.lit(0).alias("side")).alias("first"),
    )
    theirs = matches.select(
        (node + 1).alias("node"),
        F.col("m.source").alias("doc"),
        F.col("m.source_start").alias("start"),
        F.col("m.source_end").alias("end"),
        F.struct("path", "i", F.lit(1).alias("side")).alias("first"),
    )
    return own.union(theirs)


def passage_links(nodes: Any) -> Any:
    """(a, b): a match's two ranges, and ranges of one document that mostly overlap."""
    from pyspark.sql import functions as F

    matched = nodes.where(F.col("node") % 2 == 0).select(F.col("node").alias("a"), (F.col("node") + 1).alias("b"))
    overlapping = (
        nodes.select("node", "doc", "start", "end").groupBy("doc").applyInArrow(bound(overlap_group), "a long, b long")
    )
    return matched.union(overlapping)


def overlap_group(table: Any) -> Any:
    """One document's ranges linked where they mostly overlap (:func:`overlap_links`)."""
    rows = columns(table, ("node", "doc", "start", "end"))
    ranges = np.array([[0, s, e] for s, e in zip(rows["start"], rows["end"])], dtype=np.int64).reshape(-1, 3)
    links = [{"a": rows["node"][i], "b": rows["node"][j]} for i, j in overlap_links(ranges).tolist()]
    return rows_table(links, arrow_schema("a long, b long"))


def families(results: Any, docs: Any, min_docs: int) -> Any:
    """The ``families`` table (see :func:`detector.families.find_families`)."""
    from pyspark.sql import functions as F

    nodes = passage_nodes(results).localCheckpoint()
    parts = connected_components(passage_links(nodes))
    placed = nodes.join(parts, "node")
    spans = placed.groupBy("component", "doc").agg(F.min("start").alias("start"), F.max("end").alias("end"))
    sizes = spans.groupBy("component").agg(F.count("*").alias("docs")).where(F.col("docs") >= min_docs)
    spans = spans.join(sizes.select("component"), "component")
    texts = docs.select(F.col("path").alias("doc"), "text", "unit", "year", "submitted", "role")
    spans = spans.join(texts, "doc").select(
        "component",
        "doc",
        "start",
        "end",
        "unit",
        "year",
        "submitted",
        "role",
        F.expr("substring(text, start + 1, end - start)").alias("span"),
    )
    made = spans.groupBy("component").applyInArrow(bound(family_group), FAMILY_SCHEMA)
    first = placed.groupBy("component").agg(F.min("first").alias("first_node"))
    order = [F.desc("members"), F.col("first_path"), F.col("first_start"), F.col("first_node")]
    return numbered(made.join(first, "component"), order, "F").drop("first_node")


def family_group(table: Any) -> Any:
    """One component's members to a family, with the detector's :func:`make_family`."""
    rows = columns(table, ("component", "doc", "start", "end", "unit", "year", "submitted", "role", "span"))
    members = sorted(zip(rows["doc"], rows["start"], rows["end"]))
    documents, spans = {}, {}
    for i, doc in enumerate(rows["doc"]):
        meta = DocMeta(rows["unit"][i], rows["year"][i], rows["submitted"][i])
        documents[doc] = Document(doc, "", "", meta=meta, role=rows["role"][i])
        spans[(doc, rows["start"][i], rows["end"][i])] = rows["span"][i]
    family = make_family(members, documents, functools.partial(_span, spans))
    row = {
        "component": rows["component"][0],
        "members": len(family.members),
        "first_path": family.members[0].path,
        "first_start": family.members[0].start,
        "family": family_json(family),
        "representative": family.representative,
        "text": family.text,
        "units": family.units,
        "origin": family.origin,
        "origin_reason": family.origin_reason,
        "documents": [_member_row(m) for m in family.members],
    }
    return rows_table([row], arrow_schema(FAMILY_SCHEMA))


def _span(spans: dict[tuple[str, int, int], str], doc: str, start: int, end: int) -> str:
    return spans[(doc, start, end)]


def _member_row(member: Any) -> dict[str, Any]:
    return {
        "path": member.path,
        "start": member.start,
        "end": member.end,
        "unit": member.unit,
        "year": member.year,
        "submitted": member.submitted,
        "role": member.role,
    }
