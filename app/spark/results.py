"""Results through Spark rows and back, losslessly.

A :class:`~detector.model.DocumentResult` leaves an executor as JSON (its
exact floats included) next to the flat columns of the Parquet tables, and
becomes the same object on the driver when a report is built; families the
same way.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from corpus.document import DocMeta
from detector.diff import Edit
from detector.families import Family, FamilyMember
from detector.model import DocumentResult, Match, SectionShare, SourceShare


def result_json(result: DocumentResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False, separators=(",", ":"))


def result_of(text: str) -> DocumentResult:
    data = json.loads(text)
    return DocumentResult(
        **{
            **data,
            "meta": DocMeta(**data["meta"]),
            "matches": tuple(Match(**m) for m in data["matches"]),
            "sources": tuple(_share(s) for s in data["sources"]),
            "copied_by": tuple(_share(s) for s in data["copied_by"]),
            "sections": tuple(SectionShare(**s) for s in data["sections"]),
            "warnings": tuple(data["warnings"]),
        }
    )


def _share(data: dict[str, Any]) -> SourceShare:
    return SourceShare(**{**data, "meta": DocMeta(**data["meta"])})


def family_json(family: Family) -> str:
    return json.dumps(asdict(family), ensure_ascii=False, separators=(",", ":"))


def family_of(text: str) -> Family:
    data = json.loads(text)
    members = tuple(FamilyMember(**{**m, "edits": tuple(Edit(**e) for e in m["edits"])}) for m in data["members"])
    return Family(**{**data, "members": members})


def source_rows(shares: tuple[SourceShare, ...]) -> list[dict[str, Any]]:
    """A result's sources (or copied_by) as rows of the ``documents`` table."""
    return [
        {
            "source": s.source,
            "copied_chars": s.copied_chars,
            "share": s.share,
            "passages": s.passages,
            "relation": s.relation,
        }
        for s in shares
    ]


def match_rows(result: DocumentResult) -> list[dict[str, Any]]:
    return [asdict(m) for m in result.matches]
