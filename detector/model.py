"""The result types of a comparison: one match type, one document result.

Every layer above the detector (use cases, reports) reads these; the JSON
report is their serialisation (:mod:`reports.json_report`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    later: bool = False  # the source is dated after this document: it took the passage from here


@dataclass(frozen=True)
class SourceShare:
    """What one source supplies of a document."""

    source: str
    copied_chars: int
    share: float
    passages: int
    meta: DocMeta = DocMeta()
    relation: str = ""  # 跨时抄 (the same unit, earlier) | 跨地抄 (another unit) | 范文 | 未知


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
    own_chars: int = 0  # meaningful characters neither copied nor stock
    copy_ratio: float = 0.0  # 总文字复制比: all matched text (stock too) over meaningful characters
    copy_ratio_excluding_own: float = 0.0  # 去除本人文献复制比: the same without the unit's own documents
    cross_time_chars: int = 0  # 跨时抄: copied from the same unit's earlier documents
    paragraphs: int = 0  # body paragraphs (总段落数)
    suspect_paragraphs: int = 0  # body paragraphs holding copied text (疑似段落数)
    copied_by: tuple[SourceShare, ...] = ()  # later documents that took text from this one

    @property
    def copies(self) -> tuple[Match, ...]:
        """The copy matches that count against this document (not those of later copiers)."""
        return tuple(m for m in self.matches if m.kind == COPY and not m.later)

    def copy_view(self) -> DocumentResult:
        """The result with its copy matches only (later copiers' too) and no
        sections: all that families, clusters and edges read of it, a
        fraction of the whole to store and to read back."""
        return replace(self, matches=tuple(m for m in self.matches if m.kind == COPY), sections=())

    @property
    def has_copies(self) -> bool:
        """Whether anything was found copied: the one definition of "findings"."""
        return any(m.kind == COPY and not m.later for m in self.matches)

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
