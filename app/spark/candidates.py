"""Stage 4 on Spark: candidate pairs from the keys documents share, joined by shuffle.

Every document posts its distinct LSH band keys and winnowed grams; every
submission queries with its band keys and its grams but the busy ones
(stage 3). A key held by more than ``max_key_docs`` documents is dropped
from the join (see :class:`~app.spark.pipeline.SparkParams`). The join gives
one row per (submission, document, shared key); grouped by pair, these are
the band and gram hits the local corpus counts. The document itself and
other spellings of it (same identity, or same bytes under the same name)
are left out, as :meth:`index.view.CorpusView.excluded` leaves them out.

Per submission (``applyInArrow`` grouped by submission), the pool is the
best ``POOL`` × ``max_candidates`` by score and every document tied with the
last (:func:`index.corpus.top_candidates`), and the candidates kept are
those the unchanged :meth:`index.view.CorpusView.candidates` keeps of that
pool: each shared key credited to its first holders by precedence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.spark.arrow import arrow_schema, bound, columns, list_array, list_column, table_of
from app.spark.corpus import NO_FINGERPRINTS, Precomputed
from corpus.document import Document
from index.corpus import Candidate, top_candidates
from index.fingerprint import FingerprintParams
from index.view import POOL, CorpusView

BAND, GRAM = 0, 1
KEPT_SCHEMA = (
    "d long, c long, band_hits long, gram_hits long, hits array<int>, identity string, prec0 int, prec_when string, "
    "position int"
)


def postings(keys: Any) -> Any:
    """(kind, key, c): every document's distinct band keys and winnowed grams."""
    from pyspark.sql import functions as F

    bands = keys.select(F.lit(BAND).alias("kind"), F.explode("bands").alias("key"), F.col("doc").alias("c"))
    grams = keys.select(F.lit(GRAM).alias("kind"), F.explode("grams").alias("key"), F.col("doc").alias("c"))
    return bands.unionByName(grams)


def queries(keys: Any, query_grams: Any) -> Any:
    """(kind, key, d): each submission's band keys and non-busy grams."""
    from pyspark.sql import functions as F

    bands = keys.join(query_grams.select("doc"), "doc").select(
        F.lit(BAND).alias("kind"), F.explode("bands").alias("key"), F.col("doc").alias("d")
    )
    grams = query_grams.select(F.lit(GRAM).alias("kind"), F.explode("grams").alias("key"), F.col("doc").alias("d"))
    return bands.unionByName(grams)


def heavy_keys(posted: Any, max_key_docs: int | None) -> Any:
    """The keys held by more than ``max_key_docs`` documents (kind, key, holders)."""
    from pyspark.sql import functions as F

    counts = posted.groupBy("kind", "key").agg(F.count("*").alias("holders"))
    if max_key_docs is None:
        return counts.where(F.lit(False))
    return counts.where(F.col("holders") > max_key_docs)


def shared_keys(keys: Any, query_grams: Any, max_key_docs: int | None) -> tuple[Any, Any]:
    """(pairs with their hits, the heavy keys dropped)."""
    from pyspark.sql import functions as F

    posted = postings(keys)
    heavy = heavy_keys(posted, max_key_docs)
    light = (
        posted.join(F.broadcast(heavy.select("kind", "key")), ["kind", "key"], "left_anti") if max_key_docs else posted
    )
    joined = queries(keys, query_grams).join(light, ["kind", "key"]).where(F.col("c") != F.col("d"))
    pairs = joined.groupBy("d", "c").agg(
        F.sum(F.when(F.col("kind") == BAND, 1).otherwise(0)).cast("long").alias("band_hits"),
        F.sum(F.when(F.col("kind") == GRAM, 1).otherwise(0)).cast("long").alias("gram_hits"),
        F.collect_list("kind").alias("kinds"),
        F.collect_list("key").alias("keys"),
    )
    attrs = keys.select("doc", "ident_h", "content_h", "identity", "prec0", "prec_when")
    own = attrs.select(
        F.col("doc").alias("d"), F.col("ident_h").alias("d_ident"), F.col("content_h").alias("d_content")
    )
    pairs = (
        pairs.join(attrs.withColumnRenamed("doc", "c"), "c")
        .join(own, "d")
        .where((F.col("ident_h") != F.col("d_ident")) & (F.col("content_h") != F.col("d_content")))
        .drop("ident_h", "content_h", "d_ident", "d_content")
    )
    return pairs, heavy


def kept_candidates(pairs: Any, params: FingerprintParams, max_candidates: int) -> Any:
    """Per submission, the candidates :meth:`CorpusView.candidates` keeps (see the module doc)."""
    work = bound(pool_group, params=params, limit=max_candidates)
    return pairs.groupBy("d").applyInArrow(work, KEPT_SCHEMA)


def pool_group(table: Any, params: FingerprintParams, limit: int) -> Any:
    """One submission's pairs to its kept candidates, in the order the view gives them."""
    schema = arrow_schema(KEPT_SCHEMA)
    rows = columns(table, ("d", "c", "band_hits", "gram_hits", "identity", "prec0", "prec_when"))
    if not rows["d"]:
        return schema.empty_table()
    hits = _key_indices(list_column(table, "kinds"), list_column(table, "keys"))
    ids = np.asarray(rows["c"], dtype=np.int64)
    order = np.argsort(ids)
    found = top_candidates(
        ids[order],
        np.asarray(rows["band_hits"], dtype=np.int64)[order],
        np.asarray(rows["gram_hits"], dtype=np.int64)[order],
        limit=POOL * limit,
    )
    row_of = {int(c): i for i, c in enumerate(rows["c"])}
    pool = []
    for candidate in found:
        i = row_of[candidate.doc_id]
        when = (rows["prec0"][i], rows["prec_when"][i])
        pool.append(
            Candidate(candidate.doc_id, candidate.band_hits, candidate.gram_hits, rows["identity"][i], when, hits[i])
        )
    view = CorpusView([Precomputed(params, pool)])
    kept = view.candidates(NO_FINGERPRINTS, Document("", "", ""), limit=limit)
    data = {
        "d": [rows["d"][0]] * len(kept),
        "c": [k.candidate.doc_id for k in kept],
        "band_hits": [k.candidate.band_hits for k in kept],
        "gram_hits": [k.candidate.gram_hits for k in kept],
        "hits": list_array([k.candidate.hits for k in kept], "int32"),
        "identity": [k.identity for k in kept],
        "prec0": [k.candidate.precedence[0] for k in kept],
        "prec_when": [k.candidate.precedence[1] for k in kept],
        "position": list(range(len(kept))),
    }
    return table_of(data, schema)


def _key_indices(kinds: list[np.ndarray], keys: list[np.ndarray]) -> list[np.ndarray]:
    """Each pair's shared keys as small integers, one per distinct (kind, key) of
    the submission: band keys first, then grams, each in ascending order (the
    local corpus numbers the query's keys the same way; only which keys two
    candidates share matters)."""
    if not kinds:
        return []
    all_kinds, all_keys = np.concatenate(kinds), np.concatenate(keys)
    bands = np.unique(all_keys[all_kinds == BAND])
    grams = np.unique(all_keys[all_kinds == GRAM])
    out = []
    for kind, key in zip(kinds, keys):
        index = np.where(kind == BAND, np.searchsorted(bands, key), len(bands) + np.searchsorted(grams, key))
        out.append(np.unique(index).astype(np.int32))
    return out
