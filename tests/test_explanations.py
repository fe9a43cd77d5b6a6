"""Severity and explanations (issue 15, item 4, 强制上报), on both engines: a rule declared `warning`
accepts the file and flags the figure it names; an explanation file (CSV or JSON) or a submission's
sheet 说明 is recorded in ingest.explanations against the file in force it explains, in the load's
transaction; a bad one gets a receipt of its own saying why and changes no other file's answer; a
rerun changes nothing.
"""

from __future__ import annotations

import json

import pytest
from test_reply import (
    WARNING_RULE,
    assert_receipts_follow_the_warehouse,
    outbox_bytes,
    query,
    receipts_by_source,
    run_and_reply,
)
from test_report_types import project_expectations  # noqa: F401 (a fixture)
from test_validate import answer
from warehouse_state import fingerprint

from provincial_reports.declaration_checks import DeclarationError, read_report_type
from provincial_reports.tools.builders.explanations import (
    explanation,
    explanation_csv_bytes,
    explanation_json_bytes,
)
from provincial_reports.tools.builders.files import csv_bytes, upload, xlsx_bytes
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

GUANGDONG = "440000/2025-01/guangdong.csv"
ZHEJIANG = "330000/2025-01/zhejiang.xlsx"
TRUE_BUT_HIGH = "省财政追加春节困难职工专项资金，数据属实 · a provincial top-up, figures checked"


def high_funds(province: str) -> list[dict]:
    """A province whose own funds are above the warning rule's 50,000 (10k yuan), parts adding up."""
    own = province_row(province)
    own.update(funds_total=62000, funds_holiday=40000, funds_regular=22000)
    return [own, *valid_rows(province)[1:]]


def explanations_of(workspace) -> list[dict]:
    return query(
        workspace,
        "SELECT e.*, s.source FROM ingest.explanations AS e "
        "JOIN ingest.submissions AS s ON s.submission_id = e.submission_id ORDER BY s.source, e.metric",
    )


def test_a_warning_rule_accepts_the_file_and_flags_the_figure_it_names(workspace):
    upload(workspace.landing, GUANGDONG, csv_bytes(WINTER_WARMTH, high_funds("440000")), minute=0)
    run_and_reply()
    [file] = query(workspace, "SELECT * FROM mart.submissions")
    assert file["status"] == "accepted" and file["reason"] is None
    [finding] = query(workspace, "SELECT * FROM ingest.findings")
    assert (finding["severity"], finding["column_name"], json.loads(finding["source_rows"])) == (
        "warning",
        "funds_total",
        [2],
    )
    [flag] = query(workspace, "SELECT * FROM mart.review_flags")
    assert (flag["org_unit_code"], flag["metric"], flag["state"]) == ("440000", "funds_total", "open")
    assert flag["detail_en"].startswith("value 62000.00: above 50,000 (10k yuan")
    assert flag["detail_zh"].startswith("数值62000.00：单个单位超过50000万元")
    [listed] = query(workspace, "SELECT * FROM mart.findings")  # once: as the flag, not also as the finding
    assert (listed["rule"], listed["flag_id"]) == (WARNING_RULE, flag["flag_id"])
    [warning] = receipts_by_source(workspace)[GUANGDONG]["findings"]
    assert (warning["severity"], warning["column"], warning["row"], warning["flag_id"]) == (
        "warning",
        "funds_total",
        2,
        flag["flag_id"],
    )
    [totals] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert totals["provinces_reported"] == 1 and totals["value"] == 62000, "a warning never keeps a figure out"


def test_a_row_rule_declared_warning_accepts_the_file_and_a_third_severity_is_refused(project_expectations):  # noqa: F811
    declaration = project_expectations / "winter_warmth" / "report_type.yaml"
    declared = declaration.read_text(encoding="utf-8")
    declaration.write_text(declared.replace("tolerance: 0.01}", "tolerance: 0.01, severity: warning}"), "utf-8")
    mistyped = province_row("360000")
    mistyped["funds_regular"] = 2300
    verdict = answer(csv_bytes(WINTER_WARMTH, [mistyped]))
    assert verdict.accepted and verdict.failures == []
    [warning] = verdict.document["meta"]["answer"]["warnings"]
    assert "must equal funds_holiday + funds_regular" in warning and "row 2" in warning

    suite = project_expectations / "winter_warmth" / "suite.json"
    suite.write_text(suite.read_text(encoding="utf-8").replace('"severity": "warning"', '"severity": "info"'), "utf-8")
    with pytest.raises(DeclarationError, match="severity"):
        read_report_type(suite.parent)  # read again, not from report_types()'s cache


def test_explanation_files_and_a_sheet_are_recorded_against_the_file_in_force(workspace):
    landing = workspace.landing
    upload(landing, GUANGDONG, csv_bytes(WINTER_WARMTH, high_funds("440000")), minute=0)
    # Chinese headers and the metric's Chinese label, in GB18030, as Excel in China saves it
    gb = explanation_csv_bytes([explanation("440000", "送温暖资金总额（万元）", TRUE_BUT_HIGH)], encoding="gb18030")
    upload(landing, "440000/2025-01/guangdong-explanation.csv", gb, minute=1)
    upload(landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, high_funds("110000")), minute=2)
    beijing = [explanation("110000", "funds_total", "one-off grant", "Wang Fang")]
    upload(landing, "110000/2025-01/beijing-explanation.json", explanation_json_bytes(beijing), minute=3)
    sheet = [explanation("320000", "送温暖资金总额（万元）", "本文件自带说明")]
    workbook = xlsx_bytes(WINTER_WARMTH, high_funds("320000"), explanations=sheet)
    upload(landing, "320000/2025-01/jiangsu.xlsx", workbook, minute=4)
    run_and_reply()

    recorded = explanations_of(workspace)
    by_file = {r["source"]: r for r in recorded}
    assert set(by_file) == {GUANGDONG, "110000/2025-01/beijing.csv", "320000/2025-01/jiangsu.xlsx"}
    ids = {r["source"]: r["submission_id"] for r in query(workspace, "SELECT * FROM mart.submissions")}
    assert by_file[GUANGDONG]["explanation"] == TRUE_BUT_HIGH and by_file[GUANGDONG]["metric"] == "funds_total"
    assert by_file[GUANGDONG]["source_id"] == ids["440000/2025-01/guangdong-explanation.csv"]
    assert (
        by_file["110000/2025-01/beijing.csv"]["explained_by"],
        by_file["110000/2025-01/beijing.csv"]["source_id"],
    ) == (
        "Wang Fang",
        ids["110000/2025-01/beijing-explanation.json"],
    )
    jiangsu = by_file["320000/2025-01/jiangsu.xlsx"]
    assert jiangsu["source_id"] == jiangsu["submission_id"], "a sheet 说明 explains its own file"

    receipts = receipts_by_source(workspace)
    explained = receipts["440000/2025-01/guangdong-explanation.csv"]
    assert explained["status"] == "accepted" and explained["report_type"] == "explanations"
    assert [(e["source"], e["metric"]) for e in explained["explained"]] == [(GUANGDONG, "funds_total")]
    assert "说明已记录" in explained["answer"]["zh"]
    assert_receipts_follow_the_warehouse(workspace)

    # An explanation file is no report: completeness and the totals count each province's one file.
    completeness = query(workspace, "SELECT * FROM mart.completeness WHERE status <> 'missing' ORDER BY province_code")
    assert [(c["province_code"], c["status"], c["files"]) for c in completeness] == [
        ("110000", "accepted", 1),
        ("320000", "accepted", 1),
        ("440000", "accepted", 1),
    ]
    [totals] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert totals["provinces_reported"] == 3

    # A rerun, and the same bytes uploaded again, change nothing.
    before, outbox = fingerprint(workspace.warehouse_url), outbox_bytes(workspace)
    upload(landing, "440000/2025-01/guangdong-explanation.csv", gb, minute=1)
    run_and_reply()
    assert fingerprint(workspace.warehouse_url) == before and outbox_bytes(workspace) == outbox
    assert explanations_of(workspace) == recorded


BAD = {
    # no file in force for Hebei's January
    "130000/2025-01/hebei-explanation.csv": [explanation("130000", "funds_total", "x")],
    # a metric no report declares
    "440000/2025-01/unknown-metric.csv": [explanation("440000", "资金", "x")],
    # a unit of another province, and a unit of this one not in its file
    "440000/2025-01/other-province.csv": [explanation("110000", "funds_total", "x")],
    "440000/2025-01/unit-not-in-file.csv": [explanation("449900", "funds_total", "x")],
    # the words left out
    "440000/2025-01/empty-words.csv": [explanation("440000", "funds_total", "")],
}


def test_a_bad_explanation_file_gets_its_own_receipt_and_changes_no_answer(workspace):
    upload(workspace.landing, GUANGDONG, csv_bytes(WINTER_WARMTH, high_funds("440000")), minute=0)
    run_and_reply()
    guangdong = receipts_by_source(workspace)[GUANGDONG]
    for minute, (source, rows) in enumerate(BAD.items(), start=1):
        upload(workspace.landing, source, explanation_csv_bytes(rows), minute)
    no_author = explanation_csv_bytes([explanation("440000", "funds_total", "x")]).replace("填报人".encode(), b"")
    upload(workspace.landing, "440000/2025-01/no-author-column.csv", no_author, minute=9)
    # a report whose sheet 说明 names a unit not in it: the report stands on its figures, with a warning
    stranger = [explanation("330500", "funds_total", "x")]
    upload(workspace.landing, ZHEJIANG, xlsx_bytes(WINTER_WARMTH, valid_rows("330000"), explanations=stranger), 10)
    run_and_reply()

    receipts = receipts_by_source(workspace)
    assert receipts[GUANGDONG] == guangdong, "the file explained keeps its answer"
    assert explanations_of(workspace) == []
    words = {
        "130000/2025-01/hebei-explanation.csv": "no file in force for 130000 2025-01",
        "440000/2025-01/unknown-metric.csv": "'资金' is not a metric of the report",
        "440000/2025-01/other-province.csv": "'110000' is not a unit code of this province",
        "440000/2025-01/unit-not-in-file.csv": "the unit is not in 440000/2025-01/guangdong.csv",
        "440000/2025-01/empty-words.csv": "empty 说明 (explanation)",
        "440000/2025-01/no-author-column.csv": "missing column 填报人 (explained_by)",
    }
    for source, expected in words.items():
        receipt = receipts[source]
        assert receipt["status"] == "rejected" and "说明未记录" in receipt["answer"]["zh"], source
        [error] = receipt["findings"]
        assert error["severity"] == "error" and expected in error["en"] and error["zh"], (source, error)
    [sheet] = receipts[ZHEJIANG]["findings"]
    assert receipts[ZHEJIANG]["status"] == "accepted" and sheet["severity"] == "warning", sheet
    assert sheet["rule"] == "contract:explanation_sheet" and "unit 330500 is not in this file" in sheet["en"]
    assert_receipts_follow_the_warehouse(workspace)
    [row] = query(workspace, "SELECT * FROM mart.completeness WHERE province_code = '440000'")
    assert (row["status"], row["files"]) == ("accepted", 1)


def test_the_round_trip_from_a_warning_to_an_explanation_file_to_a_decision(workspace):
    """Everything through files and the command line, as a province and a reviewer do it: the warning
    on a file, the province's explanation file, the reviewer's clear; then a second province's
    warning returned, its province missing from the totals, and its corrected file back in them."""
    from provincial_reports import cli

    upload(workspace.landing, GUANGDONG, csv_bytes(WINTER_WARMTH, high_funds("440000")), minute=0)
    beijing = "110000/2025-01/beijing.csv"
    upload(workspace.landing, beijing, csv_bytes(WINTER_WARMTH, high_funds("110000")), minute=1)
    run_and_reply()
    explained = explanation_csv_bytes([explanation("440000", "送温暖资金总额（万元）", TRUE_BUT_HIGH)])
    upload(workspace.landing, "440000/2025-01/guangdong-explanation.csv", explained, minute=2)
    run_and_reply()
    flags = {f["province_code"]: f for f in query(workspace, "SELECT * FROM mart.review_flags")}
    assert (flags["440000"]["state"], flags["440000"]["explanation"]) == ("explained", TRUE_BUT_HIGH)
    assert flags["110000"]["state"] == "open"

    assert cli.main(["review", "clear", flags["440000"]["flag_id"], "--note", "省里已说明", "--by", "王复核"]) == 0
    assert cli.main(["review", "return", flags["110000"]["flag_id"], "--note", "请核实单位", "--by", "王复核"]) == 0
    states = {f["province_code"]: f["state"] for f in query(workspace, "SELECT * FROM mart.review_flags")}
    assert states == {"440000": "cleared", "110000": "returned"}
    receipts = receipts_by_source(workspace)
    assert (receipts[GUANGDONG]["status"], receipts[beijing]["status"]) == ("accepted", "returned")
    [funds] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert (funds["value"], funds["provinces_reported"]) == (62000, 1) and "110000" in funds["provinces_missing"]

    upload(workspace.landing, "110000/2025-01/beijing-corrected.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")), 3)
    run_and_reply()
    [funds] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert funds["provinces_reported"] == 2 and "110000" not in funds["provinces_missing"]
    assert receipts_by_source(workspace)[beijing]["status"] == "superseded"
    assert_receipts_follow_the_warehouse(workspace)
