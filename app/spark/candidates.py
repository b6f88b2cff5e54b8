"""Stage 4 on Spark: candidate pairs from the keys documents share, joined by shuffle.

Every document posts its distinct LSH band keys and winnowed grams; every
submission queries with its band keys and its grams but the busy ones
(stage 3). A key held by more than ``max_key_docs`` documents is dropped
from the join (see :class:`~app.spark.pipeline.SparkParams`). The join gives
one row per (submission, document, shared key), the document itself and
other spellings of it (same identity, or same bytes under the same name)
left out by two broadcast joins of the documents' hashes, as
:meth:`index.view.CorpusView.excluded` leaves them out.

The rows go to their submission (one shuffle, four numbers a row; no list
is built per pair). Per submission (``applyInArrow`` grouped by
submission) numpy counts each document's band and gram hits and takes the
pool, the best ``POOL`` × ``max_candidates`` by score and every document
tied with the last (:func:`index.corpus.top_candidates`), with the keys each
holds (:func:`index.corpus.hits_of`), as the local corpus does. The pool's
identities and dates are joined in, and the candidates kept are those the
unchanged :meth:`index.view.CorpusView.candidates` keeps of that pool: each
shared key credited to its first holders by precedence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.spark.arrow import arrow_schema, bound, columns, list_array, list_column, table_of
from app.spark.corpus import NO_FINGERPRINTS, Precomputed
from corpus.document import Document
from index.corpus import Candidate, hits_of, top_candidates
from index.fingerprint import FingerprintParams
from index.view import POOL, CorpusView

BAND, GRAM = 0, 1
POOL_SCHEMA = "d long, c long, band_hits long, gram_hits long, hits array<int>"
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
    """(one row per submission, document and shared key: d, c, kind, key; the heavy keys dropped)."""
    from pyspark.sql import functions as F

    posted = postings(keys)
    heavy = heavy_keys(posted, max_key_docs)
    light = (
        posted.join(F.broadcast(heavy.select("kind", "key")), ["kind", "key"], "left_anti") if max_key_docs else posted
    )
    hashes = keys.select("doc", "ident_h", "content_h")
    theirs = hashes.select(
        F.col("doc").alias("c"), F.col("ident_h").alias("c_ident"), F.col("content_h").alias("c_content")
    )
    own = hashes.select(
        F.col("doc").alias("d"), F.col("ident_h").alias("d_ident"), F.col("content_h").alias("d_content")
    )
    shared = (
        queries(keys, query_grams)
        .join(light, ["kind", "key"])
        .where(F.col("c") != F.col("d"))
        .join(F.broadcast(theirs), "c")
        .join(F.broadcast(own), "d")
        .where((F.col("c_ident") != F.col("d_ident")) & (F.col("c_content") != F.col("d_content")))
        .select("d", "c", "kind", "key")
    )
    return shared, heavy


def kept_candidates(shared: Any, keys: Any, params: FingerprintParams, max_candidates: int) -> Any:
    """Per submission, the candidates :meth:`CorpusView.candidates` keeps (see the module doc)."""
    from pyspark.sql import functions as F

    pool = shared.groupBy("d").applyInArrow(bound(pool_group, limit=POOL * max_candidates), POOL_SCHEMA)
    described = pool.join(keys.select(F.col("doc").alias("c"), "identity", "prec0", "prec_when"), "c")
    work = bound(kept_group, params=params, limit=max_candidates)
    return described.groupBy("d").applyInArrow(work, KEPT_SCHEMA)


def pool_group(table: Any, limit: int) -> Any:
    """One submission's shared keys to its pool: each document's hits counted,
    the best ``limit`` and ties taken, with the keys each holds."""
    schema = arrow_schema(POOL_SCHEMA)
    d, c, kind, key = (_numbers(table, name) for name in ("d", "c", "kind", "key"))
    if not len(c):
        return schema.empty_table()
    band, gram = kind == BAND, kind == GRAM
    ids, at = np.unique(c, return_inverse=True)
    found = top_candidates(
        ids,
        np.bincount(at[band], minlength=len(ids)),
        np.bincount(at[gram], minlength=len(ids)),
        limit=limit,
    )
    band_keys, gram_keys = np.unique(key[band]), np.unique(key[gram])
    hits = hits_of(
        [f.doc_id for f in found],
        np.searchsorted(band_keys, key[band]),
        c[band],
        np.searchsorted(gram_keys, key[gram]),
        c[gram],
        len(band_keys),
    )
    data = {
        "d": [int(d[0])] * len(found),
        "c": [f.doc_id for f in found],
        "band_hits": [f.band_hits for f in found],
        "gram_hits": [f.gram_hits for f in found],
        "hits": list_array([hits[f.doc_id] for f in found], "int32"),
    }
    return table_of(data, schema)


def _numbers(table: Any, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(), dtype=np.int64)


def kept_group(table: Any, params: FingerprintParams, limit: int) -> Any:
    """One submission's pool to its kept candidates, in the order the view gives them."""
    schema = arrow_schema(KEPT_SCHEMA)
    rows = columns(table, ("d", "c", "band_hits", "gram_hits", "identity", "prec0", "prec_when"))
    if not rows["d"]:
        return schema.empty_table()
    hits = list_column(table, "hits")
    pool = [
        Candidate(c, band, gram, identity, (prec0, when), row_hits)
        for c, band, gram, identity, prec0, when, row_hits in zip(
            rows["c"], rows["band_hits"], rows["gram_hits"], rows["identity"], rows["prec0"], rows["prec_when"], hits
        )
    ]
    pool.sort(key=lambda candidate: (-candidate.score, candidate.doc_id))  # top_candidates' order
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
