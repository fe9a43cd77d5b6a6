"""The DAG under Airflow's own scheduler, as production runs it, not only under `airflow dags test`.

Airflow's components run as separate processes on a PostgreSQL metadata database with the
LocalExecutor; the run is triggered, and watched, through the public REST API over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from airflow_harness import Airflow, airflow_servers, logged_in_client, new_database, wait_for
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

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
        "REPORTS_SITE": str(workspace.site),
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


PUBLISH = "publish_national_totals"


def published_decisions(warehouse_url: str) -> list[dict]:
    warehouse = connect(warehouse_url)
    try:
        return warehouse.query("SELECT * FROM staging.stg_release_decisions ORDER BY decided_at")
    finally:
        warehouse.close()


@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_a_reviewer_signs_off_releases_through_the_rest_api(airflow, workspace, monkeypatch, capsys):
    """Issue 16 under the scheduler: each publication waits in Airflow's human-in-the-loop task until
    the reviewer answers over REST (`cli releases`, logged in as the operator); an approval commits
    the release, a rejection only the decision; after a resubmission the next approval is r2 with
    what changed, embargoed until the instant the reviewer set."""
    from provincial_reports import cli, pipeline
    from provincial_reports.tools.releases import ResponseRefused, pending, respond

    for code in SOME_PROVINCES:  # loaded here, cheaply: the consolidation under the scheduler is the test above
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    api = logged_in_client(airflow)
    monkeypatch.setenv("REPORTS_AIRFLOW_API", airflow.url)
    monkeypatch.setenv("REPORTS_AIRFLOW_USER", "operator")
    monkeypatch.setenv("REPORTS_AIRFLOW_PASSWORD", airflow.password)
    wait_for("the dag-processor to parse the DAG", lambda: api.get(f"/dags/{PUBLISH}").is_success, airflow.logs)
    api.patch(f"/dags/{PUBLISH}", json={"is_paused": False}).raise_for_status()

    def publication() -> str:
        """Trigger a publication; its run id once its sign-off waits for the reviewer."""
        conf = {"report_type": "winter_warmth", "period": "2025-01"}
        triggered = api.post(f"/dags/{PUBLISH}/dagRuns", json={"logical_date": None, "conf": conf})
        triggered.raise_for_status()
        run_id = triggered.json()["dag_run_id"]
        wait_for(
            f"{run_id} to wait for a reviewer", lambda: run_id in {p["run_id"] for p in pending(api)}, airflow.logs
        )
        # A person reads before answering. An answer within the scheduler's loop of the park, before
        # the scheduler has taken the parked process's exit, meets an Airflow 3.3 race: that exit is
        # counted against the resumed try (same key) and the task is failed. So answer after it.
        wait_for(f"the scheduler to see {run_id}'s sign-off parked", lambda: parked(run_id), airflow.logs)
        return run_id

    def parked(run_id: str) -> bool:
        scheduler = (airflow.home / "scheduler.log").read_text(errors="replace")
        return any(
            "TaskInstance Finished" in line and "task_id=sign_off" in line and f"run_id={run_id}" in line
            for line in scheduler.splitlines()
        )

    def finished(run_id: str) -> str:
        """The run's final state; its tasks' logs when it failed, to say why."""
        state = lambda: api.get(f"/dags/{PUBLISH}/dagRuns/{run_id}").json()["state"]  # noqa: E731
        final = wait_for(
            f"{run_id} to finish", lambda: state() if state() in ("success", "failed") else None, airflow.logs
        )
        if final != "success":
            for t in api.get(f"/dags/{PUBLISH}/dagRuns/{run_id}/taskInstances").json()["task_instances"]:
                print(f"--- {t['task_id']}: {t['state']}, try {t['try_number']}")
                for attempt in range(1, t["try_number"] + 1):
                    log = api.get(f"/dags/{PUBLISH}/dagRuns/{run_id}/taskInstances/{t['task_id']}/logs/{attempt}")
                    print("\n".join(str(e.get("event")) for e in log.json().get("content", [])[-30:]))
            scheduler = (airflow.home / "scheduler.log").read_text(errors="replace").splitlines()
            print("\n".join(line[:400] for line in scheduler if run_id in line or "sign_off" in line))
        return final

    # Three provinces of 31: winter_warmth's conditions (25 provinces) do not hold, so an approval needs a comment.
    first = publication()
    with pytest.raises(ResponseRefused, match="approving needs --comment"):
        respond(api, first, approve=True, comment="")
    assert cli.main(["releases", "approve", first, "--comment", "the early figure, as the ministry asked"]) == 0
    assert cli.main(["releases", "approve", first, "--comment", "twice"]) == 2, "an answered sign-off stays answered"
    assert finished(first) == "success"
    [decision] = published_decisions(workspace.warehouse_url)
    assert (decision["decision"], decision["decided_by"], decision["release_id"]) == (
        "approved anyway",
        "operator",
        "winter_warmth/2025-01/r1",
    )

    second = publication()
    assert cli.main(["releases", "pending"]) == 0 and second in capsys.readouterr().out
    assert cli.main(["releases", "reject", second, "--comment", "Xinjiang is resubmitting"]) == 0
    assert finished(second) == "success"
    assert [d["decision"] for d in published_decisions(workspace.warehouse_url)] == ["approved anyway", "rejected"]

    upload(
        workspace.landing,
        "440000/2025-01/440000.csv",
        csv_bytes(WINTER_WARMTH, [province_row("440000", scale=2)]),
        9,
    )
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    third = publication()
    instant = datetime.now(UTC) + timedelta(minutes=10)
    assert (
        cli.main(
            ["releases", "approve", third, "--comment", "Guangdong's correction", "--release-at", instant.isoformat()]
        )
        == 0
    )
    assert finished(third) == "success"
    warehouse = connect(workspace.warehouse_url)
    try:
        r2 = warehouse.query("SELECT * FROM staging.stg_releases WHERE revision = 2")
        changes = warehouse.query(
            "SELECT * FROM staging.stg_release_changes WHERE metric = 'funds_total' ORDER BY province_code"
        )
        official = warehouse.query("SELECT release_id, value FROM mart.official_totals WHERE metric = 'funds_total'")
    finally:
        warehouse.close()
    assert [(r["previous_release_id"], r["released_at"]) for r in r2] == [
        ("winter_warmth/2025-01/r1", instant.astimezone(UTC).replace(tzinfo=None))
    ]
    assert [(c["province_code"], c["old_value"], c["new_value"]) for c in changes] == [
        ("", Decimal(4820 * 3), Decimal(4820 * 4)),
        ("440000", Decimal(4820), Decimal(4820 * 2)),
    ]
    assert official == [{"release_id": "winter_warmth/2025-01/r1", "value": Decimal(4820 * 3)}], "r2 is embargoed"
