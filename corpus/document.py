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
    key: str = ""  # canonical identity: the resolved absolute path of the file ("" when unknown)

    @property
    def identity(self) -> str:
        """What makes two spellings of a path one document: the canonical path, else the path."""
        return self.key or self.path

    @property
    def name(self) -> str:
        """The file name (the last path segment)."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def is_fanwen(self) -> bool:
        """Whether the document is a 范文 (see :func:`is_fanwen`)."""
        return is_fanwen(self.role, self.meta)

    def with_path(self, path: str) -> Document:
        return replace(self, path=path)

    def with_text(self, text: str) -> Document:
        """This document with ``text``: a header (stored without its text)
        made whole. A comparison makes one per candidate, so it copies the
        fields (a frozen dataclass's ``__dict__``) instead of going through
        ``dataclasses.replace``, which costs six times as much."""
        whole = object.__new__(Document)
        whole.__dict__.update(self.__dict__, text=text)
        return whole

    def with_role(self, role: str) -> Document:
        return self if role == self.role else replace(self, role=role)

    def with_meta(self, meta: DocMeta) -> Document:
        return replace(self, meta=meta)


def is_fanwen(role: str, meta: DocMeta) -> bool:
    """A 范文: a reference, or an indexed document with no date or year (a
    page from the web). It is always the source of the text it shares."""
    return role == REFERENCE or role == INDEXED and not meta.dated
