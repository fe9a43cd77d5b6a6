"""Publications proposed after the lock (issue 16: "optionally scheduled after the lock date"): a
period of a report type declaring `release: {propose_after_lock: true}` is proposed once its lock
has passed and only while it has no release; the daily DAG starts one `publish_national_totals` run
per period, and a second day's run finds it and starts none."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from test_releases import load_three, response

from airflow_harness import AIRFLOW, run_dag, workspace_env
from provincial_reports.declarations import report_types
from provincial_reports.publish.proposals import locked_unreleased, proposals
from provincial_reports.publish.sign_off import decide, prepare
from provincial_reports.stores.warehouse import opened

# winter_warmth: due by the end of 5 February 2025 in Beijing (16:00 UTC), locked 60 days later.
JANUARY_LOCKS_AT = datetime(2025, 2, 5, 16, tzinfo=UTC) + timedelta(days=60)


def proposed_at(workspace, now: datetime) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return locked_unreleased(warehouse, report_types(), now)


def test_a_period_is_proposed_from_its_lock_until_it_has_a_release(workspace):
    load_three(workspace)
    assert proposed_at(workspace, JANUARY_LOCKS_AT - timedelta(seconds=1)) == []
    assert proposed_at(workspace, JANUARY_LOCKS_AT) == [{"report_type": "winter_warmth", "period": "2025-01"}]

    decide(prepare("winter_warmth", "2025-01"), response(comment="approved anyway: three provinces"), "run-1")
    assert proposed_at(workspace, JANUARY_LOCKS_AT) == [], "a released period is not proposed again"


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_a_report_type_that_does_not_declare_it_is_never_proposed(workspace, monkeypatch, tmp_path):
    load_three(workspace)
    [declared] = [report_types()["winter_warmth"]]
    quiet = declared.model_copy(update={"release": declared.release.model_copy(update={"propose_after_lock": False})})
    with opened(workspace.warehouse_url) as warehouse:
        assert locked_unreleased(warehouse, {"winter_warmth": quiet}, JANUARY_LOCKS_AT) == []


def test_before_any_load_there_is_nothing_to_propose(workspace):
    assert proposals(datetime.now(UTC)) == []


def publication_runs(airflow_home, workspace) -> list[dict]:
    listed = subprocess.run(
        [str(AIRFLOW), "dags", "list-runs", "publish_national_totals", "--output", "json"],
        env=workspace_env(airflow_home, workspace),
        capture_output=True,
        text=True,
        check=True,
    )
    # The listing is the last line; Airflow may log before it.
    return json.loads(next(line for line in reversed(listed.stdout.splitlines()) if line.startswith("[")))


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)  # the warehouse is read once: one engine does
def test_the_daily_dag_starts_one_publication_per_locked_period_once(airflow_home, workspace):
    load_three(workspace)  # January 2025: locked since April 2025

    run_dag(airflow_home, workspace, "propose_releases")
    [run] = publication_runs(airflow_home, workspace)
    assert run["run_id"] == "after_lock__winter_warmth__2025-01", run

    run_dag(airflow_home, workspace, "propose_releases")  # the next day's run: the period is proposed already
    assert [r["run_id"] for r in publication_runs(airflow_home, workspace)] == [run["run_id"]]
