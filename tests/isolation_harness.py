"""The real DAG under `dag.test()`, as `airflow dags test` runs it, with one change: its tasks
retry after RETRY_SECONDS instead of two minutes, so that a test can watch a task fail, be retried
and fail for good without waiting four minutes. Everything else (trigger rules, retries, mapping,
pools) is the DAG file's own."""

from __future__ import annotations

import json
import subprocess
import sys

from airflow_harness import DAGS, airflow_env

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


def run_dag_quickly(airflow_home, workspace) -> tuple[dict, str]:
    """(the run's state and every task instance's state and tries, the log)."""
    env = airflow_env(
        airflow_home,
        REPORTS_LANDING=str(workspace.landing),
        REPORTS_LAKE=str(workspace.lake),
        REPORTS_WAREHOUSE=workspace.warehouse_url,
        REPORTS_SITE=str(workspace.site),
    )
    done = subprocess.run([sys.executable, "-c", RUNNER], env=env, capture_output=True, text=True)
    log = done.stdout + done.stderr
    results = [line for line in done.stdout.splitlines() if line.startswith("RUN-RESULT ")]
    assert done.returncode == 0 and results, log[-5000:]
    return json.loads(results[-1].removeprefix("RUN-RESULT ")), log
