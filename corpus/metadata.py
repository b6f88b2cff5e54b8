"""Unit, year and submission date of a document.

Read from a manifest (``chachong.csv`` or ``manifest.csv`` with columns
``path,unit,year,submitted``) in the document's folder or any parent, else
guessed from the file name (``2023_城关镇.txt``, ``城关镇-2023年工作总结.docx``).
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from corpus.document import DocMeta
from corpus.errors import ConfigError

MANIFEST_NAMES = ("chachong.csv", "manifest.csv")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_NAME_NOISE_RE = re.compile(r"(?:年度?|工作总结|工作汇报|总结|汇报|范文|[_\-—\s.()（）]+)")


def metadata_for(path: str | Path) -> DocMeta:
    """Manifest entry for ``path`` if any manifest lists it, else the file name."""
    resolved = Path(path).resolve()
    for folder in resolved.parents:
        manifest = _find_manifest(folder)
        if manifest is None:
            continue
        entry = load_manifest(manifest).get(resolved)
        if entry is not None:
            guessed = meta_from_filename(resolved.name)
            return DocMeta(entry.unit or guessed.unit, entry.year or guessed.year, entry.submitted)
    return meta_from_filename(resolved.name)


def _find_manifest(folder: Path) -> Path | None:
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=64)
def load_manifest(manifest: Path) -> dict[Path, DocMeta]:
    """Rows of a manifest keyed by resolved path (relative to the manifest)."""
    try:
        raw = manifest.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{manifest}: cannot read manifest: {err}") from err
    rows = csv.DictReader(raw.splitlines())
    if rows.fieldnames is None or "path" not in rows.fieldnames:
        raise ConfigError(f"{manifest}: manifest needs a 'path' column")
    entries: dict[Path, DocMeta] = {}
    for line_no, row in enumerate(rows, start=2):
        if not (row.get("path") or "").strip():
            continue
        target = (manifest.parent / row["path"].strip()).resolve()
        entries[target] = DocMeta(
            unit=(row.get("unit") or "").strip() or None,
            year=_parse_year(row.get("year"), manifest, line_no),
            submitted=_parse_date(row.get("submitted"), manifest, line_no),
        )
    return entries


def _parse_year(value: str | None, manifest: Path, line_no: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ConfigError(f"{manifest}:{line_no}: year {value!r} is not a number")
    return int(value)


def _parse_date(value: str | None, manifest: Path, line_no: int) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError as err:
        raise ConfigError(f"{manifest}:{line_no}: submitted {value!r} is not an ISO date") from err


def meta_from_filename(name: str) -> DocMeta:
    """Year (19xx/20xx) and unit (what is left of the stem) from a file name."""
    stem = Path(name).stem
    match = _YEAR_RE.search(stem)
    year = int(match.group(1)) if match else None
    rest = _YEAR_RE.sub(" ", stem)
    words = [w for w in _NAME_NOISE_RE.sub(" ", rest).split() if _HAN_RE.search(w)]
    return DocMeta(unit=words[0] if words else None, year=year)
