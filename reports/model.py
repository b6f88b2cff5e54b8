"""The typed report every formatter takes (schema ``chachong/report-v1``).

A :class:`Report` is built from a use case's result (:func:`check_report`,
:func:`audit_report`, :func:`gate_report`) or loaded back from its JSON form
(:func:`reports.json_report.load_report`); the formatters never see an
untyped dict.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from app.audit import AuditResult
from app.check import CheckResult, CorpusInfo
from app.gate import GateResult, Reason
from app.version import TOOL_VERSION
from corpus.errors import InputError
from detector.families import Family
from detector.model import DocumentResult
from detector.relations import Cluster, CopyEdge

SCHEMA = "chachong/report-v1"


def grade(originality: float) -> str:
    """How a figure is coloured: "good" from 90%, "warn" from 70%, else "bad"."""
    if originality >= 0.9:
        return "good"
    if originality >= 0.7:
        return "warn"
    return "bad"


@dataclass(frozen=True)
class RankingRow:
    """One submission in the audit's originality ranking."""

    path: str
    unit: str | None
    year: int | None
    originality: float
    max_source: str | None
    max_source_share: float
    copied_chars: int
    sources: int

    @classmethod
    def of(cls, d: DocumentResult) -> RankingRow:
        return cls(
            d.path,
            d.meta.unit,
            d.meta.year,
            round(d.originality, 4),
            d.max_source,
            round(d.max_source_share, 4),
            d.copied_chars,
            len(d.sources),
        )


@dataclass(frozen=True)
class AuditSection:
    references: tuple[str, ...] = ()
    families: tuple[Family, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    edges: tuple[CopyEdge, ...] = ()


@dataclass(frozen=True)
class GateSection:
    root: str
    config_file: str | None
    min_originality: float
    max_source_share: float
    changed_only: bool
    passed: tuple[str, ...]
    failed: tuple[str, ...]
    errors: tuple[str, ...]
    unchanged: tuple[str, ...]
    reasons: dict[str, tuple[Reason, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    command: str
    documents: tuple[DocumentResult, ...]
    errors: tuple[InputError, ...] = ()
    corpus: CorpusInfo | None = None
    audit: AuditSection | None = None
    gate: GateSection | None = None
    tool_version: str = TOOL_VERSION
    checked_at: str = ""  # when the check ran (ISO 8601, local time with offset); "" when unknown

    @property
    def number(self) -> str:
        """The report number (报告编号): the date of the check and a digest of
        what was checked against what, so the same run keeps its number."""
        material = "\x00".join(
            [self.command, self.checked_at, self.corpus.path if self.corpus else ""]
            + [f"{d.path}\x01{d.sha256}" for d in self.documents]
        )
        day = re.sub(r"\D", "", self.checked_at[:10]) or "00000000"
        return f"CC{day}-{hashlib.sha256(material.encode('utf-8')).hexdigest()[:8].upper()}"

    @property
    def has_copies(self) -> bool:
        """Whether any document was found copying (exit code 1 of check and audit)."""
        return any(d.has_copies for d in self.documents)

    def ranking(self) -> list[RankingRow]:
        """One row per document, least original first."""
        rows = [RankingRow.of(d) for d in self.documents]
        return sorted(rows, key=lambda row: (row.originality, row.path))


def time_of_check(now: datetime | None = None) -> str:
    """The time a report names (now, unless a test injects it), to the second."""
    return (now or datetime.now()).astimezone().isoformat(timespec="seconds")


def check_report(result: CheckResult, command: str = "check", checked_at: str = "") -> Report:
    return Report(command, tuple(result.results), tuple(result.errors), result.corpus, checked_at=checked_at)


def audit_report(
    result: AuditResult, corpus: CorpusInfo | None, command: str = "audit", checked_at: str = ""
) -> Report:
    section = AuditSection(
        tuple(result.references), tuple(result.families), tuple(result.clusters), tuple(result.edges)
    )
    return Report(command, tuple(result.results), tuple(result.errors), corpus, audit=section, checked_at=checked_at)


def gate_report(result: GateResult, checked_at: str = "") -> Report:
    config = result.config
    section = GateSection(
        root=config.root.as_posix(),
        config_file=config.file.as_posix() if config.file else None,
        min_originality=config.min_originality,
        max_source_share=config.max_source_share,
        changed_only=result.changed_only,
        passed=tuple(result.passed),
        failed=tuple(result.failed),
        errors=tuple(e.path for e in result.errors),
        unchanged=tuple(result.unchanged),
        reasons={v.path: v.reasons for v in result.verdicts if not v.passed},
    )
    return Report(
        "gate", tuple(result.results), tuple(result.errors), result.corpus, gate=section, checked_at=checked_at
    )
