"""The one document type that crosses every layer.

A :class:`Document` is a file decoded to text (or a text the index holds),
with what is known about who wrote it. ``text`` follows the offset contract:
for a text file it is the raw bytes decoded with the detected encoding, minus
a leading BOM, with newlines untouched; for the other formats it is the
extracted plain text, deterministic for the same file. Every offset chachong
reports is a half-open range of code points into it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: What part a document plays in a run.
SUBMISSION, REFERENCE, INDEXED = "submission", "reference", "index"


@dataclass(frozen=True)
class DocMeta:
    """Unit, year and submission date (ISO) of a document, where known."""

    unit: str | None = None
    year: int | None = None
    submitted: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"unit": self.unit, "year": self.year, "submitted": self.submitted}

    @property
    def dated(self) -> bool:
        return bool(self.submitted or self.year)


@dataclass(frozen=True)
class Document:
    """One document: its path as given ('/'-separated), text and provenance."""

    path: str
    text: str
    sha256: str
    encoding: str = "utf-8"
    format: str = "txt"
    meta: DocMeta = DocMeta()
    role: str = SUBMISSION
    warnings: tuple[str, ...] = ()
    size: int = 0  # bytes of the file it was read from (0 when unknown)

    @property
    def chars(self) -> int:
        return len(self.text)

    def with_path(self, path: str) -> Document:
        return replace(self, path=path)

    def with_role(self, role: str) -> Document:
        return self if role == self.role else replace(self, role=role)

    def with_meta(self, meta: DocMeta) -> Document:
        return replace(self, meta=meta)
