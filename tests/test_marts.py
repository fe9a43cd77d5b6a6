"""Marts a BI tool understands on its own, on both engines: every view and column described (from
the model docs), a period dimension, integer metrics as integers, labels and units beside each
metric, English names beside the Chinese ones, the missing provinces as an array, timestamps as
moments in UTC."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from provincial_reports import cli, pipeline
from provincial_reports.stores.model_docs import read_model_doc
from provincial_reports.stores.warehouse import SQL, create_tables, create_views, opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows
from provincial_reports.tools.export import export_marts

MARTS = sorted(p.stem for p in (SQL / "marts").glob("*.sql"))
DUCKDB_COMMENTS = """
SELECT v.view_name AS view, v.comment AS about, c.column_name AS column_name, c.comment AS meaning
FROM duckdb_views() AS v JOIN duckdb_columns() AS c ON c.schema_name = v.schema_name AND c.table_name = v.view_name
WHERE v.schema_name = 'mart'
"""
POSTGRES_COMMENTS = """
SELECT c.relname AS view, obj_description(c.oid, 'pg_class') AS about, a.attname AS column_name,
       col_description(c.oid, a.attnum) AS meaning
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'mart' AND c.relkind = 'v'
"""


def query(url: str, sql: str) -> list[dict]:
    with opened(url) as warehouse:
        return warehouse.query(sql)


def loaded(workspace, *periods: str) -> str:
    """Jiangxi's and Jiangsu's files for each period, through one run."""
    for period in periods:
        for province in ("360000", "320000"):
            rows = valid_rows(province, period)
            upload(workspace.landing, f"{province}/{period}/a.csv", csv_bytes(WINTER_WARMTH, rows))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    return workspace.warehouse_url


def test_every_mart_view_and_column_carries_its_doc_as_a_comment(warehouse_url):
    with opened(warehouse_url) as warehouse, warehouse.transaction():
        create_tables(warehouse)
        create_views(warehouse)
        comments = warehouse.query(DUCKDB_COMMENTS if warehouse_url.startswith("duckdb") else POSTGRES_COMMENTS)
    assert sorted({c["view"] for c in comments}) == MARTS
    for mart in MARTS:
        doc = read_model_doc(SQL / "marts" / f"{mart}.md")
        found = [c for c in comments if c["view"] == mart]
        assert {c["about"] for c in found} == {doc.about} and len(doc.about) > 40, mart
        assert {c["column_name"]: c["meaning"] for c in found} == doc.columns, f"{mart}: every column, as its doc says"


def test_dim_period_gives_each_periods_calendar_its_deadline_and_its_lock(workspace):
    url = loaded(workspace, "2024-12", "2025-02")
    periods = query(url, "SELECT * FROM mart.dim_period ORDER BY period")
    assert periods == [
        {
            "report_type": "winter_warmth",
            "period": "2024-12",
            "start_date": date(2024, 12, 1),
            "end_date": date(2024, 12, 31),
            "year": 2024,
            "quarter": 4,
            "month": 12,
            "due_date": date(2025, 1, 5),
            "due_at": datetime(2025, 1, 5, 16, 0, tzinfo=UTC),
            "locks_at": datetime(2025, 3, 6, 16, 0, tzinfo=UTC),  # lock_after_days: 60
        },
        {
            "report_type": "winter_warmth",
            "period": "2025-02",
            "start_date": date(2025, 2, 1),
            "end_date": date(2025, 2, 28),
            "year": 2025,
            "quarter": 1,
            "month": 2,
            "due_date": date(2025, 3, 5),
            "due_at": datetime(2025, 3, 5, 16, 0, tzinfo=UTC),
            "locks_at": datetime(2025, 5, 4, 16, 0, tzinfo=UTC),
        },
    ]
    deadlines = query(url, "SELECT DISTINCT period, due_at FROM mart.completeness ORDER BY period")
    assert deadlines == [{"period": p["period"], "due_at": p["due_at"]} for p in periods], "one rule"


def test_integer_metrics_come_back_as_integers_beside_their_label_and_unit(workspace):
    url = loaded(workspace, "2025-01")
    totals = {
        r["metric"]: r
        for r in query(url, "SELECT * FROM mart.national_totals WHERE metric IN ('workers_hardship', 'funds_total')")
    }
    people, funds = totals["workers_hardship"], totals["funds_total"]
    assert type(people["value_integer"]) is int and people["value_integer"] == people["value"]
    label = (people["metric_label_zh"], people["unit"], people["value_type"])
    assert label == ("慰问困难职工（人）", "people", "integer")
    assert funds["value_integer"] is None and funds["value"] == Decimal("9640")
    assert (funds["unit"], funds["value_type"]) == ("10k yuan", "decimal")
    for mart in ("province_figures", "city_figures"):
        rows = query(url, f"SELECT value, value_integer FROM mart.{mart} WHERE metric = 'workers_hardship'")
        assert rows and all(type(r["value_integer"]) is int and r["value_integer"] == r["value"] for r in rows)


def test_english_names_stand_beside_the_chinese_ones(workspace):
    """A Chinese name or text has its English sibling; a Chinese label's English is the metric's or
    category's own name, in the column beside it."""
    url = loaded(workspace, "2025-01")
    columns = query(url, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'mart'")
    by_mart = {(c["table_name"], c["column_name"]) for c in columns}
    chinese = [(m, c) for m, c in by_mart if c.endswith("_zh") and "label" not in c]
    assert len(chinese) >= 8
    assert [(m, c) for m, c in chinese if (m, c.removesuffix("_zh") + "_en") not in by_mart] == []
    names = query(url, "SELECT DISTINCT province_name_zh, province_name_en FROM mart.province_figures ORDER BY 1")
    assert names == [
        {"province_name_zh": "江苏省", "province_name_en": "Jiangsu"},
        {"province_name_zh": "江西省", "province_name_en": "Jiangxi"},
    ]


def test_provinces_missing_is_an_array_of_codes(workspace):
    url = loaded(workspace, "2025-01")
    [row] = query(url, "SELECT provinces_missing FROM mart.national_totals WHERE metric = 'funds_total'")
    assert isinstance(row["provinces_missing"], list) and len(row["provinces_missing"]) == 29
    assert row["provinces_missing"] == sorted(row["provinces_missing"]) and "360000" not in row["provinces_missing"]


def test_every_mart_timestamp_is_a_moment_in_utc(workspace):
    url = loaded(workspace, "2025-01")
    kinds = query(
        url,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'mart' AND lower(data_type) LIKE 'timestamp%'",
    )
    assert len(kinds) >= 10
    assert {k["data_type"].lower() for k in kinds} == {"timestamp with time zone"}, kinds
    [file] = query(url, "SELECT received_at, processed_at, due_at FROM mart.submissions WHERE province_code = '360000'")
    assert all(moment.utcoffset().total_seconds() == 0 for moment in file.values())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_write_the_missing_provinces_as_readable_text(workspace, tmp_path, fmt):
    loaded(workspace, "2025-01")
    [path] = export_marts_of(workspace, tmp_path, fmt)
    header, *rows = read_back(path, fmt)
    funds = dict(zip(header, next(r for r in rows if r[header.index("metric")] == "funds_total"), strict=True))
    assert str(funds["provinces_missing"]).startswith("110000, 120000, 130000, ")
    assert "360000" not in str(funds["provinces_missing"])


def test_cli_export_writes_completeness_in_csv_and_xlsx(workspace, tmp_path):
    """Who sent what for each period, a row per province, as auditors open it in a spreadsheet."""
    loaded(workspace, "2025-01")
    for fmt in ("csv", "xlsx"):
        assert cli.main(["export", str(tmp_path / fmt), "--format", fmt, "--mart", "completeness"]) == 0
        header, *rows = read_back(tmp_path / fmt / f"completeness.{fmt}", fmt)
        cells = [dict(zip(header, row, strict=True)) for row in rows]
        assert len(cells) == 31 and {(c["report_type"], c["period"]) for c in cells} == {("winter_warmth", "2025-01")}
        by_province = {c["province_code"]: c for c in cells}
        assert (by_province["360000"]["province_name_en"], by_province["360000"]["status"]) == ("Jiangxi", "accepted")
        assert [code for code, c in by_province.items() if c["status"] != "missing"] == ["320000", "360000"]


def export_marts_of(workspace, tmp_path, fmt: str) -> list:
    with opened(workspace.warehouse_url) as warehouse:
        return export_marts(warehouse, tmp_path / "out", fmt, ["national_totals"])


def read_back(path, fmt: str) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    return [list(row) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
