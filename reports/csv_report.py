"""The audit ranking as CSV for spreadsheets (UTF-8 with BOM so Excel reads
Chinese correctly).

A text cell that a spreadsheet would run as a formula (it starts with
``= + - @``, a tab or a line break: a unit named ``=HYPERLINK(...)`` in a
manifest) gets a leading ``'``, as OWASP recommends against CSV injection.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from reports.base import TextSource, no_texts
from reports.model import RankingRow, Report

RANKING_COLUMNS = tuple(RankingRow.__dataclass_fields__)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


class CsvFormatter:
    name = "csv"
    label = "CSV ranking"

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return ranking_csv(report.ranking())


def ranking_csv(rows: list[RankingRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RANKING_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: cell(v) for k, v in asdict(row).items()})
    return "\ufeff" + out.getvalue()


def cell(value: object) -> object:
    """A value as a spreadsheet may read it: None empty, a would-be formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
