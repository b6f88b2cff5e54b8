"""The HTML report: golden rendering, structure, substitution tables, hostile input.

Set CHACHONG_UPDATE_GOLDEN=1 to rewrite tests/reports/golden/*.html after an
intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest

from corpus.errors import ReportError
from detector.diff import passage_edits
from reports.html import render_html
from reports.load import load_report
from reports.model import Report

GOLDEN = Path(__file__).parent / "golden"

SUBMISSION = "submissions/县交通运输局2021年创卫工作总结.txt"
SOURCE_TRAD = "corpus/市司法局創衛工作總結.txt"
SOURCE_PLAIN = "corpus/模板-下一步打算.txt"

# The submission: a simplified-script summary built from a traditional page
# (names and numbers swapped) and a template's closing paragraph.
SUB_TEXT = (
    "县交通运输局2021年创卫工作总结\n"
    "一、加强组织领导，落实工作责任\n"
    "　　今年以来，县交通运输局在县委、县政府的正确领导下，认真开展了创建国家卫生县城各项工作，"
    "全年组织专项检查25余次，取得了明显成效。\n"
    "（一）强化责任落实\n"
    "　　局党组高度重视，调整充实了以局长为组长的领导小组，由局办公室负责日常工作，并将责任具体到人。\n"
    "二、下一步工作打算\n"
    "　　在新的一年里，我们将在县委、县政府的正确领导下，进一步提高认识，增强工作的责任感，确保各项工作常抓不懈。\n"
)
# A traditional-script web page with pinyin annotations.
TRAD_TEXT = (
    "市司法局創(chuàng)衛(wèi)工作總結\n"
    "一、加強組織領導\n"
    "今年以來，市司法局在市委、市政府的正確領導下，認真開展了創(chuàng)建國家衛(wèi)生城市各項工作，"
    "全年組織專項檢查30餘次，取得了明顯成效。\n"
    "（一）強化責任落實\n"
    "局黨委高度重視，調整充實了以局長為組長的領導小組，由局辦公室負責日常工作，並將責任具體到人。\n"
)
PLAIN_TEXT = (
    "二、下一步打算\n我们将在县委、县政府的正确领导下，进一步提高认识，增强工作的责任感，确保各项工作常抓不懈。\n"
)
TEXTS = {SUBMISSION: SUB_TEXT, SOURCE_TRAD: TRAD_TEXT, SOURCE_PLAIN: PLAIN_TEXT}


def _span(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def _match(sub: str, src_path: str, src: str, kind: str = "copy", similarity: float = 0.9) -> dict:
    start, end = _span(SUB_TEXT, sub)
    source_start, source_end = _span(TEXTS[src_path], src)
    return {
        "start": start,
        "end": end,
        "source": src_path,
        "source_start": source_start,
        "source_end": source_end,
        "similarity": similarity,
        "kind": kind,
    }


def fixture_report() -> dict:
    """A hand-made check report: two copies from a traditional page, a copy
    from a template and a stock phrase from the page overlapping it."""
    matches = [
        _match(
            "今年以来，县交通运输局在县委、县政府的正确领导下，认真开展了创建国家卫生县城各项工作，全年组织专项检查25余次，取得了明显成效",
            SOURCE_TRAD,
            "今年以來，市司法局在市委、市政府的正確領導下，認真開展了創(chuàng)建國家衛(wèi)生城市各項工作，全年組織專項檢查30餘次，取得了明顯成效",
            similarity=0.8421,
        ),
        _match(
            "局党组高度重视，调整充实了以局长为组长的领导小组，由局办公室负责日常工作，并将责任具体到人",
            SOURCE_TRAD,
            "局黨委高度重視，調整充實了以局長為組長的領導小組，由局辦公室負責日常工作，並將責任具體到人",
            similarity=0.9667,
        ),
        _match(
            "我们将在县委、县政府的正确领导下，进一步提高认识，增强工作的责任感，确保各项工作常抓不懈",
            SOURCE_PLAIN,
            "我们将在县委、县政府的正确领导下，进一步提高认识，增强工作的责任感，确保各项工作常抓不懈",
            similarity=1.0,
        ),
    ]
    # the stock phrase sits inside the template passage: an overlap of two sources
    phrase = "在县委、县政府的正确领导下"
    stock_start = SUB_TEXT.index(phrase, matches[2]["start"])
    src_start, src_end = _span(TRAD_TEXT, "在市委、市政府的正確領導下")
    matches.append(
        {
            "start": stock_start,
            "end": stock_start + len(phrase),
            "source": SOURCE_TRAD,
            "source_start": src_start,
            "source_end": src_end,
            "similarity": 0.75,
            "kind": "stock",
        }
    )
    matches.sort(key=lambda m: (m["start"], m["end"]))
    sections = [
        {
            "title": "（前言）",
            "start": 0,
            "end": SUB_TEXT.index("一、"),
            "meaningful_chars": 15,
            "copied_chars": 0,
            "share": 0.0,
        },
        {
            "title": "一、加强组织领导，落实工作责任",
            "start": SUB_TEXT.index("一、"),
            "end": SUB_TEXT.index("二、"),
            "meaningful_chars": 120,
            "copied_chars": 95,
            "share": 0.7917,
        },
        {
            "title": "二、下一步工作打算",
            "start": SUB_TEXT.index("二、"),
            "end": len(SUB_TEXT),
            "meaningful_chars": 50,
            "copied_chars": 40,
            "share": 0.8,
        },
    ]
    document = {
        "path": SUBMISSION,
        "chars": len(SUB_TEXT),
        "encoding": "utf-8",
        "format": "txt",
        "sha256": "0" * 64,
        "unit": "县交通运输局",
        "year": 2021,
        "submitted": None,
        "meaningful_chars": 185,
        "originality": 0.2703,
        "max_source_share": 0.5135,
        "max_source": SOURCE_TRAD,
        "copied_chars": 135,
        "stock_chars": 12,
        "matches": matches,
        "sources": [
            {
                "source": SOURCE_TRAD,
                "unit": "市司法局",
                "year": 2020,
                "copied_chars": 95,
                "share": 0.5135,
                "passages": 2,
            },
            {"source": SOURCE_PLAIN, "unit": None, "year": None, "copied_chars": 40, "share": 0.2162, "passages": 1},
        ],
        "sections": sections,
        "warnings": ["metadata: year guessed from the file name"],
    }
    return {
        "schema": "chachong/report-v1",
        "tool": {"name": "chachong", "version": "0.1.0"},
        "command": "check",
        "index": {"path": "index.db", "documents": 2},
        "documents": [document],
        "errors": [{"path": "submissions/broken.doc", "reason": "not a Word document (bad OLE header)"}],
    }


def typed(report: dict) -> Report:
    """The typed report of a report-v1 dict, as ``chachong report`` loads a saved one."""
    return load_report(json.dumps(report, ensure_ascii=False))


def fixture_html() -> str:
    return render_html(typed(fixture_report()), TEXTS.get)


# -- an HTML walker for structural checks -------------------------------------------------


class Page(HTMLParser):
    """Tags, scripts, and the match ids seen in the left and right panes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.side: dict[str, set[int]] = {"left": set(), "right": set()}
        self.first_label: dict[tuple[str, int], str] = {}
        self.ids: list[str] = []
        self._divs: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []
        self.table_rows: dict[str, list[list[str]]] = {}
        self._table: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def _pane(self) -> str | None:
        for cls in reversed(self._divs):
            if "pane" in cls.split():
                return "left" if "left" in cls.split() else "right"
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "div":
            self._divs.append(a.get("class") or "")
        if tag == "script":
            self._script, self._script_text = a, []
        if tag == "table":
            self._table.append((a.get("class") or "").split()[0] if a.get("class") else "")
        if tag == "tr":
            self._row = []
        if tag in ("td", "th"):
            self._cell = []
        side = self._pane()
        if side and a.get("data-m"):
            for j in a["data-m"].split():
                self.side[side].add(int(j))
                if a.get("data-n"):
                    self.first_label.setdefault((side, int(j)), a["data-n"])

    def handle_endtag(self, tag):
        if tag == "div" and self._divs:
            self._divs.pop()
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and self._table:
            self.table_rows.setdefault(self._table[-1], []).append(self._row)
            self._row = None
        if tag == "table" and self._table:
            self._table.pop()

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        if self._cell is not None:
            self._cell.append(data)


# -- golden and structure ------------------------------------------------------------------


def _markup_only(html: str) -> str:
    """The page without the inlined stylesheet and script, which are
    report.css and report.js verbatim (the golden file need not copy them)."""
    css = files("reports.html").joinpath("templates", "report.css").read_text(encoding="utf-8")
    js = files("reports.html").joinpath("templates", "report.js").read_text(encoding="utf-8")
    assert css.strip() in html and js.strip() in html, "the page inlines report.css and report.js"
    return html.replace(css.strip(), "/* report.css */").replace(js.strip(), "/* report.js */")


def test_golden_file():
    html = _markup_only(fixture_html())
    golden = GOLDEN / "check-report.html"
    if os.environ.get("CHACHONG_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(html.encode("utf-8"))
    assert golden.is_file(), "golden file missing: run with CHACHONG_UPDATE_GOLDEN=1"
    assert html == golden.read_bytes().decode("utf-8"), (
        "HTML differs from tests/reports/golden/check-report.html; "
        "if the change is intended, rerun with CHACHONG_UPDATE_GOLDEN=1 and review the diff"
    )


def test_rendering_is_deterministic():
    assert fixture_html() == fixture_html()


def test_every_match_is_on_both_sides():
    page = Page(fixture_html())
    n = len(fixture_report()["documents"][0]["matches"])
    assert page.side["left"] == set(range(n))
    assert page.side["right"] == set(range(n))
    for j in range(n):
        assert f"d0m{j}L" in page.ids and f"d0m{j}R" in page.ids
    assert len(page.ids) == len(set(page.ids)), "duplicate element ids"
    # copy passages are numbered alike on both sides
    for (side, j), label in page.first_label.items():
        assert page.first_label.get(("right" if side == "left" else "left", j)) == label


def test_substitution_table_lists_the_planted_swaps():
    page = Page(fixture_html())
    rows = {(r[0], r[1]) for r in page.table_rows["edits-table"][1:]}
    cells = {r[0] for r in page.table_rows["edits-table"][1:]}
    assert ("市司法局 → 县交通运输局", "文字") in rows
    assert ("30余次 → 25余次", "数字") in rows
    assert "党委 → 党组" in cells
    assert "市委 → 县委" in cells and "市政府 → 县政府" in cells
    # script folding and pinyin annotations are not edits
    assert not any("並" in c or "(" in c or "chuàng" in c for c in cells)
    # per passage too: the first passage carries the number swap
    passages = page.table_rows["passages"]
    assert "30余次 → 25余次" in passages[1][-1]


def test_stock_overlap_and_diff_markup():
    html = fixture_html()
    assert 'class="m stock"' in html  # stock phrasing in grey, not a passage colour
    assert 'class="ov"' in html or 'class="stock ov"' in html  # the other source's passage, lightly
    assert "d-sub" in html and "nz" in html
    # the traditional page is shown as submitted
    assert "認真開展了創" in html and "(chuàng)" in html
    page = Page(html)
    headings = [t for t in page.tags if t == "p"]
    assert headings and 'class="hd hd1' in html and 'class="hd hd2' in html
    assert "not a Word document (bad OLE header)" in html  # errors[] are shown


def test_passage_edits_folds_script_and_skips_pinyin():
    edits = passage_edits("县交通运输局组织检查25余次", "市司法局組(zǔ)織檢查30餘次")
    assert [(e.before, e.after) for e in edits] == [("市司法局", "县交通运输局"), ("30余次", "25余次")]
    assert passage_edits("并将责任具体到人。", "並將責任具體到人，") == []


def test_self_contained_and_printable():
    html = fixture_html()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "@media print" in html and "size: A4" in html
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html


def test_templates_ship_as_package_data():
    names = {p.name for p in files("reports.html").joinpath("templates").iterdir()}
    assert {"report.html.j2", "report.css", "report.js"} <= names


def test_max_sources_caps_the_side_by_side_views():
    html = render_html(typed(fixture_report()), TEXTS.get, max_sources=1)
    page = Page(html)
    assert html.count('class="pair') == 1 and "另有 1 个较小的来源未展开对照" in html
    template_j = next(
        j for j, m in enumerate(fixture_report()["documents"][0]["matches"]) if m["source"] == SOURCE_PLAIN
    )
    assert template_j not in page.side["right"]
    assert f'href="#d0p{template_j}" data-j="{template_j}"' in html  # the strip links to the table row
    assert f"d0p{template_j}" in page.ids
    assert ("市司法局 → 县交通运输局", "文字") in {(r[0], r[1]) for r in page.table_rows["edits-table"][1:]}


# -- degraded input ---------------------------------------------------------------------------


def test_missing_texts_show_offsets_with_a_notice():
    html = render_html(typed(fixture_report()), lambda path: None)
    assert "文本不可用" in html
    page = Page(html)
    assert page.side == {"left": set(), "right": set()}
    assert 'class="offsets"' in html


def test_missing_source_keeps_the_submission_highlighted():
    texts = {SUBMISSION: SUB_TEXT}
    html = render_html(typed(fixture_report()), texts.get)
    page = Page(html)
    assert page.side["left"] == {0, 1, 2, 3} and page.side["right"] == set()
    assert 'class="offsets"' in html


def test_stale_text_and_failing_loader_are_reported():
    def loader(path):
        if path == SOURCE_PLAIN:
            raise OSError("disk gone")
        return SUB_TEXT + "改" if path == SUBMISSION else TEXTS[path]

    html = render_html(typed(fixture_report()), loader)
    assert "文本与报告不符" in html and "disk gone" in html


def test_unknown_keys_and_several_documents():
    report = fixture_report()
    second = json.loads(json.dumps(report["documents"][0]))
    second["path"] = "submissions/other.txt"
    second["matches"], second["sources"] = [], []
    report["documents"].append(second)
    report["documents"][0]["future_field"] = {"nested": True}
    report["future_section"] = {"x": [1, 2]}
    texts = dict(TEXTS)
    texts["submissions/other.txt"] = SUB_TEXT
    html = render_html(typed(report), texts.get)
    assert 'id="doc-0"' in html and 'id="doc-1"' in html
    ranking = json.loads(re.search(r"<script type=\"application/json\" id=\"rank-data\">(.*?)</script>", html, re.S).group(1))
    assert [row[11] for row in ranking] == ["#doc-0", "#doc-1"]  # the ranking links to each section
    assert render_html(Report("check", ()), texts.get)
    report["families"] = {"x": [1, 2]}  # a known section in the wrong shape is an error, not half a page
    with pytest.raises(ReportError, match="families"):
        typed(report)


def test_the_seed_pages(seeds_dir):
    """End to end on the real pages: 002 copies two passages of traditional 000."""
    from corpus.read import read_document
    from detector.compare import compare_document
    from index.corpus import prepare
    from index.sqlite import IndexStore
    from tests.conftest import SEED_000, SEED_002

    source, submission = read_document(seeds_dir / SEED_000), read_document(seeds_dir / SEED_002)
    store = IndexStore(":memory:")
    store.add([prepare(source, store.params)])
    report = Report("check", (compare_document(submission, store),))
    texts = {source.path: source.text, submission.path: submission.text}
    html = render_html(report, texts.get)
    page = Page(html)
    n = len(report.documents[0].matches)
    assert n and page.side["left"] == page.side["right"] == set(range(n))
    assert "衛" in html  # the source is shown in its own script


# -- hostile input -----------------------------------------------------------------------------

EVIL_PATH = 'evil</script><script>alert("p")</script>.txt'
EVIL_SOURCE = "ref/</textarea><b>src</b>&amp;.txt"
EVIL_TEXT = (
    "一、<script>alert(1)</script>标题\n"
    "正文</textarea>\"quotes' & <b>bold</b> 铃\x07色\x1b[31m红\u2028行</script><!-- c -->]]>\n"
)
EVIL_SRC_TEXT = "来源<img src=x onerror=alert(3)>\"quotes' & <b>bold</b> 铃\x07色\x1b[31m红</script>\n"


def _evil_report() -> dict:
    start = EVIL_TEXT.index("正文")
    s_start = EVIL_SRC_TEXT.index('"quotes')
    return {
        "schema": "chachong/report-v1",
        "tool": {"name": "chachong<script>", "version": "0.1.0</script><b>"},
        "command": "check<b>",
        "index": {"path": "</script><b>idx", "documents": 2},
        "documents": [
            {
                "path": EVIL_PATH,
                "chars": len(EVIL_TEXT),
                "encoding": "utf-8<b>",
                "format": "txt",
                "sha256": "x",
                "unit": "</script><b>单位</b>",
                "year": 2020,
                "submitted": None,
                "meaningful_chars": 30,
                "originality": 0.5,
                "max_source_share": 0.5,
                "max_source": EVIL_SOURCE,
                "copied_chars": 15,
                "stock_chars": 0,
                "matches": [
                    {
                        "start": start,
                        "end": len(EVIL_TEXT) - 1,
                        "source": EVIL_SOURCE,
                        "source_start": s_start,
                        "source_end": len(EVIL_SRC_TEXT) - 1,
                        "similarity": 0.5,
                        "kind": "copy",
                    },
                ],
                "sources": [
                    {
                        "source": EVIL_SOURCE,
                        "unit": "<script>u</script>",
                        "year": None,
                        "copied_chars": 15,
                        "share": 0.5,
                        "passages": 1,
                    }
                ],
                "sections": [
                    {
                        "title": "一、<script>alert(1)</script>标题",
                        "start": 0,
                        "end": len(EVIL_TEXT),
                        "meaningful_chars": 30,
                        "copied_chars": 15,
                        "share": 0.5,
                    }
                ],
                "warnings": ["<script>alert('w')</script>"],
            }
        ],
        "errors": [{"path": "</script><b>bad.doc", "reason": "<img src=x onerror=alert(4)>"}],
    }


def test_hostile_document_cannot_inject_markup():
    evil_texts = {EVIL_PATH: EVIL_TEXT, EVIL_SOURCE: EVIL_SRC_TEXT}
    html = render_html(typed(_evil_report()), evil_texts.get)
    page = Page(html)
    # only the page's own elements
    assert not {"b", "img", "textarea"} & set(page.tags)
    assert page.tags.count("script") == 3
    (head_attrs, head_js), (data_attrs, data_js), (main_attrs, main_js) = page.scripts
    assert head_js == 'document.documentElement.classList.add("js");'
    assert data_attrs == {"type": "application/json", "id": "chachong-data"}
    json.loads(data_js)  # the inline data is complete JSON: nothing closed the script early
    own_js = files("reports.html").joinpath("templates", "report.js").read_text(encoding="utf-8")
    assert main_js.strip() == own_js.strip()
    # the hostile strings are shown, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "正文&lt;/textarea&gt;" in html
    assert "&#34;quotes&#39; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(4)&gt;" in html
    # control characters are drawn, not emitted
    assert "\x07" not in html and "\x1b" not in html
    assert "铃␇色␛[31m红" in html
    # and the comment/CDATA openers in the text stay text
    assert "<!-- c -->" not in html and "&lt;!-- c --&gt;" in html
