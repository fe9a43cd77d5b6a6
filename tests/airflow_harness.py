"""Airflow as the tests run it: a command line with the project's folders and a home of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def run_dag(airflow_home: Path, workspace) -> str:
    env = airflow_env(
        airflow_home,
        REPORTS_LANDING=str(workspace.landing),
        REPORTS_LAKE=str(workspace.lake),
        REPORTS_WAREHOUSE=workspace.warehouse_url,
        REPORTS_SITE=str(workspace.site),
    )
    done = subprocess.run(
        [str(AIRFLOW), "dags", "test", "consolidate_provincial_reports"], env=env, capture_output=True, text=True
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0 and "state=success" in log, log[-5000:]
    return log
