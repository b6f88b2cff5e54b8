"""The earlier of two dated documents names its later copier (JSON, terminal,
HTML) and the shared text does not count against it anywhere."""

from __future__ import annotations

import json

from app.check import run_check
from reports.html import HtmlFormatter
from reports.json_report import JsonFormatter
from reports.model import check_report
from reports.terminal import TerminalFormatter
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def _checked_earlier(tmp_path):
    earlier = tmp_path / "2020_东湖镇.txt"
    later = tmp_path / "others" / "2022_西岭镇.txt"
    later.parent.mkdir()
    earlier.write_text(ORIGINAL_TRANSPORT + "\n" + COPIED + "\n" + ORIGINAL_SCHOOL, encoding="utf-8")
    later.write_text(ORIGINAL_HOSPITAL + "\n" + COPIED, encoding="utf-8")
    result = run_check([earlier], index=tmp_path / "unused.db", against=[later.parent])
    return result, later


def test_the_earlier_document_lists_its_later_copier_and_keeps_its_originality(tmp_path):
    result, later = _checked_earlier(tmp_path)
    (doc,) = result.results
    assert doc.originality == 1.0 and doc.copied_chars == 0 and not doc.sources
    assert [c.source for c in doc.copied_by] == [later.as_posix()]
    assert doc.copied_by[0].copied_chars > 0


def test_every_format_names_the_copier_and_none_shows_it_as_a_source(tmp_path):
    result, later = _checked_earlier(tmp_path)
    report = check_report(result)
    as_json = json.loads(JsonFormatter().render(report, result.texts))["documents"][0]
    assert [c["source"] for c in as_json["copied_by"]] == [later.as_posix()] and as_json["sources"] == []
    terminal = TerminalFormatter(width=200).render(report, result.texts)
    assert "copied by later documents" in terminal and later.name in terminal
    assert "#1" not in terminal  # no passage is listed as copied from it
    html = HtmlFormatter().render(report, result.texts)
    table = html[html.index("被后来文献复制") :]
    assert later.name in table[: table.index("</table>")]
    assert "未发现来源" in html  # the copier is not a source of this document
