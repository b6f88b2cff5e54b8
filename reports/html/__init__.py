"""The HTML report: one self-contained page for a report.

``HtmlFormatter().render(report, texts)`` turns a typed report into a single
HTML file with inline CSS and JavaScript (no network, no external fonts) that
opens offline and prints to A4. For each document it shows the originality
score, a strip of the whole text locating the copied passages, the
submission and one chosen source side by side (passage pairs in the same
colour, scroll linked, click one to jump to its twin), character-level
differences inside each passage and a table of the substitutions (names,
numbers) that turned the source into the submission.

Everything from the report or the documents reaches the page through jinja2
autoescaping; the data handed to the script is embedded with ``|tojson``.
The output is deterministic: the same report and texts give the same bytes.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from reports.base import TextSource, no_texts
from reports.html.document import PALETTE_SIZE, document_view
from reports.html.text import Texts, visible
from reports.model import SCHEMA, Report

__all__ = ["HtmlFormatter", "render_html"]


class HtmlFormatter:
    """``max_sources`` caps the side-by-side views per document to the first
    (largest) sources; the others stay in the tables and as overlaps. Each
    view repeats the submission, so large audits pass a small cap."""

    name = "html"
    label = "HTML report"

    def __init__(self, max_sources: int | None = None) -> None:
        self.max_sources = max_sources

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return render_html(report, texts, max_sources=self.max_sources)


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


def render_html(report: Report, texts: TextSource = no_texts, *, max_sources: int | None = None) -> str:
    """The self-contained HTML page of ``report``.

    ``texts(path)`` returns the decoded text of a submission or source (the
    text every offset refers to) or None when it is unavailable; the page then
    shows offsets only, with a notice.
    """
    store = Texts(texts)
    docs = [document_view(d, doc, store, max_sources) for d, doc in enumerate(report.documents)]
    errors = [{"path": visible(e.path), "reason": visible(e.reason)} for e in report.errors]
    corpus = report.corpus
    page = {
        "schema": SCHEMA,
        "tool": visible(f"chachong {report.tool_version}".strip()),
        "command": visible(report.command),
        "index_path": visible(corpus.path if corpus else None),
        "index_documents": visible(corpus.documents if corpus else None),
        "title": visible(docs[0]["path"].rsplit("/", 1)[-1] if len(docs) == 1 else f"{len(docs)} 份文档"),
        "number": report.number,
        "checked_at": visible(report.checked_at.replace("T", " ")),
    }
    data = {"docs": [doc["js"] for doc in docs]}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(page=page, docs=docs, errors=errors, data=data, palette=range(PALETTE_SIZE))
    )
