"""Unit, year and submission date of a document.

Read from a manifest (``chachong.csv`` or ``manifest.csv`` with columns
``path,unit,year,submitted``) in the document's folder or any parent, else
guessed from the file name (``2023_城关镇.txt``, ``城关镇-2023年工作总结.docx``).
A manifest row with a bad value (a year that is not one, a unit of a
megabyte) is skipped, and the document it names says so in its warnings.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from corpus.document import DocMeta
from corpus.errors import ConfigError

MANIFEST_NAMES = ("chachong.csv", "manifest.csv")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_NAME_NOISE_RE = re.compile(r"(?:年度?|工作总结|工作汇报|总结|汇报|范文|[_\-—\s.()（）]+)")


#: The years a manifest may give.
YEARS = range(1900, 2101)
#: Longest unit name a manifest may give (a longer one is a damaged row).
MAX_UNIT_CHARS = 200


@dataclass(frozen=True)
class Manifest:
    """The rows of a manifest, and the rows it skipped (with why)."""

    entries: dict[Path, DocMeta]
    skipped: dict[Path, str]  # rows naming a file, skipped: file -> why
    unreadable: tuple[str, ...] = ()  # rows that could not even be read: no file to name


def metadata_for(path: str | Path) -> DocMeta:
    """Manifest entry for ``path`` if any manifest lists it, else the file name."""
    return metadata_with_warnings(path)[0]


def metadata_with_warnings(path: str | Path, resolved: Path | None = None) -> tuple[DocMeta, list[str]]:
    """:func:`metadata_for`, and what went wrong with the manifest rows that
    would have been about this file (they are skipped, the file is read).
    ``resolved``: the path already resolved (``Path(path).resolve()``), when the caller has it."""
    resolved = resolved or Path(path).resolve()
    warnings: list[str] = []
    for folder in resolved.parents:
        manifest_path = _find_manifest(folder)
        if manifest_path is None:
            continue
        manifest = load_manifest(manifest_path)
        entry = manifest.entries.get(resolved)
        if entry is not None:
            guessed = meta_from_filename(resolved.name)
            meta = DocMeta(entry.unit or guessed.unit, entry.year or guessed.year, entry.submitted)
            return meta, warnings
        if resolved in manifest.skipped:
            warnings.append(manifest.skipped[resolved])
        warnings.extend(manifest.unreadable)
    return meta_from_filename(resolved.name), warnings


def _find_manifest(folder: Path) -> Path | None:
    if _found_manifests is not None and folder in _found_manifests:
        return _found_manifests[folder]
    found = next((folder / name for name in MANIFEST_NAMES if (folder / name).is_file()), None)
    if _found_manifests is not None:
        _found_manifests[folder] = found
    return found


_found_manifests: dict[Path, Path | None] | None = None  # within manifests_cached(): each folder looked at once


@contextmanager
def manifests_cached() -> Iterator[None]:
    """Look for each folder's manifest once while reading many files (a
    folder of 100,000 files otherwise costs five stat calls per file and
    parent); outside, every lookup sees the file system as it is."""
    global _found_manifests
    outer = _found_manifests
    _found_manifests = {} if outer is None else outer
    try:
        yield
    finally:
        _found_manifests = outer


@lru_cache(maxsize=64)
def load_manifest(manifest: Path) -> Manifest:
    """Rows of a manifest keyed by resolved path (relative to the manifest).

    UTF-8 (with or without BOM) or GB18030 (which GBK and GB2312 files are).
    A row with a bad value is skipped and noted; a manifest that cannot be
    read at all, or has no ``path`` column, is a :class:`ConfigError`.
    """
    rows = csv.DictReader(_manifest_text(manifest).splitlines())
    try:
        fieldnames = rows.fieldnames
    except csv.Error as err:
        raise ConfigError(f"{manifest}: cannot read manifest: {err}") from None
    if fieldnames is None or "path" not in fieldnames:
        raise ConfigError(f"{manifest}: manifest needs a 'path' column")
    entries: dict[Path, DocMeta] = {}
    skipped: dict[Path, str] = {}
    unreadable: list[str] = []
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:
            unreadable.append(f"{manifest}:{rows.line_num}: manifest row skipped ({err})")
            continue
        _add_row(manifest, rows.line_num, row, entries, skipped)
    return Manifest(entries, skipped, tuple(unreadable))


def _manifest_text(manifest: Path) -> str:
    try:
        raw = manifest.read_bytes()
    except OSError as err:
        raise ConfigError(f"{manifest}: cannot read manifest: {err.strerror or err}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{manifest}: cannot read manifest: neither UTF-8 nor GB18030 text")


def _add_row(
    manifest: Path, line_no: int, row: dict[str, str | None], entries: dict[Path, DocMeta], skipped: dict[Path, str]
) -> None:
    """One row into ``entries``, or, when a value is bad, into ``skipped``."""
    name = (row.get("path") or "").strip() if isinstance(row.get("path"), str) else ""
    if not name:
        return
    try:
        target = (manifest.parent / name).resolve()
    except (OSError, ValueError, RuntimeError):
        return  # a path no file can have (a NUL byte, a link loop)
    try:
        entries[target] = DocMeta(
            unit=_parse_unit(row.get("unit")),
            year=_parse_year(row.get("year")),
            submitted=_parse_date(row.get("submitted")),
        )
    except ValueError as err:
        skipped[target] = f"{manifest}:{line_no}: manifest row skipped ({err})"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _parse_unit(value: object) -> str | None:
    unit = _text(value)
    if len(unit) > MAX_UNIT_CHARS:
        raise ValueError(f"unit longer than {MAX_UNIT_CHARS} characters")
    return unit or None


def _parse_year(value: object) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4 and int(text) in YEARS):
        raise ValueError(f"year {text[:20]!r} is not a year from {YEARS[0]} to {YEARS[-1]}")
    return int(text)


def _parse_date(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ValueError(f"submitted {text[:20]!r} is not an ISO date") from None


def meta_from_filename(name: str) -> DocMeta:
    """Year (19xx/20xx) and unit (what is left of the stem) from a file name."""
    stem = Path(name).stem
    match = _YEAR_RE.search(stem)
    year = int(match.group(1)) if match else None
    rest = _YEAR_RE.sub(" ", stem)
    words = [w for w in _NAME_NOISE_RE.sub(" ", rest).split() if _HAN_RE.search(w)]
    return DocMeta(unit=words[0] if words else None, year=year)
