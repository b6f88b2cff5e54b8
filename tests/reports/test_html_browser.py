"""The HTML report in a real browser: twins, source picker, scroll linking.

Drives the Debian chromium + chromium-driver packages headless through
selenium (never selenium-manager: there is no network). Skips when they are
not installed: ``apt-get install -y chromium chromium-driver``. Leaves a
screenshot in test-artifacts/html-report.png.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from bench.report_speed import CHROME_ARGS  # one set of headless flags for the tests and the benchmark
from reports.html import render_html
from reports.load import load_report

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

SUBMISSION = "submissions/县交通运输局2021年工作总结.txt"
SOURCE_TRAD = "corpus/市司法局創衛工作總結.txt"
SOURCE_PLAIN = "corpus/模板.txt"

COPY_SUB = "今年以来，县交通运输局在县委、县政府的正确领导下，认真开展了创建国家卫生县城各项工作，全年组织专项检查25余次，取得了明显成效"
COPY_SRC = "今年以來，市司法局在市委、市政府的正確領導下，認真開展了創(chuàng)建國家衛(wèi)生城市各項工作，全年組織專項檢查30餘次，取得了明顯成效"
TEMPLATE = "我们将在县委、县政府的正确领导下，进一步提高认识，增强工作的责任感，确保各项工作常抓不懈"


def _filler(tag: str, count: int) -> list[str]:
    return [
        f"　　{tag}第{n}项工作按计划推进，完成年度任务的{n * 3}%，群众满意度稳步提升，台账资料齐全。"
        for n in range(1, count + 1)
    ]


def _span(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def long_report() -> tuple[dict, dict[str, str]]:
    """The copied passage sits low in the submission and high in its source,
    so a click on one side must scroll the other."""
    sub = (
        "\n".join(
            ["县交通运输局2021年工作总结", "一、主要工作"]
            + _filler("本局", 30)
            + ["二、创卫工作", COPY_SUB + "。"]
            + _filler("交通", 12)
            + ["三、下一步打算", "　　在新的一年里，" + TEMPLATE + "。"]
            + _filler("明年", 6)
        )
        + "\n"
    )
    trad = "\n".join(["市司法局創衛工作總結", "一、加強組織領導", COPY_SRC + "。"] + _filler("司法", 40)) + "\n"
    plain = "\n".join(["模板"] + _filler("模板", 20) + ["二、下一步打算", TEMPLATE + "。"]) + "\n"
    texts = {SUBMISSION: sub, SOURCE_TRAD: trad, SOURCE_PLAIN: plain}

    def match(passage, source, source_passage, kind="copy"):
        start, end = _span(sub, passage)
        source_start, source_end = _span(texts[source], source_passage)
        return {
            "start": start,
            "end": end,
            "source": source,
            "source_start": source_start,
            "source_end": source_end,
            "similarity": 0.9,
            "kind": kind,
        }

    matches = [match(COPY_SUB, SOURCE_TRAD, COPY_SRC), match(TEMPLATE, SOURCE_PLAIN, TEMPLATE)]
    phrase = "在县委、县政府的正确领导下"
    stock = sub.index(phrase, matches[1]["start"])
    s_start, s_end = _span(trad, "在市委、市政府的正確領導下")
    matches.append(
        {
            "start": stock,
            "end": stock + len(phrase),
            "source": SOURCE_TRAD,
            "source_start": s_start,
            "source_end": s_end,
            "similarity": 0.7,
            "kind": "stock",
        }
    )
    matches.sort(key=lambda m: (m["start"], m["end"]))
    doc = {
        "path": SUBMISSION,
        "chars": len(sub),
        "encoding": "utf-8",
        "format": "txt",
        "sha256": "0" * 64,
        "unit": "县交通运输局",
        "year": 2021,
        "submitted": None,
        "meaningful_chars": 1500,
        "originality": 0.9,
        "max_source_share": 0.06,
        "max_source": SOURCE_TRAD,
        "copied_chars": 110,
        "stock_chars": 12,
        "matches": matches,
        "sources": [
            {"source": SOURCE_TRAD, "unit": "市司法局", "year": 2020, "copied_chars": 64, "share": 0.06, "passages": 1},
            {"source": SOURCE_PLAIN, "unit": None, "year": None, "copied_chars": 46, "share": 0.04, "passages": 1},
        ],
        "sections": [],
        "warnings": [],
    }
    report = {
        "schema": "chachong/report-v1",
        "tool": {"name": "chachong", "version": "0.1.0"},
        "command": "check",
        "index": {"path": "index.db", "documents": 2},
        "documents": [doc],
        "errors": [],
    }
    return report, texts


@pytest.fixture
def driver(tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).is_file() and Path(chromedriver).is_file()):
        pytest.skip("chromium/chromedriver not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path / 'chrome-profile'}")
    options.add_argument("--window-size=1400,1500")
    drv = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield drv
    finally:
        drv.quit()


IN_VIEW = """
const el = arguments[0], pane = el.closest('.pane');
const r = el.getBoundingClientRect(), p = pane.getBoundingClientRect();
return r.top >= p.top - 1 && r.bottom <= p.bottom + 1 && r.height > 0;
"""


def _classes(element) -> set[str]:
    return set((element.get_attribute("class") or "").split())


def test_twins_picker_and_scroll_linking(driver, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    report, texts = long_report()
    page = tmp_path / "report.html"
    page.write_bytes(render_html(load_report(json.dumps(report)), texts.get).encode("utf-8"))
    driver.get(page.as_uri())
    copy_j = next(
        j for j, m in enumerate(report["documents"][0]["matches"]) if m["source"] == SOURCE_TRAD and m["kind"] == "copy"
    )
    template_j = next(j for j, m in enumerate(report["documents"][0]["matches"]) if m["source"] == SOURCE_PLAIN)

    # the page's own script ran and shows only the first source's pair
    pairs = driver.find_elements(By.CSS_SELECTOR, ".pair")
    assert [p.is_displayed() for p in pairs] == [True, False]

    # click a passage on the left: its twin on the right is activated and scrolled into view
    left = driver.find_element(By.CSS_SELECTOR, f'.pair[data-k="0"] .pane.left [data-m~="{copy_j}"]')
    twin = driver.find_element(By.CSS_SELECTOR, f'.pair[data-k="0"] .pane.right [data-m~="{copy_j}"]')
    right_pane = driver.find_element(By.CSS_SELECTOR, '.pair[data-k="0"] .pane.right')
    driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", right_pane)
    assert not driver.execute_script(IN_VIEW, twin), "the twin should start out of view"
    left.click()
    time.sleep(0.2)
    assert "active" in _classes(left)
    twins = driver.find_elements(By.CSS_SELECTOR, f'.pair[data-k="0"] .pane.right [data-m~="{copy_j}"]')
    assert twins and all("active" in _classes(t) for t in twins)
    assert driver.execute_script(IN_VIEW, twin)
    assert "d-sub" in _classes(driver.find_element(By.CSS_SELECTOR, '.pair[data-k="0"] .pane.right .d-sub'))

    # scrolling the left pane on past the passage drags the right one along
    left_pane = driver.find_element(By.CSS_SELECTOR, '.pair[data-k="0"] .pane.left')
    scroll_top = "return arguments[0].scrollTop"
    left_before = driver.execute_script(scroll_top, left_pane)
    right_before = driver.execute_script(scroll_top, right_pane)
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(left_pane), 0, 1500).perform()
    time.sleep(0.5)
    assert driver.execute_script(scroll_top, left_pane) > left_before
    assert driver.execute_script(scroll_top, right_pane) > right_before

    # the source picker switches the right pane
    Select(driver.find_element(By.CSS_SELECTOR, "select.src-picker")).select_by_value("1")
    time.sleep(0.1)
    assert [p.is_displayed() for p in pairs] == [False, True]
    left2 = driver.find_element(By.CSS_SELECTOR, f'.pair[data-k="1"] .pane.left [data-m~="{template_j}"]')
    left2.click()
    time.sleep(0.2)
    twin2 = driver.find_element(By.CSS_SELECTOR, f'.pair[data-k="1"] .pane.right [data-m~="{template_j}"]')
    assert "active" in _classes(twin2) and driver.execute_script(IN_VIEW, twin2)
    assert "active" not in _classes(left), "activating a passage clears the previous one"

    # an overlap drawn from another source switches to that source's view
    driver.find_element(By.CSS_SELECTOR, f'.pair[data-k="1"] .pane.left [data-o~="{copy_j}"]').click()
    time.sleep(0.2)
    assert [p.is_displayed() for p in pairs] == [True, False]
    assert "active" in _classes(twin) and driver.execute_script(IN_VIEW, twin)
    Select(driver.find_element(By.CSS_SELECTOR, "select.src-picker")).select_by_value("1")
    time.sleep(0.1)
    assert [p.is_displayed() for p in pairs] == [False, True]
    assert not driver.find_elements(By.CSS_SELECTOR, ".doc .active"), "switching sources clears the highlight"

    # a segment of the strip switches back to the first source and jumps to the passage
    driver.find_element(By.CSS_SELECTOR, f'.strip .seg[data-j="{copy_j}"]').click()
    time.sleep(0.2)
    assert [p.is_displayed() for p in pairs] == [True, False]
    assert (
        Select(driver.find_element(By.CSS_SELECTOR, "select.src-picker")).first_selected_option.get_attribute("value")
        == "0"
    )
    assert "active" in _classes(twin) and driver.execute_script(IN_VIEW, twin)
    assert driver.execute_script(IN_VIEW, left)

    ARTIFACTS.mkdir(exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(ARTIFACTS / "html-report.png"))
    assert (ARTIFACTS / "html-report.png").stat().st_size > 10_000
    assert not [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
