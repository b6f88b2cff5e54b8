"""The result types of a comparison: one match type, one document result.

Every layer above the detector (use cases, reports) reads these; the JSON
report is their serialisation (:mod:`reports.json_report`).
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.document import DocMeta, Document

COPY, STOCK = "copy", "stock"


@dataclass(frozen=True)
class Match:
    """A passage ``start:end`` of a document aligned with ``source_start:source_end``
    of ``source`` (half-open code-point ranges of the two decoded texts)."""

    start: int
    end: int
    source: str
    source_start: int
    source_end: int
    similarity: float
    kind: str  # COPY | STOCK


@dataclass(frozen=True)
class SourceShare:
    """What one source supplies of a document."""

    source: str
    copied_chars: int
    share: float
    passages: int
    meta: DocMeta = DocMeta()


@dataclass(frozen=True)
class SectionShare:
    """The copied share of one level-1 section (or the preamble)."""

    title: str
    start: int
    end: int
    meaningful_chars: int
    copied_chars: int

    @property
    def share(self) -> float:
        return self.copied_chars / self.meaningful_chars if self.meaningful_chars else 0.0


@dataclass(frozen=True)
class DocumentResult:
    """Everything a comparison found for one document (definitions in the README)."""

    path: str
    chars: int
    encoding: str
    format: str
    sha256: str
    meta: DocMeta
    meaningful_chars: int
    copied_chars: int
    stock_chars: int
    originality: float
    max_source_share: float
    max_source: str | None
    matches: tuple[Match, ...]
    sources: tuple[SourceShare, ...]
    sections: tuple[SectionShare, ...]
    warnings: tuple[str, ...] = ()

    @property
    def copies(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if m.kind == COPY)

    @property
    def has_copies(self) -> bool:
        """Whether anything was found copied: the one definition of "findings"."""
        return any(m.kind == COPY for m in self.matches)

    @classmethod
    def header_of(cls, document: Document) -> dict[str, object]:
        """The fields a result takes from its document."""
        return {
            "path": document.path,
            "chars": document.chars,
            "encoding": document.encoding,
            "format": document.format,
            "sha256": document.sha256,
            "meta": document.meta,
            "warnings": document.warnings,
        }
