"""What auditors and officials see: review flags, timeliness, the BI tables, the report site's
drill-down and its Data Docs, on both warehouse engines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from provincial_reports import pipeline
from provincial_reports.config import DEFAULT_EXPECTATIONS, settings
from provincial_reports.declarations import DECLARATION, report_types
from provincial_reports.report.html import write_page
from provincial_reports.report.raw_files import site_name
from provincial_reports.report.site import refresh_site
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

DUE_2025_01 = 3300  # minutes from the builders' BASE_TIME (2025-02-03 09:00 UTC) to 2025-02-05 24:00 Beijing time


def run_once() -> list[dict]:
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    return answers


def query(workspace, sql: str, params: tuple = ()) -> list[dict]:
    warehouse = connect(workspace.warehouse_url)
    try:
        return warehouse.query(sql, params)
    finally:
        warehouse.close()


def with_funds(row: dict, total: float) -> dict:
    """The row with its funds set to `total`, split as the template requires."""
    holiday = round(total / 2, 2)
    return {**row, "funds_total": total, "funds_holiday": holiday, "funds_regular": round(total - holiday, 2)}


def flags(workspace) -> list[tuple]:
    rows = query(workspace, "SELECT period, org_unit_code, metric, rule, value, reference_value FROM mart.review_flags")
    return sorted(
        (r["period"], r["org_unit_code"], r["metric"], r["rule"], r["value"], r["reference_value"]) for r in rows
    )


# --- review flags ---------------------------------------------------------------------------------------


def test_factor_of_10_flags_a_yuan_for_10k_yuan_slip_which_still_counts(workspace):
    for month in ("01", "02"):
        upload(
            workspace.landing,
            f"360000/2025-{month}/jiangxi.csv",
            csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000", f"2025-{month}"), 4820)]),
        )
    upload(
        workspace.landing,
        "360000/2025-03/jiangxi.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000", "2025-03"), 48_200_000)]),
    )
    upload(
        workspace.landing,
        "320000/2025-01/jiangsu.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("320000"), 1000)]),
    )
    upload(
        workspace.landing,
        "320000/2025-02/jiangsu.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("320000", "2025-02"), 9999)]),
    )
    upload(
        workspace.landing,
        "330000/2025-01/zhejiang.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("330000"), 1000)]),
    )
    upload(
        workspace.landing,
        "330000/2025-02/zhejiang.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("330000", "2025-02"), 100)]),
    )
    run_once()

    found = flags(workspace)
    assert ("2025-03", "360000", "funds_total", "factor_of_10", Decimal("48200000"), Decimal("4820")) in found
    assert ("2025-02", "330000", "funds_total", "factor_of_10", Decimal("100"), Decimal("1000")) in found, "a tenth too"
    assert not [f for f in found if f[1] == "320000"], "9.999 times the median is not a factor of 10"
    assert {f[2] for f in found if f[1] == "360000"} == {"funds_total", "funds_holiday", "funds_regular"}
    assert not [f for f in found if f[3] == "robust_z"], "robust_z needs three previous periods"
    assert [f[:4] for f in found if f[3] != "factor_of_10"] == [
        ("2025-03", "360000", "funds_total", "expect_column_values_to_be_between")
    ], "besides: the suite's warning on a unit's funds above 50,000 (10k yuan)"
    national = query(
        workspace, "SELECT value FROM mart.national_totals WHERE period = '2025-03' AND metric = 'funds_total'"
    )
    assert national == [{"value": Decimal("48200000")}], "a flag warns, it does not reject"
    detail = query(
        workspace,
        "SELECT detail_en, detail_zh FROM mart.review_flags"
        " WHERE period = '2025-03' AND metric = 'funds_total' AND rule = 'factor_of_10'",
    )
    assert "10000.00 times the median 4820.00" in detail[0]["detail_en"] and "元/万元" in detail[0]["detail_zh"]


def test_robust_z_flags_a_figure_far_from_a_steady_history(workspace):
    history = {"2025-01": 4820, "2025-02": 5000, "2025-03": 4900, "2025-04": 9000, "2025-05": 4950}
    short = {"2025-01": 1000, "2025-02": 1100, "2025-03": 5000}  # z ≈ 53, but only two periods before
    for minute, (period, funds) in enumerate(short.items()):
        jiangsu = with_funds(province_row("320000", period), funds)
        upload(workspace.landing, f"320000/{period}/jiangsu.csv", csv_bytes(WINTER_WARMTH, [jiangsu]), minute)
    for minute, (period, funds) in enumerate(history.items()):
        upload(
            workspace.landing,
            f"360000/{period}/jiangxi.csv",
            csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000", period), funds)]),
            minute,
        )
    run_once()

    found = [f for f in flags(workspace) if f[2] == "funds_total"]
    # 2025-04: median 4900, MAD 80 → z = 0.6745 × 4100 / 80 ≈ 34.6; 2025-05: 4950 against 4860 and MAD 90 → 0.7
    assert found == [("2025-04", "360000", "funds_total", "robust_z", Decimal("9000"), Decimal("4900"))]
    detail = query(workspace, "SELECT detail_en FROM mart.review_flags WHERE metric = 'funds_total'")[0]["detail_en"]
    assert "robust z-score of 34.6" in detail
    assert not [f for f in flags(workspace) if f[2] == "visiting_teams"], "a constant history (MAD 0) flags nothing"


def declared_review(folder: Path, review: str, monkeypatch) -> None:
    """The project's expectations/ in `folder`, winter_warmth's declaration ending in `review:`."""
    shutil.copytree(DEFAULT_EXPECTATIONS, folder)
    declaration = folder / "winter_warmth" / DECLARATION
    declaration.write_text(declaration.read_text(encoding="utf-8") + review, encoding="utf-8")
    monkeypatch.setenv("REPORTS_EXPECTATIONS", str(folder))


def test_the_thresholds_are_the_report_types_declared_ones(workspace, tmp_path, monkeypatch):
    """The same history as above under a declared `review:`: z beyond 40 and two previous periods."""
    review = "review:\n  robust_z: {threshold: 40, min_previous_periods: 2}\n"
    declared_review(tmp_path / "expectations", review, monkeypatch)
    history = {"2025-01": 4820, "2025-02": 5000, "2025-03": 4900, "2025-04": 9000}
    short = {"2025-01": 1000, "2025-02": 1100, "2025-03": 5000}
    for province, funds in (("360000", history), ("320000", short)):
        for minute, (period, total) in enumerate(funds.items()):
            row = with_funds(province_row(province, period), total)
            upload(workspace.landing, f"{province}/{period}/{province}.csv", csv_bytes(WINTER_WARMTH, [row]), minute)
    run_once()

    found = [f for f in flags(workspace) if f[2] == "funds_total"]
    # Jiangsu 2025-03: median 1050, MAD 50 → z ≈ 53.3, now with enough history; Jiangxi's 34.6 is within 40
    assert found == [("2025-03", "320000", "funds_total", "robust_z", Decimal("5000"), Decimal("1050"))]
    detail = query(workspace, "SELECT detail_en, detail_zh FROM mart.review_flags WHERE metric = 'funds_total'")[0]
    assert "(flagged beyond ±40)" in detail["detail_en"] and "超过±40需复核" in detail["detail_zh"]
    rules = query(workspace, "SELECT * FROM core.review_rules WHERE report_type = 'winter_warmth' ORDER BY rule")
    assert rules == [
        {"report_type": "winter_warmth", "rule": "factor_of_10", "threshold": 10.0, "min_previous_periods": 1},
        {"report_type": "winter_warmth", "rule": "robust_z", "threshold": 40.0, "min_previous_periods": 2},
    ]


def test_a_review_section_is_read_from_the_declaration_and_checked(tmp_path, monkeypatch):
    def rules(name: str, review: str) -> dict:
        declared_review(tmp_path / name, review, monkeypatch)
        return {(rt, r.rule): r for rt, t in report_types().items() for r in t.review_rules}

    assert {(r.rule, r.threshold, r.min_previous_periods) for r in rules("plain", "").values()} == {
        ("factor_of_10", 10.0, 1),
        ("robust_z", 3.5, 3),
    }, "no review: section anywhere, today's values"

    found = rules("declared", "review:\n  factor_of_10: {threshold: 5}\n")
    assert found["winter_warmth", "factor_of_10"].threshold == 5.0, "the declared factor"
    assert found["winter_warmth", "factor_of_10"].min_previous_periods == 1, "the default for what it leaves out"
    assert found["relief_disbursements", "factor_of_10"].threshold == 10.0
    for n, wrong in enumerate(("robust-z: {threshold: 5}", "robust_z: {treshold: 5}", "robust_z: {threshold: 0}")):
        with pytest.raises(ValueError, match="winter_warmth"):
            rules(f"wrong-{n}", f"review:\n  {wrong}\n")


def test_only_figures_in_force_are_compared(workspace):
    """A superseded slip is history no more: the corrected file is what the next period meets."""
    upload(
        workspace.landing,
        "360000/2025-01/a.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000"), 48_200_000)]),
        0,
    )
    upload(
        workspace.landing,
        "360000/2025-01/b.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000"), 4820)]),
        5,
    )
    upload(
        workspace.landing,
        "360000/2025-02/a.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("360000", "2025-02"), 4900)]),
        9,
    )
    run_once()
    assert flags(workspace) == []


# --- timeliness and completeness ----------------------------------------------------------------------------


def completeness(workspace, period: str = "2025-01") -> dict[str, dict]:
    rows = query(workspace, "SELECT * FROM mart.completeness WHERE period = ?", (period,))
    return {r["province_code"]: r for r in rows}


def test_on_time_and_late_against_the_declared_due_day(workspace):
    upload(
        workspace.landing, "360000/2025-01/on-time.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")), DUE_2025_01 - 1
    )
    upload(workspace.landing, "320000/2025-01/late.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")), DUE_2025_01)
    bad = province_row("330000")
    bad["job_fairs"] = -1
    upload(workspace.landing, "330000/2025-01/first.csv", csv_bytes(WINTER_WARMTH, [bad]), 0)
    upload(
        workspace.landing,
        "330000/2025-01/corrected.csv",
        csv_bytes(WINTER_WARMTH, valid_rows("330000")),
        DUE_2025_01 + 60,
    )
    upload(workspace.landing, "340000/2025-01/rejected.csv", csv_bytes(WINTER_WARMTH, [bad]), 0)
    run_once()

    cells = completeness(workspace)
    assert len(cells) == 31
    assert cells["360000"]["due_at"] == datetime(2025, 2, 5, 16, 0, tzinfo=UTC)  # the 5th, 24:00 Beijing time
    assert (cells["360000"]["status"], cells["360000"]["on_time"]) == ("accepted", True)
    assert (cells["320000"]["status"], cells["320000"]["on_time"]) == ("accepted", False)
    assert (cells["330000"]["status"], cells["330000"]["on_time"], cells["330000"]["files"]) == (
        "resubmitted",
        False,
        2,
    )
    assert (cells["340000"]["status"], cells["340000"]["on_time"]) == ("rejected", None)
    assert (cells["540000"]["status"], cells["540000"]["files"]) == ("missing", 0)
    files = query(workspace, "SELECT source, due_at, on_time FROM mart.submissions ORDER BY source")
    assert [(f["source"], f["on_time"]) for f in files] == [
        ("320000/2025-01/late.csv", False),
        ("330000/2025-01/corrected.csv", False),
        ("330000/2025-01/first.csv", True),  # rejected, but it arrived in time
        ("340000/2025-01/rejected.csv", True),
        ("360000/2025-01/on-time.csv", True),
    ]
    assert {f["due_at"] for f in files} == {cells["360000"]["due_at"]}, "one deadline, the completeness matrix's"


def test_the_site_lists_provinces_missing_after_the_due_day(workspace):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    run_once()
    site, lake = workspace.site, open_store(str(workspace.lake))
    warehouse = connect(workspace.warehouse_url)
    try:
        refresh_site(warehouse, lake, site, as_of=datetime(2025, 2, 5, 15, 59, tzinfo=UTC))
        before_due = (site / "winter_warmth" / "2025-01.html").read_text()
        refresh_site(warehouse, lake, site, as_of=datetime(2025, 2, 5, 16, 0, tzinfo=UTC))
        after_due = (site / "winter_warmth" / "2025-01.html").read_text()
    finally:
        warehouse.close()
    assert _card(before_due, "overdue") == "0" and "Past the due day" not in before_due
    assert _card(after_due, "overdue") == "30" and "Past the due day: overdue" in after_due
    assert "西藏自治区" in after_due.split('id="overdue"')[1].split("</p>")[0]


def _cards(html: str) -> dict[str, str]:
    return dict(
        (what.split(" · ")[0], big)
        for big, what in re.findall(r'<div class="big">([^<]*)</div><div class="what">([^<]*)</div>', html)
    )


def _card(html: str, what: str) -> str:
    return _cards(html)[what]


# --- the BI tables --------------------------------------------------------------------------------------------


def test_validation_results_hold_every_rule_with_a_sample_of_offending_values(workspace):
    upload(workspace.landing, "360000/2025-01/good.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    bad = province_row("320000")
    bad["job_fairs"] = -3
    bad["funds_regular"] = 1
    upload(workspace.landing, "320000/2025-01/bad.csv", csv_bytes(WINTER_WARMTH, [bad]))
    run_once()

    rows = query(workspace, "SELECT * FROM mart.validation_results ORDER BY source, position")
    good = [r for r in rows if r["source"].endswith("good.csv")]
    failed = {(r["expectation"], r["column_name"]): r for r in rows if not r["success"]}
    assert good and all(r["success"] and r["offending_sample"] is None for r in good)
    assert set(failed) == {
        ("expect_column_values_to_be_between", "job_fairs"),
        ("contract:parts_sum_to_total", "funds_total"),
    }
    negative = failed[("expect_column_values_to_be_between", "job_fairs")]
    assert negative["unexpected_count"] == 1 and json.loads(negative["offending_sample"]) == [-3]
    assert negative["status"] == "rejected" and negative["province_code"] == "320000"
    assert (
        "4,820 ≠ 2,434 + 1" in json.loads(failed[("contract:parts_sum_to_total", "funds_total")]["offending_sample"])[0]
    )
    document = json.loads((workspace.lake / run_results_location(workspace, "bad.csv")).read_text())
    assert len([r for r in rows if r["source"].endswith("bad.csv")]) == len(document["results"])


def run_results_location(workspace, name: str) -> str:
    return query(workspace, "SELECT result_location FROM mart.submissions WHERE source LIKE ?", (f"%{name}",))[0][
        "result_location"
    ]


# --- the site: drill-down, Data Docs, make report --------------------------------------------------------------


class Anchors(HTMLParser):
    """Every id and every link of a page, with the text of the link."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, int] = {}
        self.links: list[str] = []
        self.sources: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "id" in found:
            self.ids[found["id"]] = self.getpos()[0]
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        fetched = tag in ("script", "img", "iframe") or (
            tag == "link" and not (found.get("href") or "").startswith("data:")
        )
        if fetched or found.get("src"):
            self.sources.append(tag)


def build_site(workspace) -> Path:
    warehouse = connect(workspace.warehouse_url)
    try:
        refresh_site(warehouse, open_store(str(workspace.lake)), workspace.site)
    finally:
        warehouse.close()
    return workspace.site


def section(html: str, element_id: str) -> str:
    """The HTML from the element with this id to the next metric or section."""
    start = html.index(f'id="{element_id}"')
    ends = [i for i in (html.find('<div class="metric"', start + 1), html.find("</section>", start)) if i > 0]
    return html[start : min(ends)]


def test_each_national_figure_drills_down_to_province_figures_files_and_validation(workspace):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(
        workspace.landing,
        "320000/2025-01/jiangsu.csv",
        csv_bytes(WINTER_WARMTH, [with_funds(province_row("320000"), 1000)]),
    )
    run_once()
    site = build_site(workspace)
    html = (site / "winter_warmth" / "2025-01.html").read_text()
    page = Anchors(html)

    totals = section(html, "totals")
    assert '<a href="#metric-funds_total">5,820</a>' in totals and "2 / 31" in totals
    chart, figures = section(html, "metric-funds_total").split("<table", 1)
    assert chart.count('class="bar"') == 2
    files = {r["province_code"]: r for r in query(workspace, "SELECT * FROM mart.submissions")}
    for province, value in (("360000", "4,820"), ("320000", "1,000")):
        sid = files[province]["submission_id"]
        row = figures[figures.index(f">{value}</td>") :].split("</tr>")[0]
        assert f'href="#file-{sid}"' in row and f'href="../validation/{sid}.html"' in row
        source = section(html, f"file-{sid}").split("</tr>")[0]
        assert files[province]["source"] in source and files[province]["sha256"] in source
        assert "2025-02-03 17:00" in source, "received time, Beijing time"
        assert (site / "validation" / f"{sid}.html").exists()
    for link in page.links:
        target, _, anchor = link.partition("#")
        if target:
            assert (site / "winter_warmth" / target).resolve().exists(), link
        if anchor and not target:
            assert anchor in page.ids, link
    assert page.sources == [], "self-contained: nothing fetched, no script"


def test_rejected_files_are_listed_with_every_failed_rule_in_plain_words(workspace):
    bad = province_row("320000")
    bad["job_fairs"] = -3
    bad["funds_regular"] = 1
    upload(workspace.landing, "320000/2025-01/bad.csv", csv_bytes(WINTER_WARMTH, [bad]))
    upload(workspace.landing, "nowhere.csv", csv_bytes(WINTER_WARMTH, [bad]))
    run_once()
    site = build_site(workspace)
    rejected = section((site / "winter_warmth" / "2025-01.html").read_text(), "rejected")
    assert "320000/2025-01/bad.csv" in rejected
    assert "招聘会（场） (job_fairs): must not be negative (不能为负数) — row 2: -3" in rejected
    assert "must equal funds_holiday + funds_regular" in rejected
    index = (site / "index.html").read_text()
    assert "nowhere.csv" in index and "province code" in index, "a file outside any folder is on the index"


def test_data_docs_render_only_new_files(workspace):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    run_once()
    site = build_site(workspace)
    first = next((site / "validation").glob("*.html"))
    stamp = first.stat().st_mtime_ns
    first_page = first.read_text()
    assert "Expectation Validation Result" in first_page and Anchors(first_page).sources == []
    assert "row 2" not in first_page

    bad = province_row("320000")
    bad["funds_regular"] = 1
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [bad]))
    run_once()
    warehouse = connect(workspace.warehouse_url)
    try:
        summary = refresh_site(warehouse, open_store(str(workspace.lake)), site)
    finally:
        warehouse.close()
    assert "1 new validation page(s)" in summary
    assert first.stat().st_mtime_ns == stamp, "an existing page is not rendered again"
    second = next(p for p in (site / "validation").glob("*.html") if p != first).read_text()
    assert "must equal funds_holiday + funds_regular" in second and "4,820 ≠ 2,434 + 1" in second
    assert "Expectation Suite" in (site / "suites" / "winter_warmth.html").read_text()


def test_a_raw_copy_in_the_site_is_named_by_its_submission_id_never_by_the_province(workspace):
    """A file's download is raw/<submission id>.<extension of a fixed list>: a province's file name
    never becomes a path in the site, and a page or script it sends is never served as one."""
    upload(workspace.landing, "360000/2025-01/江西 =HYPERLINK(1).CSV", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "320000/2025-01/report.html", b"<script>alert(1)</script>")
    answers = {a["source"].split("/")[0]: a for a in run_once()}
    site = build_site(workspace)

    jiangxi, page = answers["360000"]["submission_id"], answers["320000"]["submission_id"]
    assert sorted(p.name for p in (site / "raw").iterdir()) == sorted([f"{jiangxi}.csv", f"{page}.bin"])
    assert (site / "raw" / f"{page}.bin").read_bytes() == b"<script>alert(1)</script>"
    january = (site / "winter_warmth" / "2025-01.html").read_text(encoding="utf-8")
    assert f'<a href="../raw/{jiangxi}.csv" download>download as received' in january
    assert site_name("abc", "320000/2025-01/x.SVG") == "abc.bin" and site_name("abc", "noextension") == "abc.bin"


def page_text(path: Path) -> str:
    """What a reader sees of a page: its text, tags gone, white space folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_validation_page_names_its_file_and_words_every_rule_in_english_and_chinese(workspace):
    bad = province_row("320000")
    bad["job_fairs"] = -3
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [bad]))
    (answer,) = run_once()
    site = build_site(workspace)

    page = page_text(site / "validation" / f"{answer['submission_id']}.html")
    assert "Data asset: 320000/2025-01/jiangsu.csv" in page
    assert f"Run Name submission {answer['submission_id']}" in page and answer["sha256"] in page
    for gone in ("__none__", "Data asset: None", "Failed Only", "df.filter", "$PARAMETER"):
        assert gone not in page, gone
    assert "must not be negative (不能为负数) — min_value 0.0" in page
    assert "本省所辖城市（XXYY00）的6位代码) — regex ^32\\d{2}00$" in page, "the value it was checked against"
    assert "Expectation Validation Result · 校验结果" in page


@pytest.mark.parametrize("name", ["winter_warmth", "relief_disbursements"])
def test_the_suite_page_lists_every_rule_in_words_and_parameters_by_meaning(workspace, name):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    (answer,) = run_once()
    site = build_site(workspace)

    page = page_text(site / "suites" / f"{name}.html")
    assert "$PARAMETER" not in page
    assert "value_set the upload folder's period (上传目录中的报告期)" in page
    if name == "winter_warmth":  # every rule a file's result holds is on the suite page
        document = json.loads(open_store(str(workspace.lake)).read(answer["result_location"]))
        for result in document["results"]:
            config = result["expectation_config"]
            column = config["kwargs"].get("column") if config["type"].startswith("contract:") else None
            words = f"{column + ': ' if column else ''}{config['meta']['rule_en']} ({config['meta']['rule_zh']})"
            assert words in page, words
    else:  # the rules of rules.yaml, with the declared ages, and the declared cap
        assert "the beneficiary 16 to 120 years old in the period (" in page
        assert "max_value 10000" in page


def test_make_report_rebuilds_the_site_from_the_warehouse_alone(workspace, tmp_path):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    run_once()
    for path in workspace.landing.rglob("*.csv"):
        path.unlink()  # nothing to reprocess: the site comes from the warehouse (and the lake's results)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(root), "-o", ".venv/installed", "report"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (workspace.site / "index.html").exists() and (workspace.site / "winter_warmth" / "2025-01.html").exists()
    assert settings().site == str(workspace.site)
    assert query(workspace, "SELECT count(*) AS n FROM ingest.submissions") == [{"n": 1}]


def test_two_builds_writing_the_same_page_at_once_each_replace_it_whole(tmp_path):
    """Two DAG runs (or `make report` beside one) may redraw the site at the same moment."""
    page = tmp_path / "site" / "winter_warmth" / "2025-01.html"
    contents = {name: f"<html>{name * 100_000}</html>" for name in ("a", "b")}
    errors = []

    def build(name: str) -> None:
        try:
            for _ in range(200):
                write_page(page, contents[name])
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(name,)) for name in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert page.read_text(encoding="utf-8") in contents.values()
    assert [p.name for p in page.parent.iterdir()] == [page.name]  # nothing left aside
