"""The report site in a real browser: headless Chromium opens every page from a local web server,
with no console error, nothing fetched but the page itself, every chart drawn and every link
resolving. Screenshots of the pages are kept in data/test-artefacts/browser/ (or under
REPORTS_TEST_ARTEFACTS) for a person to look at."""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from browser import chromium, chromium_path, serve

from provincial_reports import pipeline
from provincial_reports.declarations import report_types
from provincial_reports.publish import sign_off
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("REPORTS_TEST_ARTEFACTS", ROOT / "data" / "test-artefacts")) / "browser"
METRICS = len(report_types()["winter_warmth"].metrics)
PAGE_FACTS = """({
  links: [...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), document.baseURI).href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  back: [...document.querySelectorAll('.docs-back a')].map(a => a.getAttribute('href')),
  text: document.body.innerText,
  charts: [...document.querySelectorAll('svg.chart')].map(svg => ({
    title: svg.querySelector('title').textContent,
    width: svg.getBoundingClientRect().width,
    height: svg.getBoundingClientRect().height,
    marks: svg.querySelectorAll('rect.bar, circle.dot').length,
    flagged: svg.querySelectorAll('rect.bar.flagged, circle.dot.flagged').length,
    partial: [...svg.querySelectorAll('circle.dot.partial')].map(dot => getComputedStyle(dot).fill),
    lines: [...svg.querySelectorAll('path.trend')].map(path => path.getAttribute('d').split('L').length),
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
        for name, where in (("LANDING", root / "landing"), ("LAKE", root / "lake"), ("SITE", root / "site")):
            env.setenv(f"REPORTS_{name}", str(where))
        env.setenv("REPORTS_WAREHOUSE", f"duckdb:///{root / 'warehouse.duckdb'}")
        upload_history(root / "landing")
        publish_and_revise(root / "landing", root / "held back")
        pipeline.report()
    return root / "site"


LATER = ("320000/2025-04/jiangsu-2025-04.csv", "330000/2025-01/zhejiang-corrected.csv")


def publish_and_revise(landing: Path, aside: Path) -> None:
    """Releases as a reviewer makes them: 2025-01 and 2025-04 released before the last two files
    arrive (Zhejiang's correction, Jiangsu's yuan slip), then 2025-01 again: r2, with Zhejiang in
    it; April's official figure stays r1, which the live, provisional one no longer matches."""
    for source in LATER:
        (aside / source).parent.mkdir(parents=True, exist_ok=True)
        (landing / source).rename(aside / source)  # a rename keeps the arrival time
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    approve("2025-01", "run-1")
    approve("2025-04", "run-2")
    for source in LATER:
        (aside / source).rename(landing / source)
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    approve("2025-01", "run-3")


def approve(period: str, run_id: str) -> None:
    response = {
        "chosen_options": ["Approve"],
        "params_input": {"comment": "early figures for the ministry", "release_at": ""},
        "responded_by_user": {"id": "wang", "name": "Wang Fang"},
        "responded_at": datetime.now(UTC),
    }
    sign_off.decide(sign_off.prepare("winter_warmth", period), response, run_id)


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
            if not url.endswith(".html"):  # a release's downloads: fetched, not shown
                seen[url] = {"status": _status(url), "links": [], "ids": [], "errors": [], "requests": [url]}
                continue
            page.open(url)
            facts = page.evaluate(PAGE_FACTS)
            facts.update(errors=page.errors, requests=page.requests, status=_status(url))
            facts["downloaded"] = {link: _body(link) for link in facts["links"] if is_download(link)}
            seen[url] = facts
            queue.extend(urldefrag(link).url for link in facts["links"] if not is_download(link))
            if _shown(url, base):
                page.screenshot(ARTEFACTS / (url.removeprefix(base).replace("/", "_").removesuffix(".html") + ".png"))
        return {url.removeprefix(base): facts for url, facts in seen.items()}


def is_download(link: str) -> bool:
    """A raw file as received (report.raw_files): fetched, not opened as a page."""
    return "/raw/" in link


def _body(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


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


def test_every_link_resolves_to_a_page_and_an_anchor_on_it(crawl):
    pages = {path: set(facts["ids"]) for path, facts in crawl.items()}
    for path, facts in crawl.items():
        for link in facts["links"]:
            assert link.startswith("http://127.0.0.1:"), f"{path} links outside the site: {link}"
            target, anchor = urldefrag(link.split("/", 3)[3])
            if is_download(link):
                assert facts["downloaded"][link], f"{path}: {link} does not download"
                continue
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


def test_each_data_docs_page_links_back_to_the_pages_that_list_it(crawl):
    """Static pages cannot go back to wherever the reader came from: a file's validation page links
    to its period page, at the file's row, and to the index; the suite page to the index. (That
    every link lands on a page and an anchor on it: test_every_link_resolves_to_a_page_and_an_anchor_on_it.)"""
    validation = {path: facts for path, facts in crawl.items() if path.startswith("validation/")}
    assert validation
    for path, facts in validation.items():
        submission = path.removeprefix("validation/").removesuffix(".html")
        periods = [link for link in facts["back"] if link.startswith("../winter_warmth/")]
        assert len(periods) == 1 and periods[0].endswith(f".html#file-{submission}"), facts["back"]
        assert periods[0].removeprefix("../").split("#")[0] in crawl, "the period page it names is drawn"
        assert facts["back"][-1] == "../index.html"
    assert crawl["suites/winter_warmth.html"]["back"] == ["../index.html"]


def trend(page: dict, metric: str) -> dict:
    return next(c for c in page["charts"] if c["title"].endswith(f" {metric}, national total by period"))


def test_a_trend_never_joins_periods_that_cover_different_provinces(crawl):
    """January's totals cover three provinces (Zhejiang's corrected file), February and March two,
    April's headline funds one (Jiangsu held out): not comparable, so the line joins only February
    and March, and the periods covering fewer than January are hollow, with a note under the chart
    saying what both mean, in English and Chinese."""
    april = crawl["winter_warmth/2025-04.html"]
    assert trend(april, "funds_total")["lines"] == [2], "one line, February to March"
    assert trend(april, "funds_total")["partial"] == ["rgb(255, 255, 255)"] * 3, "February to April hollow"
    assert trend(april, "visiting_teams")["lines"] == [3], "nothing held out: February to April joined"
    assert "the line joins only neighbouring periods whose totals cover the same provinces" in april["text"]
    assert "仅在覆盖省份相同、合计可比的相邻报告期之间连线" in april["text"]


def test_a_files_record_downloads_it_as_received(crawl, site):
    """Every file received whose raw copy is in the (local) lake: its row links to a copy in the
    site, named by its submission id, with the bytes the province sent."""
    january = crawl["winter_warmth/2025-01.html"]
    downloads = january["downloaded"]
    sent = sorted(path.read_bytes() for path in (site.parent / "landing").rglob("2025-01/*.csv"))
    assert len(sent) == 5, "Jiangxi, Jiangsu, Zhejiang twice, Anhui"
    assert sorted(downloads.values()) == sent
    names = [link.rsplit("/", 1)[1] for link in downloads]
    assert sorted(names) == sorted(f"{i.removeprefix('file-')}.csv" for i in january["ids"] if i.startswith("file-"))


def test_the_release_pages_show_official_figures_their_changes_and_downloads(crawl, site):
    assert {
        "releases/winter_warmth/2025-01/r1.html",
        "releases/winter_warmth/2025-01/r2.html",
        "releases/winter_warmth/2025-04/r1.html",
        "releases/winter_warmth/2025-01/r2.csv",
        "releases/winter_warmth/2025-01/r2.xlsx",
    } <= set(crawl)
    r2 = crawl["releases/winter_warmth/2025-01/r2.html"]
    assert {"approval", "downloads", "figures", "changes", "files", "metric-funds_total"} <= set(r2["ids"])
    text = (site / "releases/winter_warmth/2025-01/r2.html").read_text(encoding="utf-8")
    for download in ("r2.csv", "r2.xlsx"):
        digest = hashlib.sha256((site / "releases/winter_warmth/2025-01" / download).read_bytes()).hexdigest()
        assert digest in text, f"the page gives {download}'s sha256"
    assert "浙江省" in text.split('id="changes"')[1].split("</section>")[0], "Zhejiang's correction is the change"
    csv_text = (site / "releases/winter_warmth/2025-01/r2.csv").read_text(encoding="utf-8-sig")
    assert csv_text.count("\n") == 1 + METRICS * 4, "a header, the national figures and three provinces' figures"
    # April's provisional figure moved after its release (Jiangsu's yuan slip): the period page says so.
    april = (site / "winter_warmth/2025-04.html").read_text(encoding="utf-8")
    assert "revised since release r1" in april and "../releases/winter_warmth/2025-04/r1.html" in april
    index = crawl["index.html"]["links"]
    assert any(link.endswith("releases/winter_warmth/2025-01/r2.html") for link in index), "the release history"
    assert list(ARTEFACTS.glob("releases_winter_warmth_2025-01_r2.png"))
