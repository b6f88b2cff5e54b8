"""The one interface of every output format.

A formatter turns a typed :class:`~reports.model.Report` (and, for the views
that show passages, the texts the offsets refer to) into the text of a file:
``render(report, texts) -> str``. ``cli.py`` picks the formatters the flags
ask for and writes what they return.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from reports.model import Report

#: The decoded text of a document a report names, or None when it is unavailable.
TextSource = Callable[[str], "str | None"]


def no_texts(path: str) -> str | None:
    return None


class Formatter(Protocol):
    """Renders a report in one format."""

    name: str  # the format ("json", "html", …)
    label: str  # what a message calls the file it writes ("JSON report")

    def render(self, report: Report, texts: TextSource = no_texts) -> str: ...
