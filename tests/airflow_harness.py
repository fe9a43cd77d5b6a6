"""Airflow as the tests run it: a command line with the project's folders and a home of the test's own."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conftest import free_port

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


class Airflow:
    """A running Airflow: its API address, an operator's credentials and its components' logs."""

    def __init__(self, home: Path, env: dict[str, str], port: int, password: str) -> None:
        self.home, self.env, self.password = home, env, password
        self.url = f"http://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen] = []

    def start(self, *command: str, name: str = "", **extra_env: str) -> subprocess.Popen:
        """One component, its output in `<name or command>.log`, in a process group of its own."""
        log = open(self.home / f"{name or command[0]}.log", "ab")  # noqa: SIM115 - closed when the process is reaped
        process = subprocess.Popen(
            [str(AIRFLOW), *command],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def start_worker(self, name: str, **extra_env: str) -> subprocess.Popen:
        """A Celery worker that records `name` as its task instances' host (tests/worker_name.py),
        since every worker of a test runs on this one machine."""
        return self.start(
            "celery",
            "worker",
            *WORKER_OPTIONS,
            "--celery-hostname",
            name,
            name=name,
            PYTHONPATH=str(ROOT / "tests"),
            AIRFLOW__CORE__HOSTNAME_CALLABLE="worker_name.hostname",
            REPORTS_TEST_WORKER_NAME=name,
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            **extra_env,
        )

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a component and every process under it, as when its machine is lost."""
        import psutil

        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        for member in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.home.glob("*.log"))


def logged_in_client(airflow: Airflow) -> httpx.Client:
    """An HTTP client carrying the operator's JWT, obtained the way an operator's script would."""
    wait_for("the API server", lambda: httpx.get(f"{airflow.url}/api/v2/monitor/health").is_success, airflow.logs)
    answer = httpx.post(f"{airflow.url}/auth/token", json={"username": "operator", "password": airflow.password})
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return httpx.Client(base_url=f"{airflow.url}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30)


@contextlib.contextmanager
def new_database(postgres_server: str, prefix: str = "airflow_meta") -> Iterator[str]:
    """A PostgreSQL database of its own (Airflow's metadata, a warehouse), dropped afterwards; its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def sqlalchemy_url(database: str) -> str:
    """A libpq URL as SQLAlchemy takes it, through psycopg 3 (the driver the project installs)."""
    return database.replace("postgresql://", "postgresql+psycopg://")


@contextlib.contextmanager
def airflow_servers(home: Path, metadata: str, **settings: str) -> Iterator[Airflow]:
    """A migrated home on the PostgreSQL database `metadata` and its api-server; the caller starts
    the other components. Stopped, every component started, on leaving."""
    database = sqlalchemy_url(metadata)
    home.mkdir(parents=True, exist_ok=True)
    port, password = free_port(), secrets.token_urlsafe(16)
    (home / "passwords.json").write_text(json.dumps({"operator": password}))
    env = airflow_env(
        home,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=database,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC=database,
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="operator:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(home / "passwords.json"),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        **settings,
    )
    migrated_home(home, **env)
    running = Airflow(home, env, port, password)
    running.start("api-server", "--port", str(port), "--workers", "1")
    try:
        yield running
    finally:
        running.stop()


# What the tasks import, imported once by each Celery worker before its pool forks (Celery's
# `imports`): a task's process is forked from the worker, so it finds Great Expectations, pandas
# and the pipeline's stages already loaded instead of importing them again (README, "Upload to answer").
PRELOADED = [
    "provincial_reports.process",  # first: it quietens GX's import-time log lines (validate/suites.py)
    "great_expectations",
    "provincial_reports.load.transaction",
    "provincial_reports.reply.outbox",
    "provincial_reports.report.site",
]
# docker-compose.yaml's Celery settings (tests/test_deploy.py holds the file to them); the broker
# and result backend are this machine's Redis and PostgreSQL instead of the compose services.
CELERY_SETTINGS = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
    "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"imports": PRELOADED}),
}
# The worker's command line (the compose file's `command`): no gossip or mingling between workers,
# which Airflow does not use (it tracks tasks in its own database) and which cost CPU while idle.
WORKER_OPTIONS = ("--without-gossip", "--without-mingle")
# What an idle stack spends (bench/latency.py, README "Upload to answer"): the scheduler sleeps 2 s
# instead of 1 between loops that found nothing to do (with work it does not sleep); the
# dag-processor re-parses an unchanged file every 5 min instead of 30 s and checks whether its DAG
# folder is due a refresh every minute instead of every 5 s (docker-compose.yaml has the same).
IDLE_SETTINGS = {
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "2",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
    "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "60",
}
REDIS = os.environ.get("REPORTS_TEST_REDIS", "redis://127.0.0.1:6379/7")
WORKERS = ("worker-a", "worker-b")
# A task whose worker died is failed (then retried) once its heartbeats have stopped this long
# (Airflow's default is 300 s).
HEARTBEAT_TIMEOUT_SECONDS = 20
RETRY_POLICY = f"""
from datetime import timedelta


def task_policy(task):
    task.retry_delay = timedelta(seconds={RETRY_SECONDS})
"""


@contextlib.contextmanager
def celery_airflow(home: Path, metadata: str, *, fast_retries: bool = False, **settings: str) -> Iterator[Airflow]:
    """Every component of the compose stack on this machine, two workers (WORKERS) included, on
    Redis (a queue of the stack's own, so that two stacks never take each other's tasks) and a
    PostgreSQL metadata database, which is also Celery's result backend. `fast_retries`: tasks
    retry after RETRY_SECONDS (an Airflow cluster policy) instead of the DAG's two minutes."""
    if fast_retries:
        (home / "config").mkdir(parents=True)
        (home / "config" / "airflow_local_settings.py").write_text(RETRY_POLICY)
    celery = {
        **CELERY_SETTINGS,
        **IDLE_SETTINGS,
        "AIRFLOW__CELERY__BROKER_URL": REDIS,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + sqlalchemy_url(metadata),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"reports-{secrets.token_hex(4)}",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_SECONDS),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    with airflow_servers(home, metadata, **celery, **settings) as running:
        for component in ("scheduler", "dag-processor", "triggerer"):
            running.start(component)
        for worker in WORKERS:
            running.start_worker(worker)
        yield running
