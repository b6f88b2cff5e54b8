"""Stage 0 on Spark: the documents of folders (any URI Spark reads) and tables.

A folder is listed by Spark's ``binaryFile`` source and decoded in the
executors (:mod:`app.spark.decode`); a table (Parquet, or JSON lines) gives
``path, text`` and optionally ``unit, year, submitted``. Files too large are
never read (the length filter is pushed into the listing). Every document
gets a dense id (0..N-1). Nothing is collected but the errors.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from app.spark.arrow import arrow_schema, columns, rows_batch
from app.spark.decode import DOC_SCHEMA, Root, file_row, table_row, unseen_files
from corpus.errors import ConfigError, InputError

TABLE_SUFFIXES = {".parquet": "parquet", ".jsonl": "json", ".ndjson": "json", ".json": "json"}
TABLE_COLUMNS = ("path", "text", "unit", "year", "submitted")


def table_format(given: str) -> str | None:
    """``parquet`` or ``json`` for a table input (by its suffix), else None (a folder or file)."""
    return TABLE_SUFFIXES.get(Path(given.rstrip("/")).suffix.lower())


def qualified(given: str) -> str:
    """A path Spark resolves as this process does: a local one made absolute
    (the JVM's working directory is not necessarily this process's); a URI as it is."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", given) and not re.match(r"^[A-Za-z]:[\\/]", given):
        return given
    return os.path.abspath(given)


def _hadoop_path(spark: Any, given: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(qualified(given))
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs, fs.makeQualified(path)


def resolve_root(spark: Any, given: str, role: str, max_bytes: int) -> Root | None:
    """The root as Spark lists it, or None when it does not exist."""
    fs, path = _hadoop_path(spark, given)
    if not fs.exists(path):
        return None
    return Root(given, path.toString(), role, max_bytes, bool(fs.getFileStatus(path).isDirectory()))


def read_documents(
    spark: Any, paths: Sequence[str], role: str, max_bytes: int, missing: list[InputError], unseen: list[InputError]
) -> Any:
    """Every document under ``paths`` (rows of :data:`~app.spark.decode.DOC_SCHEMA`,
    unreadable ones with their ``error``); roots that do not exist go to
    ``missing``, files Spark's scan cannot show to ``unseen``."""
    frames = []
    for given in paths:
        kind = table_format(given)
        if kind is not None:
            frames.append(read_table(spark, given, kind, role))
            continue
        root = resolve_root(spark, given, role, max_bytes)
        if root is None:
            missing.append(InputError(given, "no such file"))
            continue
        if root.local and root.folder:
            unseen.extend(hidden_from_spark(root))
        frames.append(read_files(spark, root))
    if not frames:
        return spark.createDataFrame([], DOC_SCHEMA)
    return functools.reduce(lambda a, b: a.unionByName(b), frames)


def walk_order(path: str, roots: Sequence[str]) -> tuple[int, tuple[str, ...]]:
    """Where the local engine meets ``path``: under the first root holding it, depth first by name."""
    for i, root in enumerate(roots):
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return i, PurePosixPath(path).parts
    return len(roots), PurePosixPath(path).parts


def hidden_from_spark(root: Root) -> Iterator[InputError]:
    """Documents Spark's file scan never shows (see :func:`unseen_files`), each named as an error."""
    from app.spark.decode import local_path

    folder = Path(local_path(root.uri))
    for file, reason in unseen_files(folder):
        yield InputError((Path(root.given) / file.relative_to(folder)).as_posix(), reason)


def read_files(spark: Any, root: Root) -> Any:
    from pyspark.sql import functions as F

    listed = spark.read.format("binaryFile")
    if root.folder:
        listed = listed.option("recursiveFileLookup", "true")
    listed = listed.load(root.uri)
    small = listed.where(F.col("length") <= root.max_bytes).select("path", "length", "content")
    large = listed.where(F.col("length") > root.max_bytes).select(
        "path", "length", F.lit(None).cast("binary").alias("content")
    )
    work = functools.partial(decode_batches, root=root)
    return small.unionByName(large).mapInArrow(work, DOC_SCHEMA)


def decode_batches(batches: Iterator[Any], root: Root) -> Iterator[Any]:
    schema = arrow_schema(DOC_SCHEMA)
    for batch in batches:
        rows = columns(batch, ("path", "length", "content"))
        out = [
            file_row(root, uri, size, data)
            for uri, size, data in zip(rows["path"], rows["length"], rows["content"])
            if root.wanted(uri)
        ]
        yield rows_batch(out, schema)


def read_table(spark: Any, given: str, kind: str, role: str) -> Any:
    from pyspark.sql import functions as F

    try:
        where = qualified(given)
        table = spark.read.parquet(where) if kind == "parquet" else spark.read.json(where)
    except Exception as err:  # Spark raises AnalysisException for a missing or unreadable path
        raise ConfigError(f"{given}: cannot read the table ({_first_line(err)})") from None
    missing = [name for name in ("path", "text") if name not in table.columns]
    if missing:
        raise ConfigError(f"{given}: a table needs columns path and text (it has {', '.join(table.columns) or 'none'})")
    picked = [
        F.col(n).cast("string").alias(n) if n in table.columns else F.lit(None).cast("string").alias(n)
        for n in TABLE_COLUMNS
    ]
    work = functools.partial(table_batches, role=role)
    return table.select(*picked).mapInArrow(work, DOC_SCHEMA)


def table_batches(batches: Iterator[Any], role: str) -> Iterator[Any]:
    schema = arrow_schema(DOC_SCHEMA)
    for batch in batches:
        rows = columns(batch, TABLE_COLUMNS)
        yield rows_batch([table_row(*fields, role) for fields in zip(*(rows[n] for n in TABLE_COLUMNS))], schema)


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def with_ids(spark: Any, docs: Any) -> Any:
    """``docs`` with a dense ``doc`` id, 0..N-1 (partition offsets from one small count)."""
    from pyspark.sql import functions as F

    marked = docs.withColumn("_mid", F.monotonically_increasing_id())
    counts = marked.groupBy((F.col("_mid") / F.lit(1 << 33)).cast("long").alias("_part")).count().collect()
    offsets, total = {}, 0
    for row in sorted(counts, key=lambda r: r["_part"]):
        offsets[row["_part"]] = total
        total += row["count"]
    base = spark.createDataFrame([(p, o) for p, o in offsets.items()] or [(0, 0)], "_part long, _base long")
    marked = marked.withColumn("_part", (F.col("_mid") / F.lit(1 << 33)).cast("long"))
    dense = marked.join(F.broadcast(base), "_part").withColumn("doc", F.col("_base") + F.col("_mid") % F.lit(1 << 33))
    return dense.drop("_mid", "_part", "_base")
