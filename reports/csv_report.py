"""The audit ranking as CSV for spreadsheets (UTF-8 with BOM so Excel reads
Chinese correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

RANKING_COLUMNS = ("path", "unit", "year", "originality", "max_source", "max_source_share", "copied_chars", "sources")


def ranking_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RANKING_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in RANKING_COLUMNS})
    return "\ufeff" + out.getvalue()
