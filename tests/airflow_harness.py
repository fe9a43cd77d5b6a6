"""Airflow as the tests run it: a command line with the project's folders and a home of the test's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"
AIRFLOW = Path(sys.executable).parent / "airflow"
POOLS = ROOT / "deploy" / "airflow" / "pools.json"


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "GX_ANALYTICS_ENABLED": "False",
        **extra,
    }


def migrated_home(home: Path, **extra: str) -> Path:
    """A migrated metadata database with the pools the DAG declares, as `make run` sets it up."""
    for command in (["db", "migrate"], ["pools", "import", str(POOLS)]):
        subprocess.run([str(AIRFLOW), *command], env=airflow_env(home, **extra), capture_output=True, check=True)
    return home


def workspace_env(airflow_home: Path, workspace) -> dict[str, str]:
    """Airflow's settings and the test's own landing zone, lake, warehouse and site."""
    return airflow_env(
        airflow_home,
        REPORTS_LANDING=str(workspace.landing),
        REPORTS_LAKE=str(workspace.lake),
        REPORTS_WAREHOUSE=workspace.warehouse_url,
        REPORTS_SITE=str(workspace.site),
        REPORTS_OUTBOX=str(workspace.outbox),
    )


def run_dag(
    airflow_home: Path, workspace, dag_id: str = "consolidate_provincial_reports", logical_date: str | None = None
) -> str:
    env = workspace_env(airflow_home, workspace)
    at = [logical_date] if logical_date else []
    done = subprocess.run([str(AIRFLOW), "dags", "test", dag_id, *at], env=env, capture_output=True, text=True)
    log = done.stdout + done.stderr
    assert done.returncode == 0 and "state=success" in log, log[-5000:]
    return log


# The real DAG under `dag.test()`, as `airflow dags test` runs it, with one change: its tasks retry
# after RETRY_SECONDS instead of two minutes, so that a test can watch a task fail, be retried and
# fail for good without waiting four minutes. Everything else (trigger rules, retries, mapping,
# pools) is the DAG file's own.
RETRY_SECONDS = 1
RUNNER = f"""
import json, sys
from datetime import timedelta
from airflow.dag_processing.dagbag import DagBag

dag = DagBag(dag_folder={str(DAGS)!r}).dags["consolidate_provincial_reports"]
for task in dag.tasks:
    task.retry_delay = timedelta(seconds={RETRY_SECONDS})
run = dag.test()
states = {{}}
for ti in run.get_task_instances():
    states[f"{{ti.task_id}}[{{ti.map_index}}]" if ti.map_index >= 0 else ti.task_id] = [str(ti.state), ti.try_number]
print("RUN-RESULT " + json.dumps({{"state": str(run.state), "tasks": states}}))
"""


def run_dag_quickly(airflow_home: Path, workspace) -> tuple[dict, str]:
    """(the run's state and every task instance's state and tries, the log)."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER], env=workspace_env(airflow_home, workspace), capture_output=True, text=True
    )
    log = done.stdout + done.stderr
    results = [line for line in done.stdout.splitlines() if line.startswith("RUN-RESULT ")]
    assert done.returncode == 0 and results, log[-5000:]
    return json.loads(results[-1].removeprefix("RUN-RESULT ")), log


def wait_for(what: str, check: Callable[[], object], logs: Callable[[], str], timeout: float = 400) -> object:
    """Poll until `check` returns something truthy (a server not answering yet counts as not yet);
    on timeout, fail with `logs()`, the servers' own account of why."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        time.sleep(2)
    pytest.fail(f"timed out waiting for {what}\n{logs()}")
