"""Arrow batches in and out of the executor-side functions, without per-value boxing
where numpy arrays are concerned (lists of int64 keys go in and out as one flat array
and its offsets)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np


def columns(batch: Any, names: Sequence[str]) -> dict[str, list]:
    """The named columns of a record batch or table as Python lists."""
    return {name: batch.column(name).to_pylist() for name in names}


def list_column(batch: Any, name: str) -> list[np.ndarray]:
    """A ``list<long>`` column as one numpy array per row (views of one flat buffer)."""
    import pyarrow as pa

    column = batch.column(name)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if len(column) == 0:
        return []
    offsets = np.asarray(column.offsets)
    values = column.values.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(column))]


def list_array(arrays: Sequence[np.ndarray], dtype: str = "int64") -> Any:
    """A ``list<dtype>`` Arrow array from numpy arrays: one concatenation, no boxing."""
    import pyarrow as pa

    offsets = np.zeros(len(arrays) + 1, dtype=np.int32)
    if arrays:
        np.cumsum([len(a) for a in arrays], out=offsets[1:])
    values = np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pa.array(values))


def batch_of(data: dict[str, Any], schema: Any) -> Any:
    """A record batch with ``schema`` from columns (lists or Arrow arrays)."""
    import pyarrow as pa

    arrays = [
        data[field.name] if isinstance(data[field.name], pa.Array) else pa.array(data[field.name], type=field.type)
        for field in schema
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def rows_batch(rows: Iterable[dict[str, Any]], schema: Any) -> Any:
    """A record batch from rows (dicts by column name)."""
    import pyarrow as pa

    return pa.RecordBatch.from_pylist(list(rows), schema=schema)


def arrow_schema(ddl: str) -> Any:
    """The Arrow schema of a Spark DDL string (``name type, ...``), for the types used here."""
    import pyarrow as pa

    fields = []
    for part in _split_top(ddl):
        name, kind = part.strip().split(" ", 1)
        fields.append(pa.field(name, _arrow_type(kind.strip())))
    return pa.schema(fields)


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    simple = {
        "string": pa.string(),
        "long": pa.int64(),
        "bigint": pa.int64(),
        "int": pa.int32(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "binary": pa.binary(),
    }
    if kind in simple:
        return simple[kind]
    if kind.startswith("array<") and kind.endswith(">"):
        return pa.list_(_arrow_type(kind[6:-1]))
    if kind.startswith("struct<") and kind.endswith(">"):
        return pa.struct([pa.field(n, _arrow_type(t)) for n, t in (p.split(":", 1) for p in _split_top(kind[7:-1]))])
    raise ValueError(f"unsupported type {kind}")


def _split_top(text: str) -> Iterator[str]:
    """``text`` split at commas outside angle brackets."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            yield text[start:i]
            start = i + 1
    if text[start:].strip():
        yield text[start:]


def bound(func: Any, **kwargs: Any) -> Any:
    """``func(table)`` with ``kwargs`` bound, as a plain one-argument function
    without type hints (pyspark's ``applyInArrow`` infers the kind of UDF from
    hints and counts the arguments; a ``functools.partial`` fails both)."""

    def call(table):  # noqa: ANN001, ANN202 - no hints on purpose
        return func(table, **kwargs)

    return call


def bound2(func: Any, **kwargs: Any) -> Any:
    """:func:`bound` for a two-argument function (a cogrouped ``applyInArrow``)."""

    def call(left, right):  # noqa: ANN001, ANN202 - no hints on purpose
        return func(left, right, **kwargs)

    return call


def rows_table(rows: Iterable[dict[str, Any]], schema: Any) -> Any:
    """A table from rows (what a grouped ``applyInArrow`` function returns)."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema)


def table_of(data: dict[str, Any], schema: Any) -> Any:
    """A table with ``schema`` from columns (lists or Arrow arrays)."""
    import pyarrow as pa

    return pa.Table.from_batches([batch_of(data, schema)])
