"""Postings spilled by key range while documents stream in, then sorted one range at a time.

An in-memory corpus (:class:`~index.memory.MemoryIndex`) keeps every
posting in one sorted array; built from a stream of batches, the same
arrays are made on disk: each batch's (key, document) pairs are appended to
one of :data:`PARTS` files by the key's top bits, and at the end each file
is sorted on its own (in worker processes when given a ``map`` over them)
and written at its place in the final files. The result is the
array the in-memory corpus sorts in one go (ties, which lookups only count,
in another order), read through ``numpy.memmap``; the memory a build needs
is one range's postings.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import ChachongError
from index.fingerprint import Fingerprints

#: A ``map`` (in worker processes, or the builtin): the key ranges sorted by it.
MapParts = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]

PARTS = 32  # key ranges: the final sort holds 1/PARTS of the postings
_PART_BITS = PARTS.bit_length() - 1  # the keys of one range agree on these top bits
_SHIFT = np.uint64(64 - _PART_BITS)
_SIGN = np.uint64(1 << 63)


def document_keys(fp: Fingerprints) -> tuple[np.ndarray, np.ndarray]:
    """(gram keys, band keys) one document posts, as the in-memory corpus
    posts them: every winnowed gram, each distinct band key once."""
    return np.asarray(fp.grams, dtype=np.int64), np.unique(np.asarray(fp.window_bands, dtype=np.int64).ravel())


def part_file(folder: Path, name: str, part: int, kind: str) -> Path:
    """Where one key range's keys (``kind`` "k") or documents ("d") are spilled."""
    return folder / f"{name}-{part:02d}.{kind}"


def _part(keys: np.ndarray) -> np.ndarray:
    """The key range of each int64 key; ranges in ascending key order."""
    return ((keys.view(np.uint64) ^ _SIGN) >> _SHIFT).astype(np.int64)


class SpilledPostings:
    """One posting table (grams or bands) built on disk under ``folder/name``."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self.count = 0

    def _file(self, part: int, kind: str) -> Path:
        return part_file(self.folder, self.name, part, kind)

    def append(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Postings (key, document id) of a batch."""
        if not len(keys):
            return
        part = _part(keys)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(PARTS + 1))
        try:
            for k in np.flatnonzero(np.diff(bounds)).tolist():
                at = order[bounds[k] : bounds[k + 1]]
                with open(self._file(k, "k"), "ab") as f:
                    keys[at].astype("<i8").tofile(f)
                with open(self._file(k, "d"), "ab") as f:
                    docs[at].astype("<i4").tofile(f)
        except OSError as err:
            raise ChachongError(f"cannot write the audit's spill files in {self.folder}: {err}") from err
        self.count += len(keys)

    def finish(self, map_parts: MapParts = map) -> tuple[np.ndarray, np.ndarray]:
        """The sorted keys and their documents, as read-only memory maps.

        Each key range is sorted on its own and written where it belongs in
        the final files (ranges are in key order, so their sizes say where),
        by ``map_parts`` (a ``map`` over worker processes sorts the ranges
        at once)."""
        keys_path, docs_path = self.folder / f"{self.name}.keys", self.folder / f"{self.name}.docs"
        parts = [k for k in range(PARTS) if self._file(k, "k").exists()]
        sizes = [self._file(k, "k").stat().st_size // 8 for k in parts]
        starts = np.r_[0, np.cumsum(sizes, dtype=np.int64)].tolist()
        try:
            for path, width in ((keys_path, 8), (docs_path, 4)):
                with open(path, "wb") as out:
                    out.truncate(starts[-1] * width)
        except OSError as err:
            raise ChachongError(f"cannot write the audit's spill files in {self.folder}: {err}") from err
        sort = functools.partial(_sort_part, self.folder, self.name)
        for _ in map_parts(sort, list(zip(parts, starts))):
            pass
        return _mapped(keys_path, "<i8"), _mapped(docs_path, "<i4")


def _sort_part(folder: Path, name: str, part_and_start: tuple[int, int]) -> None:
    """One key range's postings sorted and written at their place (``start``, in postings) of the final files."""
    part, start = part_and_start
    keys_file, docs_file = part_file(folder, name, part, "k"), part_file(folder, name, part, "d")
    try:
        keys, docs = sort_postings(np.fromfile(keys_file, dtype="<i8"), np.fromfile(docs_file, dtype="<i4"))
        _write_at(folder / f"{name}.keys", keys.tobytes(), start * 8)
        _write_at(folder / f"{name}.docs", docs.tobytes(), start * 4)
        keys_file.unlink()
        docs_file.unlink()
    except OSError as err:
        raise ChachongError(f"cannot write the audit's spill files in {folder}: {err}") from err


def sort_postings(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One key range's postings in key order, those of one key in the order
    they came (a stable sort): by compiled radix once a bulk run has loaded
    the kernels, else by numpy."""
    compiled = sys.modules.get("index.kernels")
    if compiled is not None:
        return compiled.sorted_postings(keys, docs, 64 - _PART_BITS)
    order = np.argsort(keys, kind="stable")
    return keys[order], docs[order]


def _write_at(path: Path, data: bytes, offset: int) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, offset)
            view, offset = view[written:], offset + written
    finally:
        os.close(fd)


def _mapped(path: Path, dtype: str) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.asarray(np.memmap(path, dtype=dtype, mode="r"))  # a plain array over the mapped file
