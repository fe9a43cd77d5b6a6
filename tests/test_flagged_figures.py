"""A flagged figure is marked wherever it travels (issue 14, item 6), on both engines: the national
totals count the provinces under review and give the sum without them; a money figure flagged as a
factor-of-10 slip is held out of the headline figure (pages, `cli show`) until a reviewer clears
it with `cli review clear`; the exports, the index page, the trend and the file's own validation
page say so."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from provincial_reports import cli, pipeline
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row
from provincial_reports.tools.export import export_marts

JIANGSU_IN_YUAN = Decimal(48_200_000)  # 4,820 (10k yuan) typed in yuan
TOTALS = "SELECT * FROM mart.national_totals WHERE period = '2025-02' AND metric = ?"


def in_yuan(row: dict) -> dict:
    """The funds typed in yuan (10,000 times), and ten times the hardship workers: a count flagged too."""
    funds = {k: row[k] * 10000 for k in ("funds_total", "funds_holiday", "funds_regular")}
    return {**row, **funds, "workers_hardship": row["workers_hardship"] * 10}


def load_two_months(workspace) -> None:
    """Jiangxi and Jiangsu in January and February; Jiangsu's February funds typed in yuan."""
    for period in ("2025-01", "2025-02"):
        rows = [province_row("360000", period)]
        upload(workspace.landing, f"360000/{period}/jiangxi.csv", csv_bytes(WINTER_WARMTH, rows))
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [province_row("320000")]))
    february = in_yuan(province_row("320000", "2025-02"))
    upload(workspace.landing, "320000/2025-02/jiangsu.csv", csv_bytes(WINTER_WARMTH, [february]))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])


def query(workspace, sql: str, params: tuple = ()) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return warehouse.query(sql, params)


def total(workspace, metric: str) -> dict:
    [row] = query(workspace, TOTALS, (metric,))
    return row


def clear(target: str) -> int:
    return cli.main(["review", "clear", target, "--by", "Wang Fang", "--note", "checked with Jiangsu: yuan"])


def test_a_total_counts_its_flagged_provinces_and_holds_out_a_money_slip(workspace):
    load_two_months(workspace)
    funds = total(workspace, "funds_total")
    assert funds["value"] == JIANGSU_IN_YUAN + 4820, "value keeps its meaning: every figure in force"
    assert (funds["provinces_flagged"], funds["value_excluding_flagged"]) == (1, Decimal(4820))
    assert (funds["provinces_held_out"], funds["value_headline"]) == (1, Decimal(4820))
    people = total(workspace, "workers_hardship")
    assert people["provinces_flagged"] == 1 and people["value_excluding_flagged"] == 300
    assert people["provinces_held_out"] == 0 and people["value_headline"] == people["value"] == 3300, (
        "a count flagged as a factor of 10 is marked, not held out"
    )
    quiet = total(workspace, "visiting_teams")
    assert (quiet["provinces_flagged"], quiet["value_excluding_flagged"], quiet["value_headline"]) == (
        0,
        quiet["value"],
        quiet["value"],
    )


def test_a_cleared_flag_no_longer_holds_its_figure_out(workspace, capsys):
    load_two_months(workspace)
    assert clear("320000/2025-02/nothing") == 2, "a target naming no undecided flag clears nothing"
    assert cli.main(["review", "clear", "320000/2025-02/funds_total", "--note", " "]) == 2, "a note is required"
    assert clear("320000/2025-02/funds_total") == 0
    assert "cleared" in capsys.readouterr().out
    assert clear("320000/2025-02/funds_total") == 2, "a decision is final: the flag awaits none any more"
    funds = total(workspace, "funds_total")
    assert funds["value_headline"] == funds["value"] == JIANGSU_IN_YUAN + 4820
    assert funds["provinces_flagged"] == funds["provinces_held_out"] == 0
    assert total(workspace, "funds_holiday")["provinces_held_out"] == 1, "only the figure cleared"
    flags = query(workspace, "SELECT * FROM mart.review_flags WHERE metric = 'funds_total' ORDER BY rule")
    assert [f["rule"] for f in flags] == ["expect_column_values_to_be_between", "factor_of_10"], (
        "the suite's warning on funds above 50,000 (10k yuan) beside the history's flag: both cleared"
    )
    for flag in flags:
        assert (flag["state"], flag["decided_by"], flag["holds_figure_out"]) == ("cleared", "Wang Fang", False)
        assert (flag["decision"], flag["decision_note"]) == ("cleared", "checked with Jiangsu: yuan")
        assert flag["decided_at"].utcoffset().total_seconds() == 0
    [holiday] = query(workspace, "SELECT flag_id FROM mart.review_flags WHERE metric = 'funds_holiday'")
    assert clear(holiday["flag_id"]) == 0 and total(workspace, "funds_holiday")["provinces_held_out"] == 0
    pipeline.load([])  # a later load re-creates the views: the decisions stay
    assert total(workspace, "funds_total")["provinces_held_out"] == 0


def test_cli_show_leads_with_the_headline_and_says_what_it_holds_out(workspace, capsys):
    load_two_months(workspace)
    cli.main(["show"])
    shown = capsys.readouterr().out
    february = shown.split("winter_warmth 2025-02 ")[1]
    funds_line = next(line for line in february.splitlines() if " funds_total " in line)
    assert "4,820" in funds_line and "48,204,820" not in funds_line
    assert "held out for review" in shown and "with every figure in force: 48,204,820" in shown
    assert "Review flags awaiting a decision" in shown and "320000" in shown.split("awaiting a decision")[1]


def test_exports_carry_the_flagged_counts_and_the_flags(workspace, tmp_path):
    load_two_months(workspace)
    with opened(workspace.warehouse_url) as warehouse:
        totals, flags = export_marts(warehouse, tmp_path, "csv", ["national_totals", "review_flags"])
    header = totals.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert {"provinces_flagged", "value_excluding_flagged", "value_headline"} <= set(header)
    assert "holds_figure_out" in flags.read_text(encoding="utf-8-sig") and "320000" in flags.read_text()


def page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def validation_page(workspace, province: str) -> str:
    """The site path of the province's February file's validation page."""
    sql = "SELECT submission_id FROM mart.submissions WHERE province_code = ? AND period = '2025-02'"
    [file] = query(workspace, sql, (province,))
    return f"validation/{file['submission_id']}.html"


def test_the_pages_show_the_headline_both_figures_and_the_flag_everywhere(workspace):
    load_two_months(workspace)
    pipeline.report()
    site = workspace.site
    february = page(site, "winter_warmth/2025-02.html")
    totals = february.split('id="totals"')[1].split("</section>")[0]
    assert "江苏省 held out" in totals and "with every figure · 含全部数据 48,204,820" in totals
    assert ">4,820</a>" in totals, "the headline figure holds Jiangsu out"
    assert "includes 1 flagged" in totals, "the flagged count of people is marked, still counted"
    assert 'class="dot flagged"' in february and "⚑ 2025-02: 1 held out for review" in february
    assert "under review, not yet explained · 待复核（未说明）" in february.split('id="flags"')[1]
    index = page(site, "index.html")
    assert "total(s) hold figures out" in index and "total(s) include flagged" in index
    assert "Figures of this file are under review" in page(site, validation_page(workspace, "320000"))
    assert "under review" not in page(site, validation_page(workspace, "360000"))

    assert clear("320000/2025-02/funds_total") == 0
    pipeline.report()
    totals = page(site, "winter_warmth/2025-02.html").split('id="totals"')[1].split("</section>")[0]
    assert ">48,204,820</a>" in totals, "cleared: the headline counts Jiangsu again"
    drawn = page(site, validation_page(workspace, "320000"))
    assert "已复核通过: cleared by · 复核人 Wang Fang" in drawn, "its page is drawn again"
