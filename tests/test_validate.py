"""Every rule of the contract, with a file that breaks it, and the words the province reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from provincial_reports.land import arrival_of
from provincial_reports.process import judge
from provincial_reports.stores.objects import StoredObject
from provincial_reports.tools.builders.files import csv_bytes
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, city_row, province_row, valid_rows


def answer(data: bytes, source: str = "360000/2025-01/report.csv"):
    arrival = arrival_of(StoredObject(source, len(data), datetime(2025, 2, 3, tzinfo=UTC)), data)
    verdict, _ = judge(arrival, data)
    return verdict


def failures_of(rows: list[dict], source: str = "360000/2025-01/report.csv") -> str:
    verdict = answer(csv_bytes(WINTER_WARMTH, rows), source)
    assert not verdict.accepted, "the file should have been rejected"
    return "\n".join(verdict.failures)


def test_a_valid_file_is_accepted_with_a_full_result_document():
    verdict = answer(csv_bytes(WINTER_WARMTH, valid_rows()))
    assert verdict.accepted, verdict.failures
    doc = verdict.document
    assert doc["success"] is True
    assert doc["statistics"]["unsuccessful_expectations"] == 0
    suite_rules = len(WINTER_WARMTH.suite()["expectations"])
    gx_results = [r for r in doc["results"] if r["expectation_config"]["type"].startswith("expect_")]
    assert len(gx_results) == suite_rules
    json.dumps(doc)  # the document is kept as JSON for auditors


def test_blank_optional_cells_and_exact_bounds_are_accepted():
    province, city = valid_rows()
    province["model_workers"] = None
    province["funds_regular"] = 2385.995  # 4820 = 2434 + 2385.995 within 0.01
    for funds in ("funds_total", "funds_holiday", "funds_regular"):
        city[funds] = province[funds]  # a city may equal its province, not exceed it
    assert answer(csv_bytes(WINTER_WARMTH, [province, city])).accepted


@pytest.mark.parametrize("column", ["period", "org_unit_code", "org_unit_name", "funds_total"])
def test_required_cells_must_not_be_empty(column):
    province, city = valid_rows()
    city[column] = None
    text = failures_of([province, city])
    assert f"({column}): required: must not be empty (必填项，不能为空)" in text
    assert "row 3" in text


def test_period_must_match_the_folder():
    rows = [province_row("360000", "2025-02"), city_row("360000", period="2025-02")]
    assert "(period): must equal the reporting period of the upload folder" in failures_of(rows)


def test_units_must_belong_to_the_uploading_province():
    rows = [province_row("360000"), city_row("370000")]
    text = failures_of(rows)
    assert "单位代码 (org_unit_code): must be the 6-digit code of this province" in text
    assert "'370100'" in text


def test_county_rows_are_not_part_of_this_report():
    county = city_row("360000")
    county["org_unit_code"] = "360102"
    assert "'360102'" in failures_of([province_row("360000"), county])


def test_a_unit_may_appear_only_once():
    rows = [province_row("360000"), city_row("360000"), city_row("360000")]
    assert "each unit may appear only once" in failures_of(rows)


def test_the_province_row_is_required():
    assert "the province's own row (code XX0000) is required" in failures_of([city_row("360000")])


@pytest.mark.parametrize("metric", [m.name for m in WINTER_WARMTH.metrics])
def test_metrics_must_not_be_negative(metric):
    province, city = valid_rows()
    city[metric] = -1
    if metric in ("funds_holiday", "funds_regular"):
        city["funds_total"] = None  # keep the balance rule out of the way
    text = failures_of([province, city])
    assert f"({metric}): must not be negative (不能为负数) — row 3: -1" in text


def test_funds_total_must_equal_its_parts():
    province = province_row("360000")
    province["funds_regular"] = 2300  # the press figures say 2,386
    text = failures_of([province])
    assert "送温暖资金总额（万元） (funds_total): must equal funds_holiday + funds_regular" in text
    assert "row 2: 4,820 ≠ 2,434 + 2,300" in text


@pytest.mark.parametrize("metric", ["funds_holiday", "workers_migrant", "recuperation_participants"])
def test_cities_may_not_add_up_to_more_than_their_province(metric):
    province, first, second = province_row("360000"), city_row("360000", "01"), city_row("360000", "02")
    second[metric] = province[metric]  # first city's share pushes the sum over
    if metric == "funds_holiday":
        second["funds_total"] = None
    text = failures_of([province, first, second])
    assert f"({metric}): the cities' sum must not be above the province's own figure" in text


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [("funds_total", "about 4800", "is not a number"), ("visiting_teams", "11.5", "is not a whole number")],
)
def test_cells_must_hold_their_columns_type(column, value, expected):
    province = province_row("360000")
    province[column] = value
    if column == "funds_total":
        province["funds_holiday"] = None
    text = failures_of([province])
    assert f"({column}): cells must hold the column's type" in text
    assert f"row 2: '{value}' {expected}" in text


def test_the_header_must_have_exactly_the_templates_columns():
    data = csv_bytes(WINTER_WARMTH, valid_rows()).decode().replace("慰问劳模（人）", "劳模人数").encode()
    text = "\n".join(answer(data).failures)
    assert "missing column 慰问劳模（人） (model_workers)" in text
    assert "unrecognised column '劳模人数'" in text


def test_a_repeated_column_is_named():
    text = "\n".join(
        answer(csv_bytes(WINTER_WARMTH, valid_rows()).decode().replace("报告期", "单位名称").encode()).failures
    )
    assert "column '单位名称' appears twice" in text


def test_a_header_without_rows_is_rejected():
    assert "the file must contain at least one data row" in failures_of([])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("report.csv", "not in a <province code>/<YYYY-MM>/ folder"),
        ("990000/2025-01/report.csv", "'990000' is not a province code"),
        ("360000/January/report.csv", "'January' is not a period in YYYY-MM form"),
    ],
)
def test_files_in_the_wrong_place_are_rejected_unread(source, expected):
    verdict = answer(csv_bytes(WINTER_WARMTH, valid_rows()), source)
    assert not verdict.accepted
    assert expected in verdict.failures[0]


def test_an_unreadable_file_gets_a_result_document_too():
    verdict = answer(b"this is not a spreadsheet", "360000/2025-01/report.xlsx")
    assert not verdict.accepted
    assert "not a readable XLSX workbook" in verdict.failures[0]
    assert verdict.document["meta"]["answer"]["status"] == "rejected"


def test_every_failed_rule_is_named_not_just_the_first():
    province = province_row("360000", "2025-02")
    province["funds_regular"] = 1
    province["job_fairs"] = -5
    text = failures_of([province])
    assert "(period)" in text and "(funds_total)" in text and "(job_fairs)" in text
