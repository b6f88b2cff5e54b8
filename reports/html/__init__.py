"""The HTML report: self-contained pages for a report.

``HtmlFormatter().render(report, texts)`` turns a typed report into a single
HTML file with inline CSS and JavaScript (no network, no external fonts) that
opens offline and prints to A4. For one document (``check``) it is a CNKI-style
report: report number and time of check, the comparison library, 原创度 with
the copy ratios, a strip of the whole text locating the copied passages, the
submission and one chosen source side by side (passage pairs in the same
colour, scroll linked, click one to jump to its twin), character-level
differences and the passage pairs with their context (原文对照, what prints).

A corpus (``audit``, ``gate``, ``demo``) opens on an overview: the gate's
verdict against its bar, histograms, a sortable and filterable ranking,
boilerplate families, who copied from whom and near-duplicate clusters
(:mod:`reports.html.overview`). :meth:`HtmlFormatter.render_pages` keeps a
small corpus in one file (the overview, then every document's view) and
writes a larger one as a report folder: the overview page plus one page per
document in ``<name>.files/``, each loaded only when its link is followed.

Everything from the report or the documents reaches the page through jinja2
autoescaping; the data handed to the scripts is embedded with ``|tojson``.
The output is deterministic: the same report and texts give the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from app.workers import WorkerPool
from reports.base import TextSource, no_texts
from reports.html.document import PALETTE_SIZE, SOURCE_FULL_LIMIT, document_view
from reports.html.overview import overview_view
from reports.html.text import Texts, visible
from reports.model import SCHEMA, Report

__all__ = ["HtmlFormatter", "render_html", "SINGLE_FILE_MAX"]

SINGLE_FILE_MAX = 20  # corpora up to this many documents stay one self-contained file


class HtmlFormatter:
    """``max_sources`` caps the side-by-side views per document to the first
    (largest) sources; the others stay in the tables and as overlaps."""

    name = "html"
    label = "HTML report"

    def __init__(
        self, max_sources: int | None = None, *, single_file_max: int = SINGLE_FILE_MAX, workers: int = 0
    ) -> None:
        self.max_sources = max_sources
        self.single_file_max = single_file_max
        self.workers = workers  # 0: one process per core; 1 where texts come from an open SQLite index

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        """One self-contained page with every document's view."""
        return render_html(report, texts, max_sources=self.max_sources)

    def render_pages(self, report: Report, texts: TextSource, name: str) -> Iterator[tuple[str, str]]:
        """The files of the report written as ``name``, as (relative path, content):
        "" is the page itself. One file for a check or a small corpus; else the
        overview and ``<stem>.files/dNNNNN.html`` (rendered in forked workers,
        yielded one by one so a large audit is never all in memory)."""
        if not _is_corpus(report) or len(report.documents) <= self.single_file_max:
            yield "", self.render(report, texts)
            return
        folder = name.rsplit(".", 1)[0] + ".files"

        def href(d: int) -> str:
            return f"{folder}/d{d:05d}.html"

        yield "", render_html(report, texts, max_sources=self.max_sources, doc_href=href, inline_docs=False)
        state = _PageState(report, Texts(texts), self.max_sources, f"../{name}")
        pool = WorkerPool(_document_page, state, workers=self.workers)
        pages = pool.map(range(len(report.documents)), len(report.documents))
        for d, page in enumerate(pages):
            yield href(d), page


@dataclasses.dataclass
class _PageState:
    """What each worker needs to render a document's page of a report folder."""

    report: Report
    store: Texts
    max_sources: int | None
    back: str


def _document_page(state: _PageState, d: int) -> str:
    report = state.report
    single = dataclasses.replace(report, documents=(report.documents[d],), audit=None, gate=None, errors=())
    return _page(single, state.store, state.max_sources, source_limit=0, back=state.back, number=report.number)


def _is_corpus(report: Report) -> bool:
    return report.audit is not None or report.gate is not None or len(report.documents) > 1


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("reports.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(
    report: Report,
    texts: TextSource = no_texts,
    *,
    max_sources: int | None = None,
    doc_href: Any = None,
    inline_docs: bool = True,
) -> str:
    """The self-contained HTML page of ``report``.

    ``texts(path)`` returns the decoded text of a submission or source (the
    text every offset refers to) or None when it is unavailable; the page then
    shows offsets only, with a notice. A corpus gets the overview first; its
    rows link to ``doc_href(d)`` (default: the document's section below).
    """
    overview = None
    if _is_corpus(report):
        overview = overview_view(report, doc_href or (lambda d: f"#doc-{d}"))
    shown = report if inline_docs else dataclasses.replace(report, documents=())
    return _page(shown, Texts(texts), max_sources, overview=overview, header_docs=len(report.documents))


def _page(
    report: Report,
    store: Texts,
    max_sources: int | None,
    *,
    overview: dict[str, Any] | None = None,
    source_limit: int = SOURCE_FULL_LIMIT,
    back: str = "",
    header_docs: int | None = None,
    number: str = "",
) -> str:
    docs = [document_view(d, doc, store, max_sources, source_limit) for d, doc in enumerate(report.documents)]
    errors = [{"path": visible(e.path), "reason": visible(e.reason)} for e in report.errors]
    corpus = report.corpus
    count = len(docs) if header_docs is None else header_docs
    page = {
        "schema": SCHEMA,
        "tool": visible(f"chachong {report.tool_version}".strip()),
        "command": visible(report.command),
        "index_path": visible(corpus.path if corpus else None),
        "index_documents": visible(corpus.documents if corpus else None),
        "title": visible(docs[0]["path"].rsplit("/", 1)[-1] if len(docs) == 1 and not overview else f"{count} 份文档"),
        "number": number or report.number,
        "checked_at": visible(report.checked_at.replace("T", " ")),
        "count": count,
        "back": back,
    }
    data = {"docs": [doc["js"] for doc in docs]}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(page=page, docs=docs, errors=errors, data=data, palette=range(PALETTE_SIZE), overview=overview)
    )
