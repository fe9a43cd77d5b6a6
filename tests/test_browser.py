"""The report site in a real browser: headless Chromium opens every page from a local web server,
with no console error, nothing fetched but the page itself, every chart drawn and every link
resolving. Screenshots of the pages are kept in data/test-artefacts/browser/ (or under
REPORTS_TEST_ARTEFACTS) for a person to look at."""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from browser import chromium, chromium_path, serve

from provincial_reports import pipeline
from provincial_reports.declarations import report_types
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("REPORTS_TEST_ARTEFACTS", ROOT / "data" / "test-artefacts")) / "browser"
METRICS = len(report_types()["winter_warmth"].metrics)
PAGE_FACTS = """({
  links: [...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), document.baseURI).href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  charts: [...document.querySelectorAll('svg.chart')].map(svg => ({
    title: svg.querySelector('title').textContent,
    width: svg.getBoundingClientRect().width,
    height: svg.getBoundingClientRect().height,
    marks: svg.querySelectorAll('rect.bar, circle.dot').length,
    flagged: svg.querySelectorAll('rect.bar.flagged, circle.dot.flagged').length,
    drawn: [...svg.querySelectorAll('rect.bar')].every(r => r.getBBox().width > 0),
    empty: svg.textContent.includes('no figures reported'),
  })),
})"""


def funds(row: dict, total: float) -> dict:
    holiday = round(total / 2, 2)
    return {**row, "funds_total": total, "funds_holiday": holiday, "funds_regular": round(total - holiday, 2)}


def upload_history(landing: Path) -> None:
    """Four periods: a steady Jiangxi that jumps in April (robust z), a Jiangsu yuan-for-10k-yuan
    slip, a late resubmission, a province rejected only, everyone else missing."""
    for minute, (period, total) in enumerate(
        {"2025-01": 4820, "2025-02": 5000, "2025-03": 4900, "2025-04": 9000}.items()
    ):
        upload(
            landing,
            f"360000/{period}/jiangxi-{period}.csv",
            csv_bytes(WINTER_WARMTH, [funds(province_row("360000", period), total)]),
            minute,
        )
        upload(
            landing,
            f"320000/{period}/jiangsu-{period}.csv",
            csv_bytes(WINTER_WARMTH, valid_rows("320000", period)),
            minute,
        )
    upload(
        landing,
        "320000/2025-04/jiangsu-2025-04.csv",
        csv_bytes(WINTER_WARMTH, [funds(province_row("320000", "2025-04"), 48_200_000)]),
        9,
    )
    bad = province_row("330000")
    bad["job_fairs"] = -3
    upload(landing, "330000/2025-01/zhejiang.csv", csv_bytes(WINTER_WARMTH, [bad]), 0)
    upload(
        landing, "330000/2025-01/zhejiang-corrected.csv", csv_bytes(WINTER_WARMTH, valid_rows("330000")), 4000
    )  # after the due day
    upload(landing, "340000/2025-01/anhui.csv", csv_bytes(WINTER_WARMTH, [bad]), 0)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if not chromium_path():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    root = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as env:
        for name, where in (("LANDING", "landing"), ("LAKE", "lake"), ("SITE", "site"), ("OUTBOX", "outbox")):
            env.setenv(f"REPORTS_{name}", str(root / where))
        env.setenv("REPORTS_WAREHOUSE", f"duckdb:///{root / 'warehouse.duckdb'}")
        upload_history(root / "landing")
        pipeline.load([pipeline.process(a) for a in pipeline.discover()])
        pipeline.report()
        pipeline.reply()  # the provinces' outbox beside the site, for test_the_outbox_pages_open_*
    return root / "site"


@pytest.fixture(scope="module")
def crawl(site: Path) -> dict[str, dict]:
    """Every page reachable from index.html, as Chromium saw it."""
    shutil.rmtree(ARTEFACTS, ignore_errors=True)  # this run's screenshots only
    with serve(site) as base, chromium() as page:
        seen: dict[str, dict] = {}
        queue = [base + "index.html"]
        while queue:
            url = queue.pop(0)
            if url in seen or not url.startswith(base):
                continue
            page.open(url)
            facts = page.evaluate(PAGE_FACTS)
            facts.update(errors=page.errors, requests=page.requests, status=_status(url))
            seen[url] = facts
            queue.extend(urldefrag(link).url for link in facts["links"])
            if _shown(url, base):
                page.screenshot(ARTEFACTS / (url.removeprefix(base).replace("/", "_").removesuffix(".html") + ".png"))
        return {url.removeprefix(base): facts for url, facts in seen.items()}


def _status(url: str) -> int:
    with urllib.request.urlopen(url) as response:
        return response.status


def _shown(url: str, base: str) -> bool:
    """Screenshots of the report pages, the suite and the first validation page opened."""
    path = url.removeprefix(base)
    return not path.startswith("validation/") or not any(ARTEFACTS.glob("validation_*.png"))


def test_every_page_opens_without_a_console_error_or_a_fetch(crawl):
    assert {
        "index.html",
        "winter_warmth/2025-01.html",
        "winter_warmth/2025-04.html",
        "suites/winter_warmth.html",
    } <= set(crawl)
    assert len([p for p in crawl if p.startswith("validation/")]) == 11, "one Data Docs page per file"
    for path, facts in crawl.items():
        assert facts["status"] == 200, path
        assert facts["errors"] == [], f"{path}: {facts['errors']}"
        assert len(facts["requests"]) == 1, f"{path} fetched more than itself: {facts['requests']}"


def test_the_outbox_pages_open_without_a_console_error_or_a_fetch_chinese_first(site):
    """The receipts and status pages a province's people read (reply/), as Chromium shows them."""
    outbox = site.parent / "outbox"
    pages = sorted(str(p.relative_to(outbox)) for p in outbox.rglob("*.html"))
    assert len([p for p in pages if "/receipts/" in p]) == 11 and any(p.endswith("status.html") for p in pages)
    with serve(outbox) as base, chromium() as page:
        for path in pages:
            page.open(base + path)
            assert page.errors == [] and len(page.requests) == 1, f"{path}: {page.errors} {page.requests}"
            title = page.evaluate("document.querySelector('h1').textContent")
            assert title.startswith(("回执", "报送情况")), f"{path}: {title}"


def test_every_link_resolves_to_a_page_and_an_anchor_on_it(crawl):
    pages = {path: set(facts["ids"]) for path, facts in crawl.items()}
    for path, facts in crawl.items():
        for link in facts["links"]:
            assert link.startswith("http://127.0.0.1:"), f"{path} links outside the site: {link}"
            target, anchor = urldefrag(link.split("/", 3)[3])
            assert target in pages, f"{path}: {link} does not resolve"
            assert not anchor or anchor in pages[target], f"{path}: {link} has no #{anchor} on {target}"


def test_the_charts_are_drawn(crawl):
    for period in ("2025-01", "2025-02", "2025-03", "2025-04"):
        charts = crawl[f"winter_warmth/{period}.html"]["charts"]
        assert len(charts) == 2 * METRICS, "a province chart and a trend per metric"
        for chart in charts:
            assert chart["width"] > 100 and chart["height"] > 30, chart["title"]
            assert chart["empty"] or (chart["marks"] > 0 and chart["drawn"]), chart["title"]
    april = {c["title"]: c for c in crawl["winter_warmth/2025-04.html"]["charts"]}
    assert april["送温暖资金总额（万元） funds_total, 2025-04, by province"]["marks"] == 2
    assert april["送温暖资金总额（万元） funds_total, national total by period"]["marks"] == 4
    assert april["送温暖资金总额（万元） funds_total, national total by period"]["flagged"] == 1, "Jiangsu held out"
    assert april["送温暖资金总额（万元） funds_total, 2025-04, by province"]["flagged"] == 2, "and Jiangxi's jump"


def test_the_pages_show_flags_lateness_and_rejections(crawl):
    april = crawl["winter_warmth/2025-04.html"]
    assert {"flags", "rejected", "totals", "files", "metric-funds_total"} <= set(april["ids"])
    index_links = " ".join(crawl["index.html"]["links"])
    assert "winter_warmth/2025-01.html#file-" in index_links, "the matrix links each cell to its file"
    assert list(ARTEFACTS.glob("index.png")) and list(ARTEFACTS.glob("winter_warmth_2025-04.png"))
