"""The HTML of a corpus and the CNKI header of a check, without a browser:
what the overview holds, the gate's verdict against its bar, the report
folder, the report number and time of check, passages located by paragraph."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from reports.html import HtmlFormatter, render_html
from reports.model import GateSection, Report, time_of_check
from tests.reports.test_html import SUB_TEXT, TEXTS, Page, fixture_report, typed


def _ranking(html: str) -> list[list]:
    found = re.search(r'<script type="application/json" id="rank-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _corpus(count: int) -> Report:
    """``count`` copies of the fixture document under distinct paths, originality falling."""
    doc = typed(fixture_report()).documents[0]
    docs = tuple(
        dataclasses.replace(doc, path=f"submissions/第{i:02d}份.txt", originality=round(1 - i / (count + 1), 4))
        for i in range(count)
    )
    return dataclasses.replace(typed(fixture_report()), command="audit", documents=docs)


def _texts(count: int):
    texts = dict(TEXTS)
    texts.update({f"submissions/第{i:02d}份.txt": SUB_TEXT for i in range(count)})
    return texts.get


def test_the_check_header_has_the_number_time_library_and_cnki_figures():
    report = dataclasses.replace(typed(fixture_report()), checked_at="2024-06-01T10:00:00+08:00")
    html = render_html(report, TEXTS.get)
    assert f'<dd class="number">{report.number}</dd>' in html and report.number.startswith("CC20240601-")
    assert "2024-06-01 10:00:00+08:00" in html and "index.db</span>（2 篇）" in html
    for label in (
        "总文字复制比",
        "去除本人文献复制比",
        "单篇最大文字复制比",
        "重复字数 / 总字数",
        "疑似段落数 / 总段落数",
    ):
        assert f'<span class="l">{label}</span>' in html
    assert re.search(r'<li class="fig bad"><span class="v">51\.3%</span><span class="l">单篇最大文字复制比', html)


def test_the_report_number_is_stable_and_tells_runs_apart():
    report = typed(fixture_report())
    first = dataclasses.replace(report, checked_at="2024-06-01T10:00:00+08:00")
    assert first.number == dataclasses.replace(report, checked_at="2024-06-01T10:00:00+08:00").number
    assert first.number != dataclasses.replace(report, checked_at="2024-06-01T10:00:01+08:00").number
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", time_of_check())


def test_passages_are_located_by_section_and_paragraph_with_their_text():
    page = Page(render_html(typed(fixture_report()), TEXTS.get))
    rows = page.table_rows["passages"][1:]
    first = rows[0]
    assert first[1].startswith("一、加强组织领导，落实工作责任 · 第3段")
    assert "全年组织专项检查25余次" in first[1]
    assert first[2].startswith("corpus/市司法局創衛工作總結.txt".rsplit("/", 1)[-1])
    assert "第3段" in first[2] and "全年組織專項檢查30餘次" in first[2]
    assert "市司法局 → 县交通运输局" in first[4] and "30余次 → 25余次" in first[4]


def test_a_corpus_opens_on_an_overview_sorted_least_original_first():
    report = _corpus(5)
    html = render_html(report, _texts(5))
    rows = _ranking(html)
    assert [r[1] for r in rows] == [d.path for d in report.documents]  # sources in corpus/: no common root
    assert [r[11] for r in rows] == [f"#doc-{i}" for i in range(5)]
    assert 'id="rank-table"' in html and html.count('class="hist"') == 2


def test_a_large_corpus_is_a_folder_of_pages_and_the_overview_carries_no_text():
    report = _corpus(6)
    pages = dict(HtmlFormatter(5, single_file_max=5).render_pages(report, _texts(6), "audit.html"))
    assert sorted(pages) == ["", *[f"audit.files/d{i:05d}.html" for i in range(6)]]
    overview = pages[""]
    assert "全年组织专项检查25余次" not in overview and 'id="doc-' not in overview
    assert [r[11] for r in _ranking(overview)] == [f"audit.files/d{i:05d}.html" for i in range(6)]
    page = pages["audit.files/d00003.html"]
    assert "第03份.txt" in page and '<a href="../audit.html">' in page and "全年组织专项检查25余次" in page
    assert f'<dd class="number">{report.number}</dd>' in page  # the whole report's number on every page
    small = dict(HtmlFormatter(5, single_file_max=6).render_pages(report, _texts(6), "audit.html"))
    assert list(small) == [""] and 'id="doc-5"' in small[""]


@pytest.mark.parametrize(("originality", "verdict"), [(0.7999, "FAIL"), (0.8, "PASS")])
def test_the_gate_page_has_a_verdict_against_its_bar(originality, verdict):
    report = _corpus(2)
    docs = (
        dataclasses.replace(report.documents[0], originality=originality, max_source_share=0.1),
        report.documents[1],
    )
    docs = (docs[0], dataclasses.replace(docs[1], originality=0.95, max_source_share=0.05))
    failed = (docs[0].path,) if verdict == "FAIL" else ()
    passed = tuple(d.path for d in docs if d.path not in failed)
    gate = GateSection(".", None, 0.8, 0.15, False, passed, failed, (), ())
    html = render_html(dataclasses.replace(report, command="gate", documents=docs, gate=gate, errors=()), _texts(2))
    assert f'<strong class="verdict">{verdict}</strong>' in html
    assert "原创度 ≥ 80.0%，单篇最大文字复制比 ≤ 15.0%" in html
    rows = {r[1]: r for r in _ranking(html)}
    row = rows[docs[0].path]
    assert row[10] == verdict
    assert row[12] == ("79.99%" if verdict == "FAIL" else "80.0%")  # never "80.0%" for a failure
    assert row[9] == ("bad" if verdict == "FAIL" else "warn")  # colours follow the bar, not fixed grades
