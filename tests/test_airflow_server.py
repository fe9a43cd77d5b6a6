"""The DAG under Airflow's own scheduler, as production runs it, not only under `airflow dags test`.

Airflow's components run as separate processes on a PostgreSQL metadata database: the session's
Celery stack (conftest's `celery_stack`, the compose stack's executor, which test_celery.py also
uses; `make ui`'s LocalExecutor is test_make_ui.py's); the run is triggered, and watched, through the
public REST API over HTTP. The stack is shared, so each test has periods of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from test_celery import finished_runs_since, ledger, task_instances

from airflow_harness import wait_for
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

DAG_ID = "consolidate_provincial_reports"
SOME_PROVINCES = ("110000", "440000", "650000")
RUN_PERIOD, RELEASE_PERIOD = "2025-04", "2025-05"  # test_celery.py's are 2025-01 to 2025-03


def test_the_scheduler_runs_the_dag_triggered_through_the_rest_api(celery_stack, celery_api):
    # A few provinces: the 31-province run is test_celery's; here each mapped task is a process of its own.
    api, airflow, start = celery_api, celery_stack.airflow, datetime.now(UTC)
    for minute, code in enumerate(SOME_PROVINCES):
        upload(
            celery_stack.workspace.landing,
            f"{code}/{RUN_PERIOD}/{code}.csv",
            csv_bytes(WINTER_WARMTH, valid_rows(code, RUN_PERIOD)),
            minute,
        )
    triggered = api.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None})
    triggered.raise_for_status()
    run_id = triggered.json()["dag_run_id"]

    # The landing watch also starts a run; whichever run takes a file, both succeed and each file is processed once.
    done = finished_runs_since(api, start, airflow.logs, manual=run_id)
    assert {r["state"] for r in done} == {"success"}
    processed = [
        t
        for r in done
        for t in task_instances(api, r["dag_run_id"])
        if t["task_id"] == "process" and t["map_index"] >= 0
    ]
    assert len(processed) == 3 and {t["state"] for t in processed} == {"success"}
    assert ledger(celery_stack, RUN_PERIOD) == {f"{c}/{RUN_PERIOD}/{c}.csv": 1 for c in SOME_PROVINCES}
    # Each task's log, as the UI shows it (`make ui` runs these same components: test_make_ui.py).
    loaded_by = processed[0]["dag_run_id"]
    summary = api.get(f"/dags/{DAG_ID}/dagRuns/{loaded_by}/taskInstances/summarize/logs/1").json()
    assert "National totals:" in json.dumps(summary, ensure_ascii=False)

    warehouse = connect(celery_stack.workspace.warehouse_url)
    try:
        totals = warehouse.query(
            "SELECT provinces_reported, value FROM mart.national_totals"
            f" WHERE metric = 'jobs_offered' AND period = '{RUN_PERIOD}'"
        )
        answered = warehouse.query(
            f"SELECT count(*) AS n FROM mart.submissions WHERE status = 'accepted' AND period = '{RUN_PERIOD}'"
        )
        submission_ids = {
            row["submission_id"]
            for row in warehouse.query(f"SELECT submission_id FROM mart.submissions WHERE period = '{RUN_PERIOD}'")
        }
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
        for t in processed
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


def test_a_reviewer_signs_off_releases_through_the_rest_api(celery_stack, celery_api, tmp_path, monkeypatch, capsys):
    """Issue 16 under the scheduler: each publication waits in Airflow's human-in-the-loop task until
    the reviewer answers over REST (`cli releases`, logged in as the operator); an approval commits
    the release, a rejection only the decision; after a resubmission the next approval is r2 with
    what changed, embargoed until the instant the reviewer set."""
    from provincial_reports import cli, pipeline
    from provincial_reports.tools.releases import ResponseRefused, pending, respond

    api, airflow, workspace = celery_api, celery_stack.airflow, celery_stack.workspace
    # Loaded here, cheaply (the consolidation under the scheduler is the test above), into the stack's
    # lake and warehouse from a landing zone of the test's own, which the stack's landing watch does not see.
    landing = tmp_path / "landing"
    for name, value in {
        "REPORTS_LANDING": landing,
        "REPORTS_LAKE": workspace.lake,
        "REPORTS_WAREHOUSE": workspace.warehouse_url,
        "REPORTS_SITE": workspace.site,
        "REPORTS_OUTBOX": tmp_path / "outbox",
    }.items():
        monkeypatch.setenv(name, str(value))
    for code in SOME_PROVINCES:
        upload(
            landing, f"{code}/{RELEASE_PERIOD}/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code, RELEASE_PERIOD))
        )
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    monkeypatch.setenv("REPORTS_AIRFLOW_API", airflow.url)
    monkeypatch.setenv("REPORTS_AIRFLOW_USER", "operator")
    monkeypatch.setenv("REPORTS_AIRFLOW_PASSWORD", airflow.password)
    wait_for("the dag-processor to parse the DAG", lambda: api.get(f"/dags/{PUBLISH}").is_success, airflow.logs)
    api.patch(f"/dags/{PUBLISH}", json={"is_paused": False}).raise_for_status()

    def publication() -> str:
        """Trigger a publication; its run id once its sign-off waits for the reviewer."""
        conf = {"report_type": "winter_warmth", "period": RELEASE_PERIOD}
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
        f"winter_warmth/{RELEASE_PERIOD}/r1",
    )

    second = publication()
    assert cli.main(["releases", "pending"]) == 0 and second in capsys.readouterr().out
    assert cli.main(["releases", "reject", second, "--comment", "Xinjiang is resubmitting"]) == 0
    assert finished(second) == "success"
    assert [d["decision"] for d in published_decisions(workspace.warehouse_url)] == ["approved anyway", "rejected"]

    upload(
        landing,
        f"440000/{RELEASE_PERIOD}/440000.csv",
        csv_bytes(WINTER_WARMTH, [province_row("440000", RELEASE_PERIOD, scale=2)]),
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
        (f"winter_warmth/{RELEASE_PERIOD}/r1", instant.astimezone(UTC).replace(tzinfo=None))
    ]
    assert [(c["province_code"], c["old_value"], c["new_value"]) for c in changes] == [
        ("", Decimal(4820 * 3), Decimal(4820 * 4)),
        ("440000", Decimal(4820), Decimal(4820 * 2)),
    ]
    assert official == [{"release_id": f"winter_warmth/{RELEASE_PERIOD}/r1", "value": Decimal(4820 * 3)}], (
        "r2 is embargoed"
    )
