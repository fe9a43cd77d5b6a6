from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

# Before anything imports Airflow: a throwaway home, so tests never touch ~/airflow or ./data.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["GX_ANALYTICS_ENABLED"] = "False"

POSTGRES = os.environ.get("REPORTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
KEY = "test-pseudonym-key-0123456789"  # the pseudonym key records are processed with in tests


# The files whose tests start Airflow processes (tests/README.md), longest first: `make test` runs
# whole files in two processes (pytest-xdist: --dist loadfile, in this order: --no-loadscope-reorder),
# each taking the next file when done, so starting the long ones first lets both finish together
# instead of one waiting on the last long file.
LONG_FILES = (
    "test_celery.py",
    "test_dag.py",
    "test_make_run.py",
    "test_concurrency.py",
    "test_isolation.py",
    "test_landing_entries.py",
    "test_plugins.py",
    "test_security.py",
    "test_s3.py",
    "test_make_ui.py",
    "test_records_dag.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Workspace:
    landing: Path
    lake: Path
    warehouse_url: str
    site: Path
    outbox: Path | str  # a folder, or s3://bucket/prefix


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server tests create their databases on. Unreachable: skipped on a laptop,
    a failure where REPORTS_REQUIRE_POSTGRES=1 (CI), so a green CI always includes PostgreSQL."""
    import psycopg

    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("REPORTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES}")
    return POSTGRES


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A database of the test's own, dropped afterwards."""
    from airflow_harness import new_database

    with new_database(postgres_server, "reports_test") as database:
        yield database


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that uses the warehouse runs on both engines."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def workspace(tmp_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A landing zone, lake and warehouse of the test's own, set in the environment as in production."""
    ws = Workspace(tmp_path / "landing", tmp_path / "lake", warehouse_url, tmp_path / "site", tmp_path / "outbox")
    ws.landing.mkdir()
    monkeypatch.setenv("REPORTS_LANDING", str(ws.landing))
    monkeypatch.setenv("REPORTS_LAKE", str(ws.lake))
    monkeypatch.setenv("REPORTS_WAREHOUSE", ws.warehouse_url)
    monkeypatch.setenv("REPORTS_SITE", str(ws.site))
    monkeypatch.setenv("REPORTS_OUTBOX", str(ws.outbox))
    return ws


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Airflow metadata database (SQLite) shared by a module's DAG runs."""
    from airflow_harness import migrated_home

    return migrated_home(tmp_path_factory.mktemp("airflow"))


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A real SMTP server on 127.0.0.1 (tests/smtp_server.py) that Airflow's `smtp_default` points at;
    its Mailbox holds what it received."""
    from smtp_server import Mailbox, smtp_connection

    mailbox = Mailbox(port=free_port())
    mailbox.start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_connection(mailbox.port))
    yield mailbox
    if mailbox.controller:
        mailbox.stop()


@dataclass(frozen=True)
class CeleryStack:
    airflow: object  # airflow_harness.Airflow
    workspace: Workspace


@contextlib.contextmanager
def started_celery_stack(postgres_server: str, root: Path) -> Iterator[CeleryStack]:
    """Airflow on the CeleryExecutor with two workers (airflow_harness.celery_airflow), over a landing
    zone, lake, site, outbox and PostgreSQL warehouse of its own, under `root`."""
    import redis

    from airflow_harness import REDIS, celery_airflow, new_database

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS} (.ci/run starts it): {exc}")
    with new_database(postgres_server) as metadata, new_database(postgres_server, "reports_test") as warehouse:
        workspace = Workspace(root / "landing", root / "lake", warehouse, root / "site", root / "outbox")
        workspace.landing.mkdir()
        settings = {
            "REPORTS_LANDING": str(workspace.landing),
            "REPORTS_LAKE": str(workspace.lake),
            "REPORTS_WAREHOUSE": workspace.warehouse_url,
            "REPORTS_SITE": str(workspace.site),
            "REPORTS_OUTBOX": str(workspace.outbox),
            "REPORTS_PSEUDONYM_KEY": KEY,
        }
        with celery_airflow(root / "airflow", metadata, fast_retries=True, **settings) as airflow:
            yield CeleryStack(airflow, workspace)


@pytest.fixture(scope="module")
def celery_stack(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryStack]:
    """The Celery stack (started_celery_stack) test_celery.py's tests share, each with periods of its
    own: it takes a minute to start, so it starts once, and stops with the file rather than idling,
    a tenth of a core, until the session ends."""
    with started_celery_stack(postgres_server, tmp_path_factory.mktemp("celery")) as stack:
        yield stack


@pytest.fixture
def celery_api(celery_stack: CeleryStack) -> httpx.Client:
    """The operator's client on the Celery stack, the consolidation DAG parsed and unpaused (its
    landing watch then running)."""
    from airflow_harness import logged_in_client, wait_for

    dag = "consolidate_provincial_reports"
    client = logged_in_client(celery_stack.airflow)
    wait_for("the DAG to be parsed", lambda: client.get(f"/dags/{dag}").is_success, celery_stack.airflow.logs)
    if client.get(f"/dags/{dag}").json()["is_paused"]:
        client.patch(f"/dags/{dag}", json={"is_paused": False}).raise_for_status()
        # The watch starts once the dag-processor parses the DAG unpaused, which it does again only
        # every 5 minutes (IDLE_SETTINGS): the parse an operator can ask for over REST, at once.
        token = client.get(f"/dags/{dag}/details").json()["file_token"]
        client.put(f"/parseDagFile/{token}").raise_for_status()
    return client
