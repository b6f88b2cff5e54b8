"""The audit ranking as CSV for spreadsheets (UTF-8 with BOM so Excel reads
Chinese correctly)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from reports.base import TextSource, no_texts
from reports.model import RankingRow, Report

RANKING_COLUMNS = tuple(RankingRow.__dataclass_fields__)


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
        writer.writerow({k: "" if v is None else v for k, v in asdict(row).items()})
    return "\ufeff" + out.getvalue()
