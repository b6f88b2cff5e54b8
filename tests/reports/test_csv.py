"""The CSV ranking: cells a spreadsheet would run as formulas are quoted (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from reports.csv_report import cell, ranking_csv
from reports.model import RankingRow


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", '=HYPERLINK("http://x")'])
def test_a_would_be_formula_gets_a_leading_quote(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize("value", ["城关镇", "a=b", "", 0.25, 3, None])
def test_other_values_are_left_as_they_are(value):
    assert cell(value) == ("" if value is None else value)


def test_the_ranking_has_no_formula_cell():
    rows = [RankingRow("=cmd|' /C calc'!A0", "@unit", 2023, 0.5, "-source.txt", 0.2, 10, 1)]
    cells = [c for row in csv.reader(io.StringIO(ranking_csv(rows).lstrip("\ufeff"))) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'@unit" in cells and "'-source.txt" in cells
    assert "0.5" in cells and "2023" in cells
