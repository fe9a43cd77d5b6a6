"""Two DAG runs at once double nothing, and readers never see half a refresh.

Two runs at once are two `airflow dags test` processes with different logical dates (a scheduled
and a manual one), each with its own copy of the metadata database, against the same landing zone,
lake and warehouse. `dags test` runs tasks in its own process without the scheduler, so the
Airflow pool (one slot for the load task) plays no part here: what keeps the runs apart in this
test is the warehouse's own writer lock, which also guards writers the pool cannot see (a second
Airflow deployment, `make run` beside the scheduler). The pool's declaration is checked in test_dag.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from test_pipeline import run_once
from warehouse_state import TOTALS, fingerprint, query

from airflow_harness import AIRFLOW, airflow_env
from conftest import KEY
from provincial_reports import failpoints, pipeline
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

PROVINCES = ("110000", "120000", "310000", "320000")
# The national totals and the payment records' totals, in one statement so in one snapshot (on
# DuckDB the records are a view over the lake that the refresh re-points).
TOTALS_AND_PAYMENTS = f"""
SELECT t.*, r.payments, r.paid
FROM ({TOTALS}) AS t
CROSS JOIN (SELECT sum(payments) AS payments, sum(amount_yuan) AS paid FROM mart.disbursement_totals) AS r
ORDER BY t.report_type, t.period, t.metric
"""


def wait_until(condition, what: str, limit: float = 600) -> None:
    """Polls for a state another process reaches; the limit only keeps a broken run from hanging the suite."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def is_stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def waits_for_the_writer_lock(warehouse_url: str, pid: int) -> bool:
    """DuckDB: the process is queued on the lock file (/proc/locks marks waiters with `->`).
    PostgreSQL: some session waits for the advisory lock of write transactions."""
    if warehouse_url.startswith("duckdb:///"):
        inode = os.stat(warehouse_url.removeprefix("duckdb:///") + ".lock").st_ino
        return any(
            "->" in line and line.split()[5] == str(pid) and line.split()[6].endswith(f":{inode}")
            for line in Path("/proc/locks").read_text().splitlines()
        )
    [[waiting]] = query(
        warehouse_url,
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    return waiting["n"] > 0


def start_dag_run(home: Path, workspace, logical_date: str, log: Path, **extra: str) -> subprocess.Popen:
    env = airflow_env(
        home,
        REPORTS_LANDING=str(workspace.landing),
        REPORTS_LAKE=str(workspace.lake),
        REPORTS_WAREHOUSE=workspace.warehouse_url,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
        **extra,
    )
    command = [str(AIRFLOW), "dags", "test", "consolidate_provincial_reports", logical_date]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_dag_runs_at_once_load_every_file_once(airflow_home, workspace, tmp_path):
    for minute, code in enumerate(PROVINCES):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    second_home = tmp_path / "airflow-manual"
    shutil.copytree(airflow_home, second_home)
    logs = {"scheduled": tmp_path / "scheduled.log", "manual": tmp_path / "manual.log"}

    # The scheduled run freezes in the middle of its load, its transaction open and the lock held ...
    scheduled = start_dag_run(
        airflow_home, workspace, "2025-02-03T10:00:00+00:00", logs["scheduled"], REPORTS_FAILPOINT="mid_load:stop"
    )
    try:
        wait_until(lambda: scheduled.poll() is not None or is_stopped(scheduled.pid), "the scheduled run stops")
        assert scheduled.poll() is None, logs["scheduled"].read_text()[-3000:]
        # ... the manual run starts over the same files and must wait for the warehouse ...
        manual = start_dag_run(second_home, workspace, "2025-02-03T10:30:00+00:00", logs["manual"])
        wait_until(
            lambda: manual.poll() is not None or waits_for_the_writer_lock(workspace.warehouse_url, manual.pid),
            "the manual run queues for the warehouse",
        )
    finally:
        os.kill(scheduled.pid, signal.SIGCONT)  # ... until the scheduled one goes on and commits.
    scheduled.wait()
    manual.wait()

    for name, process in (("scheduled", scheduled), ("manual", manual)):
        log = logs[name].read_text()
        assert process.returncode == 0 and "state=success" in log, f"{name} run:\n{log[-5000:]}"
        assert "up_for_retry" not in log.lower() and "state=failed" not in log, f"{name} run had a failure"
    state = fingerprint(workspace.warehouse_url)
    assert state["ledger_rows"] == len(PROVINCES)
    assert {s["status"] for s in state["statuses"]} == {"accepted"}
    assert state["figure_rows"] == len(PROVINCES) * 2 * 16  # two rows each, sixteen metrics
    funds = next(t for t in state["totals"] if t["metric"] == "funds_total")
    assert (funds["value"], funds["provinces_reported"]) == (Decimal(4820 * len(PROVINCES)), len(PROVINCES))


@pytest.fixture
def pausable():
    """Failpoints armed with `:pause` hold the writer's thread until the test resumes it."""
    failpoints.paused.clear()
    failpoints.resume.clear()
    yield
    failpoints.resume.set()  # never leave a writer hanging on a failed assertion
    failpoints.paused.clear()
    failpoints.resume.clear()


def reader_waits_on_a_lock(warehouse_url: str) -> bool:
    """PostgreSQL: a reader queued behind the refresh's view swap (DuckDB readers never wait)."""
    if warehouse_url.startswith("duckdb:///"):
        return False
    [[waiting]] = query(
        warehouse_url,
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'relation' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    return waiting["n"] > 0


@pytest.mark.parametrize("failpoint", ["mid_load", "before_commit"])
def test_readers_see_the_totals_before_or_after_a_refresh_never_a_mix(workspace, monkeypatch, pausable, failpoint):
    """A reader loops over mart.national_totals and the payment records' totals while a refresh
    replaces four provinces' figures and one province's records; the refresh is held at a
    failpoint, inside its transaction, while the reader goes on reading.
    For DuckDB the reader is another connection in the writer's process: DuckDB lets no other process
    open the file meanwhile (our lock makes one wait). PostgreSQL readers are separate sessions; one
    that arrives while the views are being swapped waits for the commit, and then reads the new totals."""
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)
    for minute, code in enumerate(PROVINCES):
        upload(workspace.landing, f"{code}/2025-01/v1.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    upload(workspace.landing, "110000/2025-01/r1.csv", csv_bytes(RECORDS, records(6, province="110000")), 5)
    run_once()
    [before] = query(workspace.warehouse_url, TOTALS_AND_PAYMENTS)
    for minute, code in enumerate(PROVINCES, start=10):
        upload(
            workspace.landing, f"{code}/2025-01/v2.csv", csv_bytes(WINTER_WARMTH, [province_row(code, scale=2)]), minute
        )
    upload(workspace.landing, "110000/2025-01/r2.csv", csv_bytes(RECORDS, records(4, province="110000")), 15)
    answers = [pipeline.process(a) for a in pipeline.discover()]

    reads: list[tuple[bool, list[dict]]] = []  # (taken while the refresh was held, what was read)
    finished = threading.Event()

    def reader() -> None:
        warehouse = connect(workspace.warehouse_url)
        try:
            while not finished.is_set():
                held = failpoints.paused.is_set() and not failpoints.resume.is_set()
                reads.append((held, warehouse.query(TOTALS_AND_PAYMENTS)))
        finally:
            warehouse.close()

    monkeypatch.setenv("REPORTS_FAILPOINT", f"{failpoint}:pause")
    reading = threading.Thread(target=reader)
    reading.start()
    refresh = threading.Thread(target=pipeline.load, args=(answers,))
    refresh.start()
    assert failpoints.paused.wait(600), "the refresh never reached the failpoint"
    blocked = threading.Event()

    def reader_overlaps() -> bool:
        assert reading.is_alive(), "the reader failed"
        if reader_waits_on_a_lock(workspace.warehouse_url):
            blocked.set()
        return blocked.is_set() or sum(held for held, _ in reads) >= 3

    wait_until(reader_overlaps, "the reader reads while the refresh is held")
    failpoints.resume.set()
    refresh.join()
    finished.set()
    reading.join()

    [after] = query(workspace.warehouse_url, TOTALS_AND_PAYMENTS)
    funds = {r["metric"]: r["value"] for r in after}["funds_total"]
    assert funds == Decimal(9640 * len(PROVINCES)) and after != before
    assert (before[0]["payments"], after[0]["payments"]) == (6, 4)
    mixed = [rows for _, rows in reads if rows not in (before, after)]
    assert not mixed, f"a reader saw half a refresh: {mixed[0]}"
    if blocked.is_set():  # PostgreSQL, views being swapped: the reader waited, then read the new totals
        assert reads[-1][1] == after
    else:
        assert any(held for held, _ in reads), "no read overlapped the held refresh"
        assert all(rows == before for held, rows in reads if held), "a reader saw uncommitted figures"
