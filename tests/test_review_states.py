"""A warning's way through the cycle with the provinces (issue 15, item 4), on both engines: a review
flag is `open`, `explained` once its province explains the figure, then `cleared` or `returned` by a
central reviewer (`cli review clear|return`). Cleared, the figure counts in the headline again; a
returned file leaves the national totals (its province missing, with the reviewer's reason) until a
corrected file arrives. Receipts and status documents follow at once; the release candidate counts
the flags not yet cleared, and a release's page drills down to them.

Explanations are written straight into ingest.explanations here (`explain`): how explanation files
are read into it is tested where they are read."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from test_flagged_figures import JIANGSU_IN_YUAN, load_two_months, total
from test_releases import response
from test_reply import assert_receipts_follow_the_warehouse, query, receipts_by_source, run_and_reply

from provincial_reports import cli, pipeline
from provincial_reports.publish.sign_off import decide, prepare
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row

FEBRUARY = "320000/2025-02/jiangsu.csv"
# The history's flag on Jiangsu's funds in yuan (the suite's warning rule flags the same figure too).
FUNDS_FLAG = (
    "SELECT * FROM mart.review_flags WHERE metric = 'funds_total' AND period = '2025-02' AND rule = 'factor_of_10'"
)
EXPLAIN = (
    "INSERT INTO ingest.explanations (submission_id, org_unit_code, metric, explanation, explained_by, "
    "explained_at, source_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
WHY = "2月新增省级专项资金，数额属实 · a one-off provincial fund in February; the figure is right"
RETURN_NOTE = "单位填错：应为万元 · funds typed in yuan: send the file again in 10k yuan"


def explain(workspace, metric: str, text: str, by: str, at: datetime, source_id: str) -> None:
    """The row an explanation file for Jiangsu's February file leaves in ingest.explanations."""
    [file] = query(workspace, "SELECT submission_id FROM mart.submissions WHERE source = ?", (FEBRUARY,))
    with opened(workspace.warehouse_url) as warehouse:
        warehouse.execute(EXPLAIN, [file["submission_id"], "320000", metric, text, by, at, source_id])


def outbox_json(workspace, *parts: str) -> dict:
    return json.loads(Path(workspace.outbox).joinpath(*parts).read_text(encoding="utf-8"))


def funds_warning(receipt: dict) -> dict:
    [warning] = [f for f in receipt["findings"] if f["rule"] == "review:factor_of_10" and f["column"] == "funds_total"]
    return warning


def review(verb: str, target: str, note: str) -> int:
    return cli.main(["review", verb, target, "--note", note, "--by", "王复核"])


def test_an_explained_warning_cleared_by_the_reviewer_counts_again(workspace, capsys):
    load_two_months(workspace)
    pipeline.reply()
    [flag] = query(workspace, FUNDS_FLAG)
    assert (flag["state"], flag["explanation"], flag["holds_figure_out"]) == ("open", None, True)
    assert funds_warning(receipts_by_source(workspace)[FEBRUARY])["flag_state"] == "open"

    explain(workspace, "funds_total", "an earlier explanation", "李填报", datetime(2025, 3, 1, 1), "expl-1")
    explain(workspace, "funds_total", WHY, "张填报", datetime(2025, 3, 2, 1), "expl-2")
    [flag] = query(workspace, FUNDS_FLAG)
    assert (flag["state"], flag["explanation"], flag["explained_by"]) == ("explained", WHY, "张填报"), "the latest"
    assert flag["explained_at"].utcoffset().total_seconds() == 0
    assert flag["holds_figure_out"], "explained is not cleared: the figure stays out of the headline"
    assert total(workspace, "funds_total")["value_headline"] == Decimal(4820)
    assert pipeline.reply() > 0, "the explanation changes the receipt"
    warning = funds_warning(receipts_by_source(workspace)[FEBRUARY])
    assert warning["flag_state"] == "explained" and warning["explanation"] == {
        "text": WHY,
        "by": "张填报",
        "at": "2025-03-02T01:00:00Z",
    }
    status = outbox_json(workspace, "320000", "2025-02", "status.json")
    assert "explained" in {w["flag_state"] for w in status["report_types"][0]["open_warnings"]}
    pipeline.report()
    flags = (Path(workspace.site) / "winter_warmth" / "2025-02.html").read_text(encoding="utf-8").split('id="flags"')[1]
    assert "explained, awaiting the reviewer" in flags and "2月新增省级专项资金" in flags and "张填报" in flags

    capsys.readouterr()
    assert review("clear", "320000/2025-02/funds_total", "explanation accepted") == 0
    out = capsys.readouterr().out
    assert "cleared" in out and "outbox document(s) rewritten" in out
    [flag] = query(workspace, FUNDS_FLAG)
    assert (flag["state"], flag["decision"], flag["decided_by"], flag["holds_figure_out"]) == (
        "cleared",
        "cleared",
        "王复核",
        False,
    )
    assert total(workspace, "funds_total")["value_headline"] == JIANGSU_IN_YUAN + 4820, "back in the headline"
    warning = funds_warning(receipts_by_source(workspace)[FEBRUARY])  # rewritten by the command itself
    assert warning["flag_state"] == "cleared" and warning["review"]["note"] == "explanation accepted"
    status = outbox_json(workspace, "320000", "2025-02", "status.json")
    assert "funds_total" not in {w["column"] for w in status["report_types"][0]["open_warnings"]}
    assert pipeline.reply() == 0, "the command left nothing for the next reply"
    pipeline.report()
    flags = (Path(workspace.site) / "winter_warmth" / "2025-02.html").read_text(encoding="utf-8").split('id="flags"')[1]
    assert "cleared by the reviewer" in flags and "explanation accepted" in flags


def test_a_returned_file_leaves_the_totals_until_a_corrected_file_arrives(workspace, capsys):
    load_two_months(workspace)
    pipeline.reply()
    assert review("return", "320000/2025-02/funds_total", RETURN_NOTE) == 0

    [row] = query(workspace, "SELECT * FROM mart.submissions WHERE source = ?", (FEBRUARY,))
    assert row["status"] == "returned" and RETURN_NOTE in row["reason"] and "王复核" in row["reason"]
    funds = total(workspace, "funds_total")
    assert (funds["provinces_reported"], list(funds["provinces_missing"])[:1]) == (1, ["110000"])
    assert "320000" in funds["provinces_missing"] and funds["value"] == funds["value_headline"] == Decimal(4820)
    [cell] = query(workspace, "SELECT * FROM mart.completeness WHERE province_code = '320000' AND period = '2025-02'")
    assert (cell["status"], cell["submission_id"]) == ("returned", None) and RETURN_NOTE in cell["returned_reason"]
    flags = query(workspace, "SELECT * FROM mart.review_flags WHERE period = '2025-02'")
    states = {f["metric"]: f["state"] for f in flags}
    assert states["funds_total"] == "returned" and "open" in states.values(), "the file's flags stay on record"

    receipt = receipts_by_source(workspace)[FEBRUARY]  # rewritten by the command
    assert receipt["status"] == "returned" and "复核退回" in receipt["answer"]["zh"]
    warning = funds_warning(receipt)
    assert warning["flag_state"] == "returned" and warning["review"]["note"] == RETURN_NOTE
    [winter] = outbox_json(workspace, "320000", "2025-02", "status.json")["report_types"]
    assert winter["missing"] and winter["in_force"] is None and RETURN_NOTE in winter["returned"][0]["reason"]
    assert_receipts_follow_the_warehouse(workspace)

    cli.main(["show"])
    shown = capsys.readouterr().out
    assert "RETURNED" in shown and "Returned to their provinces" in shown and RETURN_NOTE in shown
    pipeline.report()
    period = (Path(workspace.site) / "winter_warmth" / "2025-02.html").read_text(encoding="utf-8")
    assert "returned · 复核退回" in period and RETURN_NOTE in period
    assert "returned to the province" in period.split('id="flags"')[1]

    corrected = csv_bytes(WINTER_WARMTH, [province_row("320000", "2025-02")])
    upload(workspace.landing, "320000/2025-02/jiangsu-corrected.csv", corrected, minute=30)
    run_and_reply()
    statuses = {r["source"]: r["status"] for r in query(workspace, "SELECT * FROM mart.submissions")}
    assert (statuses[FEBRUARY], statuses["320000/2025-02/jiangsu-corrected.csv"]) == ("superseded", "accepted")
    funds = total(workspace, "funds_total")
    assert funds["provinces_reported"] == 2 and "320000" not in funds["provinces_missing"]
    [cell] = query(workspace, "SELECT * FROM mart.completeness WHERE province_code = '320000' AND period = '2025-02'")
    assert (cell["status"], cell["returned_reason"]) == ("resubmitted", None)
    assert receipts_by_source(workspace)[FEBRUARY]["status"] == "superseded"
    [winter] = outbox_json(workspace, "320000", "2025-02", "status.json")["report_types"]
    assert not winter["missing"] and winter["returned"] == [] and len(winter["superseded"]) == 1
    assert_receipts_follow_the_warehouse(workspace)


def test_the_release_candidate_counts_flags_not_yet_cleared_and_its_page_shows_them(workspace):
    load_two_months(workspace)
    flags = query(workspace, "SELECT * FROM mart.review_flags WHERE period = '2025-02' ORDER BY flag_id")
    assert len(flags) >= 2
    candidate = prepare("winter_warmth", "2025-02")
    assert len(candidate["open_flags"]) == len(flags)

    explain(workspace, "funds_total", WHY, "张填报", datetime(2025, 3, 2, 1), "expl-1")
    assert len(prepare("winter_warmth", "2025-02")["open_flags"]) == len(flags), "explained is still open"
    assert review("clear", "320000/2025-02/funds_total", "explanation accepted") == 0  # every flag on the figure
    left = len(flags) - sum(f["metric"] == "funds_total" for f in flags)
    candidate = prepare("winter_warmth", "2025-02")
    assert len(candidate["open_flags"]) == left
    [condition] = [c for c in candidate["conditions"] if c["condition"].startswith("no open review flag")]
    assert not condition["met"] and f"{left} review flag(s) not yet cleared" in condition["detail"]

    decision = decide(candidate, response(comment="published with Jiangsu's flags open"), "run-1")
    assert decision["release_id"] == "winter_warmth/2025-02/r1"
    pipeline.report()
    page = (Path(workspace.site) / "releases" / "winter_warmth" / "2025-02" / "r1.html").read_text(encoding="utf-8")
    warnings = page.split('id="warnings"')[1].split("</section>")[0]
    assert all(f'id="warning-{f["flag_id"]}"' in warnings for f in flags), "every flag of the released files"
    assert "cleared by the reviewer" in warnings and WHY.split(" · ")[0] in warnings and "王复核" in warnings
    drill_down = page.split('id="metric-funds_total"')[1].split("</section>")[0]
    on_funds = [f for f in flags if f["metric"] == "funds_total"]
    assert on_funds and all(f'href="#warning-{f["flag_id"]}"' in drill_down for f in on_funds), (
        "a released figure links to its warnings"
    )

    assert review("return", "320000/2025-02/funds_holiday", RETURN_NOTE) == 0
    candidate = prepare("winter_warmth", "2025-02")
    assert candidate["open_flags"] == [], "a returned file's flags are no open warnings: its province is missing"
    assert "320000" in candidate["missing_provinces"]
    assert [r["province_code"] for r in candidate["returned_provinces"]] == ["320000"]
    assert RETURN_NOTE in candidate["body"]


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_changing_a_decision_even_to_its_owner(workspace):
    load_two_months(workspace)
    assert review("clear", "320000/2025-02/funds_total", "explanation accepted") == 0
    before = query(workspace, "SELECT * FROM mart.review_flags WHERE decision IS NOT NULL")
    with opened(workspace.warehouse_url) as warehouse:  # the loader, owner of the table (or postgres)
        for sql in ("UPDATE core.flag_decisions SET decision = 'returned'", "DELETE FROM core.flag_decisions"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="decisions are final"):
                warehouse.execute(sql)
    assert query(workspace, "SELECT * FROM mart.review_flags WHERE decision IS NOT NULL") == before
