"""Size and opening time of the audit's HTML report in headless Chromium.

    python bench/report_speed.py --docs 300 [--references 20] [--keep DIR]
    python bench/report_speed.py --docs 10000 --references 0 --keep DIR

Generates a corpus (``--docs`` documents in all, ``--references`` of them
范文), audits it with the same library call as ``chachong audit``, writes
the HTML report as the command line does (one file up to 20 documents, else
an overview page and one page per document) and prints: the time to render
and write it, the overview's size, the folder's size, the largest document
page, and for the overview and the worst document's page the DOM nodes and
the time from navigation to the load event and to the ranking drawn
(Chromium's Navigation Timing), the median of ``--runs`` cold loads.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
TIMING = """
const t = performance.getEntriesByType('navigation')[0];
return [t.loadEventEnd, document.getElementsByTagName('*').length];
"""


def corpus(out: Path, docs: int, references: int, seed: int) -> Path:
    """The generated corpus (with its 范文), or for a large one without 范文 the
    faster generator ``bench/audit_speed.py`` uses."""
    from bench.audit_speed import write_corpus
    from evaluation.synth import SynthConfig, generate_corpus

    if not (out / "submissions").is_dir():
        if references:
            generate_corpus(out, SynthConfig(n_units=docs - references, n_references=references, seed=seed))
        else:
            write_corpus(out, docs, seed)  # its paths start with submissions/
    return out


def write_report(out: Path, html: Path) -> tuple[float, object]:
    from app.audit import run_audit
    from app.check import CorpusInfo, library_name
    from app.texts import TextLookup
    from cli import AUDIT_HTML_SOURCES
    from cli_output import write
    from reports.html import HtmlFormatter
    from reports.model import audit_report, time_of_check

    refs = [out / "references"] if any((out / "references").glob("*")) else []
    result = run_audit([out / "submissions"], refs)
    info = CorpusInfo(library_name([out / "submissions", *refs]), len(result.results) + len(result.references))
    report = audit_report(result, info, checked_at=time_of_check())
    started = time.perf_counter()
    pages = HtmlFormatter(AUDIT_HTML_SOURCES).render_pages(report, TextLookup(result.documents), html.name)
    for name, content in pages:
        write(html.parent / name if name else html, content)
    return time.perf_counter() - started, report


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument("--window-size=1366,900")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def load(page: Path, runs: int) -> tuple[float, int]:
    """Median ms from navigation to the load event (a fresh browser each run), and DOM nodes."""
    times, nodes = [], 0
    for _ in range(runs):
        driver = browser()
        try:
            driver.get(page.as_uri())
            loaded, nodes = driver.execute_script(TIMING)
            times.append(loaded)
        finally:
            driver.quit()
    return statistics.median(times), nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--references", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = corpus(args.keep or Path(tmp) / "corpus", args.docs, args.references, args.seed)
        html = Path(tmp) / "report" / "audit.html"
        seconds, report = write_report(out, html)
        files = [p for p in html.parent.rglob("*.html")]
        pages = [p for p in files if p != html]
        print(
            f"{len(report.documents)} submissions, {len(report.audit.references)} references: "
            f"rendered and written in {seconds:.1f} s"
        )
        print(
            f"overview {html.stat().st_size / 1e6:.2f} MB; {len(pages)} document pages, "
            f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB in all, "
            f"largest {max((p.stat().st_size for p in pages), default=0) / 1e3:.0f} KB"
        )
        ms, nodes = load(html, args.runs)
        print(f"overview: {nodes} DOM nodes, load event at {ms:.0f} ms (median of {args.runs})")
        if pages:
            worst = report.documents.index(min(report.documents, key=lambda d: d.originality))
            page = html.parent / f"audit.files/d{worst:05d}.html"
            ms, nodes = load(page, args.runs)
            print(f"least original document's page: {nodes} DOM nodes, load event at {ms:.0f} ms")


if __name__ == "__main__":
    main()
