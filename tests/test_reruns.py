"""Reruns are free and every file version loads exactly once; a resubmission's changes are on record."""

from __future__ import annotations

from decimal import Decimal

from test_pipeline import run_once
from warehouse_state import fingerprint, query

from provincial_reports import pipeline
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows


def first_run(workspace) -> tuple[list[dict], list[dict]]:
    """Three files, one rejected, loaded; what discover found and what processing answered."""
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")), minute=0)
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")), minute=1)
    bad = province_row("110000")
    bad["funds_total"] = -5
    upload(workspace.landing, "110000/2025-01/c.csv", csv_bytes(WINTER_WARMTH, [bad]), minute=2)
    arrivals = pipeline.discover()
    answers = [pipeline.process(a) for a in arrivals]
    pipeline.load(answers)
    return arrivals, answers


def test_rerunning_every_step_of_a_run_changes_no_row(workspace):
    """A cleared DAG run does it all again: discover, process each file again, load the old answers."""
    arrivals, answers = first_run(workspace)
    before = fingerprint(workspace.warehouse_url)
    assert before["ledger_rows"] == 3 and before["totals"]
    for _ in range(2):
        assert run_once() == []  # the next run over the same files: nothing new
        assert pipeline.load(answers) == 0  # the load task retried with its XCom
        assert pipeline.load([pipeline.process(a) for a in arrivals]) == 0  # each process task retried
        assert fingerprint(workspace.warehouse_url) == before


def test_each_file_version_loads_once_and_new_bytes_supersede(workspace):
    data = csv_bytes(WINTER_WARMTH, valid_rows("360000"))
    upload(workspace.landing, "360000/2025-01/report.csv", data, minute=0)
    run_once()
    once = fingerprint(workspace.warehouse_url)
    for minute in (5, 6):  # the same bytes uploaded again, twice, at later times
        upload(workspace.landing, "360000/2025-01/report.csv", data, minute=minute)
        assert run_once() == []
    assert fingerprint(workspace.warehouse_url) == once

    upload(
        workspace.landing,
        "360000/2025-01/report.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=2)]),
        minute=9,
    )
    assert len(run_once()) == 1
    rows = query(workspace.warehouse_url, "SELECT source, status FROM mart.submissions ORDER BY received_at")[0]
    assert [r["status"] for r in rows] == ["superseded", "accepted"]
    [[counts]] = query(
        workspace.warehouse_url,
        "SELECT count(*) AS figures, count(DISTINCT submission_id) AS versions FROM core.figures",
    )
    assert counts == {"figures": 2 * 16 + 16, "versions": 2}  # first version: 2 rows; second: 1 row
    [[total]] = query(workspace.warehouse_url, "SELECT value FROM mart.national_totals WHERE metric = 'funds_total'")
    assert total["value"] == Decimal(9640)


def value_changes(workspace) -> list[dict]:
    return query(
        workspace.warehouse_url,
        "SELECT org_unit_code, metric, change, old_value, new_value, old_source, new_source, changed_at "
        "FROM mart.value_changes ORDER BY new_source, org_unit_code, metric",
    )[0]


def test_value_changes_records_every_changed_figure_with_both_submissions(workspace):
    first = valid_rows("360000")
    upload(workspace.landing, "360000/2025-01/v1.csv", csv_bytes(WINTER_WARMTH, first), minute=0)
    run_once()
    assert value_changes(workspace) == []

    second = [dict(first[0], funds_total=5000, funds_regular=2566, model_workers=None)]  # the city row dropped
    upload(workspace.landing, "360000/2025-01/v2.csv", csv_bytes(WINTER_WARMTH, second), minute=5)
    rejected = [dict(first[0], funds_total=-1)]
    upload(workspace.landing, "360000/2025-01/v3.csv", csv_bytes(WINTER_WARMTH, rejected), minute=7)
    third = [dict(second[0], model_workers=1200)]
    upload(workspace.landing, "360000/2025-01/v4.csv", csv_bytes(WINTER_WARMTH, third), minute=9)
    run_once()

    changes = value_changes(workspace)
    v1_to_v2 = [c for c in changes if c["new_source"].endswith("v2.csv")]
    province = {c["metric"]: c for c in v1_to_v2 if c["org_unit_code"] == "360000"}
    assert set(province) == {"funds_total", "funds_regular", "model_workers"}
    assert (province["funds_total"]["old_value"], province["funds_total"]["new_value"]) == (4820, 5000)
    assert province["model_workers"]["change"] == "changed" and province["model_workers"]["new_value"] is None
    assert province["funds_total"]["old_source"] == "360000/2025-01/v1.csv"
    city = [c for c in v1_to_v2 if c["org_unit_code"] == "360100"]
    assert len(city) == 16 and {c["change"] for c in city} == {"removed"}
    assert {c["changed_at"].minute for c in v1_to_v2} == {5}

    v2_to_v4 = [c for c in changes if c["new_source"].endswith("v4.csv")]  # the rejected v3 replaced nothing
    assert [(c["metric"], c["old_value"], c["new_value"], c["old_source"]) for c in v2_to_v4] == [
        ("model_workers", None, 1200, "360000/2025-01/v2.csv")
    ]
    assert len(changes) == len(v1_to_v2) + len(v2_to_v4)
