"""The audit overview and the check report in headless Chromium: the ranking
sorts and filters, a family card lists its members, the graph draws the
planted edges, the folder form links each document to its own page, and no
page scrolls sideways at 390 px (a phone) or 1366 px. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import base64
import dataclasses
import re

import pytest

from reports.html import HtmlFormatter
from reports.model import audit_report
from tests.reports.test_html_browser import ARTIFACTS, CHROME_ARGS, long_report

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
NO_SIDEWAYS = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from app.demo import run_demo
    from app.texts import TextLookup

    out = tmp_path_factory.mktemp("demo")
    run = run_demo(out)
    report = audit_report(run.audit, run.corpus, command="demo", checked_at="2024-06-01T10:00:00+08:00")
    return report, TextLookup(run.audit.documents)


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    import shutil
    from pathlib import Path

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).is_file() and Path(chromedriver).is_file()):
        pytest.skip("chromium/chromedriver not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profile')}")
    options.add_argument("--window-size=1366,1000")
    drv = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield drv
    finally:
        drv.quit()


def _at(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _write(tmp_path, pages: dict[str, str], name: str = "report.html"):
    for rel, content in pages.items():
        path = tmp_path / (rel or name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    return tmp_path / name


def _ranking(driver) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "#rank-table tbody tr")
    ]


def _percent(cell: str) -> float:
    return float(cell.rstrip("%"))


def test_the_overview_sorts_filters_and_shows_families_and_edges(chrome, demo_report, tmp_path):
    from selenium.webdriver.common.by import By

    report, texts = demo_report
    page = _write(tmp_path, dict(HtmlFormatter(5).render_pages(report, texts, "report.html")))
    _at(chrome, 1366)
    chrome.get(page.as_uri())
    rows = _ranking(chrome)
    assert len(rows) == len(report.documents)
    values = [_percent(r[4]) for r in rows]
    assert values == sorted(values)  # least original first
    chrome.find_element(By.CSS_SELECTOR, '#rank-table th[data-sort="4"]').click()
    values = [_percent(r[4]) for r in _ranking(chrome)]
    assert values == sorted(values, reverse=True)
    chrome.find_element(By.CSS_SELECTOR, '#rank-table th[data-sort="7"]').click()
    copied = [int(r[7]) for r in _ranking(chrome)]
    assert copied == sorted(copied)

    unit = report.documents[3].meta.unit
    chrome.find_element(By.ID, "rank-filter").send_keys(unit)
    filtered = _ranking(chrome)
    assert filtered and all(unit in " ".join(r) for r in filtered) and len(filtered) < len(rows)
    chrome.find_element(By.ID, "rank-filter").clear()
    chrome.find_element(By.ID, "rank-copying").click()
    assert all(int(r[7]) > 0 for r in _ranking(chrome))

    family = report.audit.families[0]
    card = chrome.find_element(By.ID, f"family-{family.id}")
    listed = [a.get_attribute("title") for a in card.find_elements(By.CSS_SELECTOR, "table.members .path")]
    assert listed == [m.path for m in family.members]
    assert "源头" in card.text
    edges = chrome.find_elements(By.CSS_SELECTOR, "#graph path.edge")
    assert len(edges) == min(len(report.audit.edges), 150)
    relations = {e.get_attribute("class").split()[1] for e in edges}
    assert {"r-template", "r-place"} <= relations

    # a ranking row goes to the document's view, and its passages still find their twins
    link = chrome.find_element(By.CSS_SELECTOR, "#rank-table tbody tr a.path")
    link.click()
    doc = chrome.find_element(By.CSS_SELECTOR, link.get_attribute("href").rsplit("/", 1)[-1].replace("report.html", ""))
    assert doc.is_displayed()
    for width in WIDTHS:
        _at(chrome, width)
        chrome.get(page.as_uri())
        assert chrome.execute_script(NO_SIDEWAYS), f"the overview scrolls sideways at {width} px"
        ARTIFACTS.mkdir(exist_ok=True)
        chrome.save_screenshot(str(ARTIFACTS / f"audit-overview-{width}.png"))
    assert not [e for e in chrome.get_log("browser") if e.get("level") == "SEVERE"]


def test_a_large_corpus_is_a_folder_whose_documents_are_a_click_away(chrome, demo_report, tmp_path):
    from selenium.webdriver.common.by import By

    report, texts = demo_report
    pages = dict(HtmlFormatter(5, single_file_max=4).render_pages(report, texts, "audit.html"))
    assert len(pages) == 1 + len(report.documents)
    assert 'id="doc-' not in pages[""]  # the overview holds no document text
    page = _write(tmp_path, pages, "audit.html")
    _at(chrome, 1366)
    chrome.get(page.as_uri())
    worst = report.ranking()[0].path
    chrome.find_element(By.CSS_SELECTOR, "#rank-table tbody tr a.path").click()
    heading = chrome.find_element(By.CSS_SELECTOR, ".doc h2.path")
    assert heading.text == worst
    assert chrome.find_element(By.CSS_SELECTOR, ".top .number").text == report.number
    chrome.find_element(By.CSS_SELECTOR, ".back a").click()
    assert chrome.find_element(By.ID, "rank-table").is_displayed()


def test_the_check_report_reads_at_390_and_1366_px_and_prints_only_the_pairs(chrome, tmp_path):
    import json

    from selenium.webdriver.common.by import By

    from reports.load import load_report

    raw, texts = long_report()
    report = dataclasses.replace(load_report(json.dumps(raw)), checked_at="2024-06-01T10:00:00+08:00")
    page = _write(tmp_path, dict(HtmlFormatter().render_pages(report, texts.get, "check.html")), "check.html")
    for width in WIDTHS:
        _at(chrome, width)
        chrome.get(page.as_uri())
        assert chrome.execute_script(NO_SIDEWAYS), f"the check report scrolls sideways at {width} px"
        chrome.save_screenshot(str(ARTIFACTS / f"check-report-{width}.png"))
    header = chrome.find_element(By.CSS_SELECTOR, ".top .meta").text
    assert report.number in header and "2024-06-01 10:00:00+08:00" in header and "index.db（2 篇）" in header
    figures = chrome.find_element(By.CSS_SELECTOR, ".figures").text
    for label in (
        "总文字复制比",
        "去除本人文献复制比",
        "单篇最大文字复制比",
        "重复字数 / 总字数",
        "疑似段落数 / 总段落数",
    ):
        assert label in figures
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not chrome.find_element(By.CSS_SELECTOR, ".compare").is_displayed()  # no whole texts on paper
    rows = chrome.find_elements(By.CSS_SELECTOR, "table.passages tbody tr")
    assert rows and all(r.is_displayed() for r in rows)
    assert "第" in rows[0].text and "段" in rows[0].text  # located by paragraph
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    _at(chrome, 1366)
    pdf = base64.b64decode(
        chrome.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})["data"]
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    whole_texts = sum(len(t) for t in texts.values())
    assert 1 <= pages <= 2, (pages, whole_texts)  # the pairs and their context, not the texts (~3,000 characters)
