"""`make ui` (issue 14, item 3): the Airflow UI on this machine in one command, over the project's
AIRFLOW_HOME, DAGs, plugins and REPORTS_* settings, with the login it prints."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from airflow_harness import ROOT, airflow_env, wait_for
from conftest import free_port

DAG_ID = "consolidate_provincial_reports"
COMPONENTS = ("metadatabase", "scheduler", "dag_processor", "triggerer")


class UI:
    def __init__(self, process: subprocess.Popen, home: Path, port: int, log: Path) -> None:
        self.process, self.home, self.log = process, home, log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, what: str, check: Callable[[], object]) -> object:
        def alive_and_checked() -> object:
            assert self.process.poll() is None, f"make ui stopped\n{self.output()[-5000:]}"
            return check()

        return wait_for(what, alive_and_checked, lambda: self.output()[-5000:], timeout=300)


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[UI]:
    home, port, log = tmp_path / "airflow", free_port(), tmp_path / "make-ui.log"
    (tmp_path / "landing").mkdir()
    env = airflow_env(
        home,  # new: `make ui` migrates it, as on a fresh clone
        REPORTS_LANDING=str(tmp_path / "landing"),
        REPORTS_LAKE=str(tmp_path / "lake"),
        REPORTS_WAREHOUSE=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        REPORTS_SITE=str(tmp_path / "site"),
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(ROOT), "ui", f"UI_PORT={port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that the stop below reaches every component, as Ctrl-C does
        )
    try:
        yield UI(process, home, port, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever of the group outlived its parent


def test_make_ui_prints_its_login_and_starts_every_component_a_run_needs_over_the_projects_dags(ui: UI):
    """The runs these components make, and their task logs through the REST API the UI reads them
    from, are test_celery.py's (the same components, started one by one there, with the
    compose stack's CeleryExecutor)."""

    def healthy() -> bool:
        health = httpx.get(f"{ui.url}/api/v2/monitor/health").json()
        return all(health[part]["status"] == "healthy" for part in COMPONENTS)

    ui.wait_for("every component to report healthy", healthy)
    [printed] = [line for line in ui.output().splitlines() if line.startswith("Airflow UI:")]
    passwords = ui.home / "simple_auth_manager_passwords.json.generated"
    assert printed == f"Airflow UI: {ui.url.replace('127.0.0.1', 'localhost')}/  user admin, password in {passwords}"
    token = httpx.post(
        f"{ui.url}/auth/token", json={"username": "admin", "password": json.loads(passwords.read_text())["admin"]}
    ).json()["access_token"]
    api = httpx.Client(base_url=f"{ui.url}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    ui.wait_for("the DAG to be parsed", lambda: api.get(f"/dags/{DAG_ID}").is_success)
    assert api.get("/importErrors").json()["total_entries"] == 0
