"""Decoded texts by report path, for the views that show passages.

Offsets of a source refer to the text as it was compared, so the documents a
run holds in memory come first, then the corpora (a persistent index gives
the text it stored), and only then files on disk, and those only under the
given roots (a saved report cannot make chachong read any file it names).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from corpus.document import Document
from corpus.errors import ChachongError
from corpus.read import read_document
from index.corpus import Corpus


class TextLookup:
    """``lookup(path)``: the decoded text of a document a report names, or None."""

    def __init__(
        self,
        documents: Mapping[str, Document] | None = None,
        stores: Sequence[Corpus] = (),
        roots: Sequence[Path] = (),
    ) -> None:
        self._texts: dict[str, str | None] = {p: d.text for p, d in (documents or {}).items()}
        self._stores = list(stores)
        self._roots = [Path(os.path.realpath(r)) for r in roots]

    def __call__(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self._from_stores(path) or self._from_disk(path)
        return self._texts[path]

    def remember(self, documents: Mapping[str, Document]) -> None:
        self._texts.update((p, d.text) for p, d in documents.items())

    def _from_stores(self, path: str) -> str | None:
        for store in self._stores:
            doc_id = store.document_id(path)
            if doc_id is not None:
                return store.document(doc_id).text
        return None

    def _from_disk(self, path: str) -> str | None:
        real = Path(os.path.realpath(path))
        if not any(real == root or real.is_relative_to(root) for root in self._roots):
            return None
        try:
            return read_document(path).text
        except ChachongError:
            return None
