"""The flow from landing zone to national totals, without Airflow: supersession, reruns, the lake."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from provincial_reports import pipeline
from provincial_reports.load import transaction as load_step
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows


def run_once() -> list[dict]:
    """One run as the DAG does it: discover, process each file, load all, in that order."""
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    return answers


def query(workspace, sql: str) -> list[dict]:
    warehouse = connect(workspace.warehouse_url)
    try:
        return warehouse.query(sql)
    finally:
        warehouse.close()


def total(workspace, metric: str = "funds_total", period: str = "2025-01") -> dict:
    rows = query(workspace, f"SELECT * FROM mart.national_totals WHERE period = '{period}' AND metric = '{metric}'")
    assert len(rows) == 1
    return rows[0]


def statuses(workspace) -> dict[str, str]:
    return {r["source"]: r["status"] for r in query(workspace, "SELECT source, status FROM mart.submissions")}


def fingerprint(workspace) -> list:
    """Everything a rerun must leave unchanged: row counts, per-province sums, the totals."""
    return [
        query(workspace, "SELECT count(*) AS n FROM ingest.submissions"),
        query(workspace, "SELECT count(*) AS n FROM core.figures"),
        query(workspace, "SELECT province_code, sum(value) AS s FROM core.figures GROUP BY 1 ORDER BY 1"),
        query(workspace, "SELECT * FROM mart.national_totals ORDER BY report_type, period, metric"),
    ]


def test_totals_add_province_rows_only_and_name_the_missing(workspace):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    run_once()
    row = total(workspace)
    assert row["value"] == Decimal("9640")  # 2 × 4,820: the city rows (482 each) do not add in
    assert row["provinces_reported"] == 2
    missing = row["provinces_missing"]  # an array since issue 14, in code order
    assert len(missing) == 29 and "360000" not in missing and missing[0] == "110000" and missing[-1] == "650000"


def test_a_blank_cell_is_missing_not_zero(workspace):
    province = province_row("360000")
    province["model_workers"] = None
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, [province]))
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    run_once()
    row = total(workspace, "model_workers")
    assert row["provinces_reported"] == 1
    assert "360000" in row["provinces_missing"]


def test_a_period_with_only_rejected_files_shows_nobody_covered(workspace):
    bad = province_row("360000")
    bad["funds_total"] = -1
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, [bad]))
    run_once()
    row = total(workspace)
    assert row["value"] is None and row["provinces_reported"] == 0


def test_a_passing_resubmission_supersedes_and_a_failing_one_does_not(workspace):
    upload(
        workspace.landing,
        "360000/2025-01/first.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=1)]),
        minute=0,
    )
    run_once()
    upload(
        workspace.landing,
        "360000/2025-01/second.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=2)]),
        minute=5,
    )
    run_once()
    assert total(workspace)["value"] == Decimal("9640")
    broken = province_row("360000", scale=3)
    broken["funds_holiday"] = 1
    upload(workspace.landing, "360000/2025-01/third.csv", csv_bytes(WINTER_WARMTH, [broken]), minute=9)
    run_once()
    assert total(workspace)["value"] == Decimal("9640")
    assert statuses(workspace) == {
        "360000/2025-01/first.csv": "superseded",
        "360000/2025-01/second.csv": "accepted",
        "360000/2025-01/third.csv": "rejected",
    }
    superseded = query(workspace, "SELECT superseded_by FROM mart.submissions WHERE source LIKE '%first.csv'")
    in_force = query(workspace, "SELECT submission_id FROM mart.submissions WHERE source LIKE '%second.csv'")
    assert superseded[0]["superseded_by"] == in_force[0]["submission_id"]


def test_arrival_order_decides_not_processing_order(workspace):
    """Both versions in one run: the later modification time is in force."""
    upload(
        workspace.landing,
        "360000/2025-01/b-late.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=2)]),
        minute=9,
    )
    upload(
        workspace.landing,
        "360000/2025-01/a-early.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=1)]),
        minute=1,
    )
    assert [a["source"] for a in pipeline.discover()] == ["360000/2025-01/a-early.csv", "360000/2025-01/b-late.csv"]
    run_once()
    assert total(workspace)["value"] == Decimal("9640")


def test_new_bytes_under_the_same_name_are_a_new_version(workspace):
    upload(
        workspace.landing,
        "360000/2025-01/report.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=1)]),
        minute=0,
    )
    run_once()
    upload(
        workspace.landing,
        "360000/2025-01/report.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=2)]),
        minute=5,
    )
    run_once()
    assert total(workspace)["value"] == Decimal("9640")
    rows = query(workspace, "SELECT status, raw_location FROM mart.submissions ORDER BY received_at")
    assert [r["status"] for r in rows] == ["superseded", "accepted"]
    first_raw = (workspace.lake / rows[0]["raw_location"]).read_bytes()
    assert first_raw == csv_bytes(WINTER_WARMTH, [province_row("360000", scale=1)]), "the overwritten original is kept"


def test_identical_bytes_again_are_a_no_op(workspace):
    data = csv_bytes(WINTER_WARMTH, valid_rows())
    upload(workspace.landing, "360000/2025-01/report.csv", data, minute=0)
    run_once()
    before = fingerprint(workspace)
    upload(workspace.landing, "360000/2025-01/report.csv", data, minute=30)  # re-uploaded: new mtime, same bytes
    assert pipeline.discover() == []
    run_once()
    assert fingerprint(workspace) == before


def test_rerunning_a_load_changes_nothing(workspace):
    """A retried load task gets the same answers again; the ledger makes the second time a no-op."""
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    answers = [pipeline.process(a) for a in pipeline.discover()]
    assert pipeline.load(answers) == 2
    before = fingerprint(workspace)
    assert [pipeline.process(a) for a in pipeline.discover()] == []
    assert pipeline.load(answers) == 0
    assert fingerprint(workspace) == before


def test_a_crash_inside_the_load_leaves_the_warehouse_as_before(workspace, monkeypatch):
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    run_once()
    before = fingerprint(workspace)
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    answers = [pipeline.process(a) for a in pipeline.discover()]

    def crash(*_args):
        raise OSError("lake unreachable in the middle of the load")

    monkeypatch.setattr(load_step, "figures", crash)
    with pytest.raises(OSError):
        pipeline.load(answers)
    assert fingerprint(workspace) == before
    monkeypatch.undo()
    monkeypatch.setenv("REPORTS_LANDING", str(workspace.landing))
    monkeypatch.setenv("REPORTS_LAKE", str(workspace.lake))
    monkeypatch.setenv("REPORTS_WAREHOUSE", workspace.warehouse_url)
    run_once()  # the retry: the file is still unanswered, so it is picked up again
    assert total(workspace)["provinces_reported"] == 2


def test_the_lake_holds_typed_parquet_raw_copies_results_and_quarantine(workspace):
    upload(workspace.landing, "360000/2025-01/good.csv", csv_bytes(WINTER_WARMTH, valid_rows()))
    bad = province_row("320000")
    bad["job_fairs"] = -3
    upload(workspace.landing, "320000/2025-01/bad.csv", csv_bytes(WINTER_WARMTH, [bad]))
    answers = {a["source"]: a for a in run_once()}

    good = answers["360000/2025-01/good.csv"]
    assert good["parquet_location"].startswith("parquet/report_type=winter_warmth/period=2025-01/province_code=360000/")
    table = pq.read_table(io.BytesIO((workspace.lake / good["parquet_location"]).read_bytes()))
    assert table.schema.field("funds_total").type == pa.decimal128(18, 4)
    assert table.schema.field("visiting_teams").type == pa.int64()
    assert table.schema.field("org_unit_code").type == pa.string()
    assert table.column("funds_total").to_pylist()[0] == Decimal("4820")
    assert (workspace.lake / good["raw_location"]).read_bytes() == csv_bytes(WINTER_WARMTH, valid_rows())

    rejected = answers["320000/2025-01/bad.csv"]
    assert rejected["parquet_location"] is None
    assert rejected["raw_location"].startswith("quarantine/320000/2025-01/")
    quarantined = (workspace.lake / rejected["raw_location"]).parent
    assert json.loads((quarantined / "validation.json").read_text())["success"] is False
    for answer in answers.values():
        assert (workspace.lake / answer["result_location"]).exists()


def test_reasons_in_the_warehouse_name_every_failed_rule(workspace):
    bad = province_row("360000", "2025-02")
    bad["job_fairs"] = -3
    upload(workspace.landing, "360000/2025-01/bad.csv", csv_bytes(WINTER_WARMTH, [bad]))
    run_once()
    reason = query(workspace, "SELECT reason FROM mart.submissions")[0]["reason"]
    assert "报告期 (period)" in reason and "招聘会（场） (job_fairs): must not be negative" in reason
    assert len(reason.splitlines()) == 2
