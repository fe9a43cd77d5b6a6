"""The DAGs under Airflow's own scheduler, as production runs them, not only under `airflow dags test`:
the compose stack's executor for real, the CeleryExecutor with two workers, Redis as the broker,
PostgreSQL as metadata, result backend and warehouse (conftest's `celery_stack`, started once for
this file: its components are separate processes, as in docker-compose.yaml; `make ui`'s
LocalExecutor is test_make_ui.py's). Runs are triggered and watched through the public REST API
over HTTP; the landing zone's watch answers an upload without anyone triggering a run; a reviewer
signs a release off over REST. The stack is shared, so each test has periods of its own.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import psutil
import pytest

from airflow_harness import WORKERS, wait_for
from provincial_reports.declarations import provinces
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

DAG_ID = "consolidate_provincial_reports"
RECORDS_PROVINCES = ("110000", "360000", "440000")
PAYMENTS = 12  # per records file, 800 yuan each (builders.relief_disbursements)
SOME_PROVINCES = ("110000", "440000", "650000")
RUN_PERIOD, RELEASE_PERIOD = "2025-04", "2025-05"  # the tests above them have 2025-01 to 2025-03


def runs(api: httpx.Client) -> list[dict]:
    return api.get(f"/dags/{DAG_ID}/dagRuns", params={"limit": 100}).json()["dag_runs"]


def task_instances(api: httpx.Client, run_id: str) -> list[dict]:
    found = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 200})
    return found.json()["task_instances"]


def finished_runs_since(api: httpx.Client, moment: datetime, logs, *, manual: str | None = None) -> list[dict]:
    """The runs queued after `moment`, once an asset-triggered one is among them (the landing watch
    fired) and, if given, the run `manual`, and all of them have finished."""

    def finished() -> list[dict] | None:
        since = [r for r in runs(api) if datetime.fromisoformat(r["queued_at"]) >= moment]
        kinds = {r["run_type"] for r in since} | {r["dag_run_id"] for r in since}
        if "asset_triggered" not in kinds or (manual and manual not in kinds):
            return None
        return since if all(r["state"] in ("success", "failed") for r in since) else None

    return wait_for("the runs to finish", finished, logs, timeout=600)


def query(stack, sql: str) -> list[dict]:
    warehouse = connect(stack.workspace.warehouse_url)
    try:
        return warehouse.query(sql)
    finally:
        warehouse.close()


def ledger(stack, period: str) -> dict[str, int]:
    """How many ledger rows each source of `period` has: 1 each, or something was doubled."""
    rows = query(stack, f"SELECT source, count(*) AS n FROM ingest.submissions WHERE period = '{period}' GROUP BY 1")
    return {row["source"]: row["n"] for row in rows}


def funds_total(stack, period: str) -> list[dict]:
    return query(
        stack,
        "SELECT value, provinces_reported FROM mart.national_totals"
        f" WHERE metric = 'funds_total' AND period = '{period}'",
    )


def test_a_months_uploads_run_on_both_workers_and_the_marts_are_exact(celery_stack, celery_api):
    landing, start = celery_stack.workspace.landing, datetime.now(UTC)
    for minute, code in enumerate(provinces()):
        upload(landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    for minute, code in enumerate(RECORDS_PROVINCES, start=40):
        upload(landing, f"{code}/2025-01/records.csv", csv_bytes(RECORDS, records(PAYMENTS, code)), minute)
    triggered = celery_api.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None})
    triggered.raise_for_status()

    # The manual run and the watch's run both saw the files: each file is processed once all the same.
    done = finished_runs_since(celery_api, start, celery_stack.airflow.logs, manual=triggered.json()["dag_run_id"])
    assert {r["state"] for r in done} == {"success"}
    instances = [ti for r in done for ti in task_instances(celery_api, r["dag_run_id"])]
    processed = [ti for ti in instances if ti["task_id"] == "process" and ti["map_index"] >= 0]
    assert len(processed) == 34 and {ti["state"] for ti in processed} == {"success"}
    assert {ti["hostname"] for ti in instances if ti["hostname"]} == set(WORKERS), "tasks ran on both workers"

    files = [f"{code}/2025-01/{code}.csv" for code in provinces()] + [
        f"{c}/2025-01/records.csv" for c in RECORDS_PROVINCES
    ]
    assert ledger(celery_stack, "2025-01") == dict.fromkeys(files, 1)
    assert funds_total(celery_stack, "2025-01") == [{"value": Decimal(4820 * 31), "provinces_reported": 31}]
    paid = query(
        celery_stack,
        "SELECT province_code, sum(payments) AS payments, sum(amount_yuan) AS amount"
        " FROM mart.disbursement_totals WHERE period = '2025-01' GROUP BY 1 ORDER BY 1",
    )
    assert paid == [
        {"province_code": c, "payments": PAYMENTS, "amount": Decimal(800 * PAYMENTS)} for c in RECORDS_PROVINCES
    ]


def stopped_in(worker: psutil.Process) -> bool:
    """Whether a process under `worker` is frozen at the failpoint (SIGSTOP: state 'stopped')."""
    return any(child.status() == psutil.STATUS_STOPPED for child in worker.children(recursive=True))


def test_a_worker_killed_in_the_middle_of_a_process_task_loses_and_doubles_nothing(celery_stack, celery_api):
    """Only a doomed worker runs at first; its `process` tasks stop after writing their Parquet
    (failpoint after_parquet_write), then it is SIGKILLed with everything under it. Once their
    heartbeats stop, Airflow fails those tries and retries them on the workers started again."""
    airflow = celery_stack.airflow
    workers = [p for p in airflow.processes if "worker" in p.args]
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)  # a warm shutdown: nothing is running
        worker.wait(timeout=60)
        airflow.processes.remove(worker)
    doomed = airflow.start_worker("worker-doomed", REPORTS_FAILPOINT="after_parquet_write:stop")

    start, codes = datetime.now(UTC), ("120000", "130000")
    files = {code: csv_bytes(WINTER_WARMTH, valid_rows(code, "2025-02")) for code in codes}
    for minute, code in enumerate(codes):
        upload(celery_stack.workspace.landing, f"{code}/2025-02/{code}.csv", files[code], minute)
    wait_for("a process task frozen on the doomed worker", lambda: stopped_in(psutil.Process(doomed.pid)), airflow.logs)
    airflow.kill(doomed)
    airflow.processes.remove(doomed)
    for name in WORKERS:
        airflow.start_worker(name)

    # the watch's run (and an hourly one, if the hour turned)
    done = finished_runs_since(celery_api, start, airflow.logs)
    assert {r["state"] for r in done} == {"success"}
    instances = [ti for r in done for ti in task_instances(celery_api, r["dag_run_id"])]
    processed = [ti for ti in instances if ti["task_id"] == "process" and ti["map_index"] >= 0]
    assert {ti["state"] for ti in processed} == {"success"} and len(processed) == 2
    # The watch lists every 2 s: both files in the first run, both frozen and retried; or the second
    # in a run of its own, which waits for the first and runs once, on a worker started again.
    assert all(ti["hostname"] in WORKERS for ti in processed), processed
    assert any(ti["try_number"] >= 2 for ti in processed), f"the frozen task is retried: {processed}"
    assert ledger(celery_stack, "2025-02") == {f"{code}/2025-02/{code}.csv": 1 for code in codes}
    assert funds_total(celery_stack, "2025-02") == [{"value": Decimal(4820 * 2), "provinces_reported": 2}]


def test_an_upload_is_answered_within_a_minute_without_anyone_triggering_a_run(celery_stack, celery_api):
    landing, code = celery_stack.workspace.landing, "650000"
    wait_for(
        "every earlier run to finish",
        lambda: all(r["state"] in ("success", "failed") for r in runs(celery_api)),
        celery_stack.airflow.logs,
    )
    time.sleep(5)  # the watch has listed the landing zone as it is
    uploaded = time.monotonic()
    path = landing / code / "2025-03" / f"{code}.csv"
    path.parent.mkdir(parents=True)
    staging = path.with_name(f".{path.name}.part")  # as upload tools do: whole, then renamed
    staging.write_bytes(csv_bytes(WINTER_WARMTH, valid_rows(code, "2025-03")))
    staging.rename(path)

    wait_for("the answer", lambda: ledger(celery_stack, "2025-03"), celery_stack.airflow.logs, timeout=120)
    assert time.monotonic() - uploaded < 60
    assert ledger(celery_stack, "2025-03") == {f"{code}/2025-03/{code}.csv": 1}


def test_the_scheduler_runs_the_dag_triggered_through_the_rest_api(celery_stack, celery_api):
    # A few provinces: the 31-province run is the month's test above; here each mapped task is a process of its own.
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
