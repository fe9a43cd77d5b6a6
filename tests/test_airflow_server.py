"""The DAG under Airflow's own scheduler, as production runs it, not only under `airflow dags test`.

Airflow's components run as separate processes on a PostgreSQL metadata database with the
LocalExecutor; the run is triggered, and watched, through the public REST API over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airflow_harness import Airflow, airflow_servers, logged_in_client, new_database, wait_for
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows

DAG_ID = "consolidate_provincial_reports"
COMPONENTS = (["scheduler"], ["dag-processor"])
SOME_PROVINCES = ("110000", "440000", "650000")


@pytest.fixture
def airflow(tmp_path: Path, postgres_server: str, workspace) -> Iterator[Airflow]:
    """Scheduler, dag-processor and api-server on a metadata database of the test's own."""
    settings = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "REPORTS_LANDING": str(workspace.landing),
        "REPORTS_LAKE": str(workspace.lake),
        "REPORTS_WAREHOUSE": workspace.warehouse_url,
    }
    with (
        new_database(postgres_server) as database,
        airflow_servers(tmp_path / "airflow", database, **settings) as running,
    ):
        for component in COMPONENTS:
            running.start(*component)
        yield running


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_the_scheduler_runs_the_dag_triggered_through_the_rest_api(airflow, workspace):
    # A few provinces: the 31-province run is test_dag's; here each mapped task is a process of its own.
    for minute, code in enumerate(SOME_PROVINCES):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    api = logged_in_client(airflow)

    wait_for("the dag-processor to parse the DAG", lambda: api.get(f"/dags/{DAG_ID}").is_success, airflow.logs)
    api.patch(f"/dags/{DAG_ID}", json={"is_paused": False}).raise_for_status()
    triggered = api.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None})
    triggered.raise_for_status()
    run_id = triggered.json()["dag_run_id"]

    def finished() -> list[str] | None:
        states = [run["state"] for run in api.get(f"/dags/{DAG_ID}/dagRuns").json()["dag_runs"]]
        return states if all(state in ("success", "failed") for state in states) else None

    # Unpausing also lets the scheduler start the latest hourly run; whichever run takes a file, both succeed
    # and each file is processed once.
    assert set(wait_for(f"run {run_id} and any scheduled run to finish", finished, airflow.logs)) == {"success"}
    processed = api.get(f"/dags/{DAG_ID}/dagRuns/~/taskInstances", params={"task_id": "process"}).json()
    assert sorted(t["map_index"] for t in processed["task_instances"] if t["map_index"] >= 0) == [0, 1, 2]
    assert {t["state"] for t in processed["task_instances"] if t["map_index"] >= 0} == {"success"}
    # Each task's log, as the UI shows it (`make ui` runs these same components: test_make_ui.py).
    summary = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/summarize/logs/1").json()
    assert "National totals:" in json.dumps(summary, ensure_ascii=False)

    warehouse = connect(workspace.warehouse_url)
    try:
        totals = warehouse.query(
            "SELECT provinces_reported, value FROM mart.national_totals WHERE metric = 'jobs_offered'"
        )
        answered = warehouse.query("SELECT count(*) AS n FROM mart.submissions WHERE status = 'accepted'")
        submission_ids = {row["submission_id"] for row in warehouse.query("SELECT submission_id FROM mart.submissions")}
    finally:
        warehouse.close()
    assert answered == [{"n": 3}]
    assert [row["provinces_reported"] for row in totals] == [3]

    # plugins/consolidation_report.py, with XCom in PostgreSQL (JSONB): each process task instance links
    # to its file's validation page, which the api-server serves from the site the report task drew.
    links = {
        api.get(
            f"/dags/{DAG_ID}/dagRuns/{t['dag_run_id']}/taskInstances/process/links", params={"map_index": m}
        ).json()["extra_links"]["Validation page · 校验结果"]
        for t in processed["task_instances"]
        if (m := t["map_index"]) >= 0
    }
    assert links == {f"/consolidation-report/validation/{i}.html" for i in submission_ids}
    for link in links:
        assert httpx.get(f"{airflow.url}{link}", headers=api.headers).status_code == 200, link
