"""Stages 1 to 3 on Spark: fingerprints, the sample, each submission's stock model.

1. **fingerprint** (``mapInArrow`` over the documents): normalize every text
   and fingerprint the partition's batch in one call of
   :func:`index.fingerprint.fingerprint_many` (the compiled kernels for
   large batches, as ``index add`` and the local audit use); keep each
   document's distinct LSH band keys and winnowed grams, its sample rank and
   the hashes that tell two spellings of one document apart.
2. **sample**: the :data:`~index.corpus.SAMPLE_SIZE` + 1 documents of lowest
   ``(rank, identity)`` (as the local view picks them), their gram sets
   computed in the executors, collected (a few tens of MB, whatever the
   corpus size) and broadcast.
3. **stock** (``mapInArrow`` over the submissions): each submission's stock
   model from the sample's frequencies (:func:`detector.compare.stock_model`)
   and so its *busy* grams, which propose no candidates; what is left are
   the grams it queries with.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from app.spark.arrow import arrow_schema, batch_of, columns, list_array, list_column
from app.spark.corpus import Precomputed, compiled_in_worker, document_of, pack_sample, sample_index, view_of
from corpus.document import is_fanwen
from corpus.normalize import normalize
from detector.compare import DetectorParams, stock_model
from index.corpus import SAMPLE_SIZE, SampleMember, precedence, sample_rank
from index.fingerprint import FingerprintParams, distinct_grams_many, fingerprint_many

DOC_FIELDS = (
    "path",
    "key",
    "text",
    "sha256",
    "encoding",
    "format",
    "unit",
    "year",
    "submitted",
    "role",
    "warnings",
    "size",
)
KEYS_SCHEMA = (
    "doc long, rank long, identity string, ident_h long, content_h long, prec0 int, prec_when string, "
    "bands array<long>, grams array<long>"
)


def signed64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def fingerprint_batches(batches: Iterator[Any], params: FingerprintParams) -> Iterator[Any]:
    """Stage 1, per partition: ``doc`` rows (id and document fields) to their keys."""
    schema = arrow_schema(KEYS_SCHEMA)
    for batch in batches:
        rows = columns(batch, ("doc", "path", "key", "text", "sha256", "unit", "year", "submitted", "role"))
        streams = [normalize(text).text for text in rows["text"]]
        fingerprints = fingerprint_many(streams, params)
        identities = [key or path for key, path in zip(rows["key"], rows["path"])]
        names = [path.replace("\\", "/").rsplit("/", 1)[-1] for path in rows["path"]]
        order = [_precedence(*fields) for fields in zip(rows["unit"], rows["year"], rows["submitted"], rows["role"])]
        data = {
            "doc": rows["doc"],
            "rank": [sample_rank(identity) for identity in identities],
            "identity": identities,
            "ident_h": [signed64(identity.encode("utf-8", "surrogatepass")) for identity in identities],
            "content_h": [
                signed64(f"{sha}\0{name}".encode("utf-8", "surrogatepass")) for sha, name in zip(rows["sha256"], names)
            ],
            "prec0": [o[0] for o in order],
            "prec_when": [o[1] for o in order],
            "bands": list_array([np.unique(fp.window_bands.ravel()) for fp in fingerprints]),
            "grams": list_array([np.asarray(fp.grams, dtype=np.int64) for fp in fingerprints]),
        }
        yield batch_of(data, schema)


def _precedence(unit: str | None, year: int | None, submitted: str | None, role: str) -> tuple[int, str]:
    from corpus.document import DocMeta

    meta = DocMeta(unit, year, submitted)
    return precedence(meta, is_fanwen(role, meta))


def sample_grams_batches(batches: Iterator[Any], params: FingerprintParams) -> Iterator[Any]:
    """Stage 2, per partition of the sample's documents: every distinct gram of each."""
    schema = arrow_schema("doc long, grams array<long>")
    for batch in batches:
        rows = columns(batch, ("doc", "text"))
        grams = distinct_grams_many([normalize(text).text for text in rows["text"]], params)
        yield batch_of({"doc": rows["doc"], "grams": list_array(grams)}, schema)


def collect_sample(spark: Any, keys: Any, docs: Any, params: FingerprintParams, size: int = SAMPLE_SIZE) -> Any:
    """Stage 2: the sample of the whole corpus, broadcast (see the module doc)."""
    from pyspark.sql import functions as F

    chosen = keys.select("doc", "rank", "identity").orderBy("rank", "identity").limit(size + 1).collect()
    ids = [row.doc for row in chosen]
    texts = docs.where(F.col("doc").isin(ids)).select("doc", "text")
    work = functools.partial(sample_grams_batches, params=params)
    grams = {
        row.doc: np.asarray(row.grams, dtype=np.int64)
        for row in texts.mapInArrow(work, "doc long, grams array<long>").collect()
    }
    members = [SampleMember(row.rank, row.identity, grams[row.doc], i) for i, row in enumerate(chosen)]
    return spark.sparkContext.broadcast(pack_sample(members))


QUERY_SCHEMA = "doc long, grams array<long>"


def stock_batches(
    batches: Iterator[Any], sample: Any, params: FingerprintParams, detector: DetectorParams, size: int
) -> Iterator[Any]:
    """Stage 3, per partition of submissions (document fields and their winnowed grams):
    the grams each queries with, its busy grams left out."""
    schema = arrow_schema(QUERY_SCHEMA)
    compiled_in_worker()
    statistics = sample_index(sample, size)
    view = view_of(Precomputed(params), statistics, size)
    for batch in batches:
        rows = columns(batch, ("doc", *DOC_FIELDS))
        grams = list_column(batch, "grams")
        out = []
        for i in range(len(rows["doc"])):
            document = document_of({name: rows[name][i] for name in DOC_FIELDS})
            _, busy = stock_model(document, normalize(document.text), view, detector.stock)
            own = np.unique(grams[i])
            out.append(own[~np.isin(own, busy)] if len(busy) else own)
        yield batch_of({"doc": rows["doc"], "grams": list_array(out)}, schema)
