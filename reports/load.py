"""Reading a saved JSON report back into a typed :class:`~reports.model.Report`.

Every field is checked once, here: a report that is not a chachong report, or
whose values have the wrong types, or whose offsets are impossible, raises
:class:`~corpus.errors.ReportError` naming the field. The formatters then
trust what they are given.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from app.check import CorpusInfo
from app.gate import Reason
from corpus.document import DocMeta
from corpus.errors import InputError, ReportError
from detector.diff import Edit
from detector.families import Family, FamilyMember
from detector.model import COPY, STOCK, DocumentResult, Match, SectionShare, SourceShare
from detector.relations import Cluster, CopyEdge
from reports.model import SCHEMA, AuditSection, GateSection, Report

T = TypeVar("T")
MAX_DEPTH = 64  # a report nests a handful of levels; anything deeper is not one


def load_report(text: str | bytes) -> Report:
    """The typed report of a report-v1 JSON text."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ReportError(f"not valid JSON ({_short(err)})") from None
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(type(data), "a number")
        raise ReportError(f"not a chachong report: the top level is {kind}, not an object")
    if data.get("schema") != SCHEMA:
        raise ReportError(f"not a chachong report (schema {data.get('schema')!r})")
    return Report(
        command=_get(data, "command", str),
        documents=tuple(_items(data, "documents", _document)),
        errors=tuple(_items(data, "errors", lambda e: InputError(_get(e, "path", str), _get(e, "reason", str)))),
        corpus=_corpus(data.get("index")),
        audit=_audit(data) if "ranking" in data or "families" in data else None,
        gate=_gate(data["gate"]) if isinstance(data.get("gate"), dict) else None,
        tool_version=str(data.get("tool", {}).get("version", "")) if isinstance(data.get("tool"), dict) else "",
        checked_at=_checked_at(data.get("report")),
    )


def _checked_at(obj: Any) -> str:
    """The time of check of a report that has one (earlier reports have none)."""
    if not isinstance(obj, dict):
        return ""
    return _get(obj, "checked_at", str, optional=True) or ""


def _short(err: Exception) -> str:
    return str(err).splitlines()[0][:200]


def _get(obj: dict[str, Any], key: str, kind: type[T], *, optional: bool = False) -> T:
    value = obj.get(key)
    if value is None and optional:
        return None  # type: ignore[return-value]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ReportError(f"field {key!r}: expected {kind.__name__}, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ReportError(f"field {key!r}: not a finite number")
    return value


def _items(obj: dict[str, Any], key: str, parse: Callable[[dict[str, Any]], T]) -> list[T]:
    values = obj.get(key) or []
    if not isinstance(values, list):
        raise ReportError(f"field {key!r}: expected a list")
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise ReportError(f"{key}[{i}]: expected an object")
        try:
            out.append(parse(value))
        except ReportError as err:
            raise ReportError(f"{key}[{i}]: {err}") from None
    return out


def _offsets(obj: dict[str, Any], start: str, end: str) -> tuple[int, int]:
    lo, hi = _get(obj, start, int), _get(obj, end, int)
    if lo < 0 or hi < lo:
        raise ReportError(f"impossible range {start}={lo}, {end}={hi}")
    return lo, hi


def _meta(obj: dict[str, Any]) -> DocMeta:
    return DocMeta(
        _get(obj, "unit", str, optional=True),
        _get(obj, "year", int, optional=True),
        _get(obj, "submitted", str, optional=True),
    )


def _match(obj: dict[str, Any]) -> Match:
    start, end = _offsets(obj, "start", "end")
    source_start, source_end = _offsets(obj, "source_start", "source_end")
    kind = _get(obj, "kind", str)
    if kind not in (COPY, STOCK):
        raise ReportError(f"field 'kind': {kind!r} is neither {COPY!r} nor {STOCK!r}")
    later = bool(_get(obj, "later", bool, optional=True))
    source = _get(obj, "source", str)
    return Match(start, end, source, source_start, source_end, _get(obj, "similarity", float), kind, later)


def _source(obj: dict[str, Any]) -> SourceShare:
    return SourceShare(
        _get(obj, "source", str),
        _get(obj, "copied_chars", int),
        _get(obj, "share", float),
        _get(obj, "passages", int),
        _meta(obj),
        _get(obj, "relation", str, optional=True) or "",
    )


def _section(obj: dict[str, Any]) -> SectionShare:
    start, end = _offsets(obj, "start", "end")
    return SectionShare(
        _get(obj, "title", str), start, end, _get(obj, "meaningful_chars", int), _get(obj, "copied_chars", int)
    )


def _document(obj: dict[str, Any]) -> DocumentResult:
    matches = tuple(_items(obj, "matches", _match))
    chars = _get(obj, "chars", int)
    if any(m.end > chars for m in matches):
        raise ReportError("a match ends past the document's length")
    return DocumentResult(
        path=_get(obj, "path", str),
        chars=chars,
        encoding=_get(obj, "encoding", str),
        format=_get(obj, "format", str),
        sha256=_get(obj, "sha256", str),
        meta=_meta(obj),
        meaningful_chars=_get(obj, "meaningful_chars", int),
        copied_chars=_get(obj, "copied_chars", int),
        stock_chars=_get(obj, "stock_chars", int),
        originality=_get(obj, "originality", float),
        max_source_share=_get(obj, "max_source_share", float),
        max_source=_get(obj, "max_source", str, optional=True),
        matches=matches,
        sources=tuple(_items(obj, "sources", _source)),
        sections=tuple(_items(obj, "sections", _section)),
        warnings=tuple(str(w) for w in obj.get("warnings") or [] if isinstance(w, str)),
        **_figures(obj),
    )


def _figures(obj: dict[str, Any]) -> dict[str, Any]:
    """The figures a report of an earlier version may lack (then 0)."""
    ints = ("own_chars", "cross_time_chars", "paragraphs", "suspect_paragraphs")
    floats = ("copy_ratio", "copy_ratio_excluding_own")
    found: dict[str, Any] = {k: _get(obj, k, int, optional=True) or 0 for k in ints}
    found.update({k: _get(obj, k, float, optional=True) or 0.0 for k in floats})
    found["copied_by"] = tuple(_items(obj, "copied_by", _source))
    return found


def _corpus(obj: Any) -> CorpusInfo | None:
    if not isinstance(obj, dict) or "path" not in obj:
        return None
    return CorpusInfo(_get(obj, "path", str), _get(obj, "documents", int))


def _member(obj: dict[str, Any]) -> FamilyMember:
    start, end = _offsets(obj, "start", "end")
    edits = tuple(
        _items(obj, "edits", lambda e: Edit(_get(e, "before", str), _get(e, "after", str), _get(e, "kind", str)))
    )
    meta = _meta(obj)
    similarity = _get(obj, "similarity", float, optional=True)
    return FamilyMember(
        _get(obj, "path", str),
        start,
        end,
        meta.unit,
        meta.year,
        meta.submitted,
        _get(obj, "role", str),
        edits,
        1.0 if similarity is None else similarity,
        bool(_get(obj, "rewritten", bool, optional=True)),
    )


def _family(obj: dict[str, Any]) -> Family:
    return Family(
        _get(obj, "id", str),
        _get(obj, "text", str),
        _get(obj, "representative", str),
        tuple(_items(obj, "documents", _member)),
        _get(obj, "units", int),
        _get(obj, "origin", str, optional=True),
        _get(obj, "origin_reason", str),
    )


def _cluster(obj: dict[str, Any]) -> Cluster:
    pairs = _items(obj, "pairs", lambda p: (_get(p, "a", str), _get(p, "b", str), _get(p, "similarity", float)))
    return Cluster(_get(obj, "id", str), _paths(obj, "documents"), tuple(pairs))


def _edge(obj: dict[str, Any]) -> CopyEdge:
    return CopyEdge(
        _get(obj, "copier", str),
        _get(obj, "source", str),
        _get(obj, "copied_chars", int),
        _get(obj, "share", float),
        _get(obj, "relation", str),
        _get(obj, "directed", bool),
    )


def _audit(data: dict[str, Any]) -> AuditSection:
    return AuditSection(
        _paths(data, "references"),
        tuple(_items(data, "families", _family)),
        tuple(_items(data, "clusters", _cluster)),
        tuple(_items(data, "edges", _edge)),
    )


def _paths(obj: dict[str, Any], key: str) -> tuple[str, ...]:
    values = obj.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ReportError(f"field {key!r}: expected a list of paths")
    return tuple(values)


def _gate(obj: dict[str, Any]) -> GateSection:
    reasons_raw = obj.get("reasons") or {}
    if not isinstance(reasons_raw, dict):
        raise ReportError("gate field 'reasons': expected an object")
    reasons = {
        str(path): tuple(Reason(_get(r, "rule", str), _get(r, "message", str)) for r in items if isinstance(r, dict))
        for path, items in reasons_raw.items()
        if isinstance(items, list)
    }
    return GateSection(
        root=_get(obj, "root", str),
        config_file=_get(obj, "config_file", str, optional=True),
        min_originality=_get(obj, "min_originality", float),
        max_source_share=_get(obj, "max_source_share", float),
        changed_only=_get(obj, "changed_only", bool),
        passed=_paths(obj, "passed"),
        failed=_paths(obj, "failed"),
        errors=_paths(obj, "errors"),
        unchanged=_paths(obj, "unchanged"),
        reasons=reasons,
    )
