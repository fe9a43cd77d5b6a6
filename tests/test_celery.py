"""The compose stack's executor for real: the DAG on the CeleryExecutor, two workers, Redis as the
broker, PostgreSQL as metadata, result backend and warehouse (conftest's `celery_stack`, one per
session: its components are separate processes, as in docker-compose.yaml).

Also the landing zone's watch under the real triggerer and scheduler: an upload is answered
without anyone triggering a run.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import psutil

from airflow_harness import WORKERS, wait_for
from provincial_reports.declarations import provinces
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows

DAG_ID = "consolidate_provincial_reports"
RECORDS_PROVINCES = ("110000", "360000", "440000")
PAYMENTS = 12  # per records file, 800 yuan each (builders.relief_disbursements)


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
    for minute, code in enumerate(codes):
        upload(
            celery_stack.workspace.landing,
            f"{code}/2025-02/{code}.csv",
            csv_bytes(WINTER_WARMTH, valid_rows(code, "2025-02")),
            minute,
        )
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
    assert all(ti["try_number"] >= 2 and ti["hostname"] in WORKERS for ti in processed), processed
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
