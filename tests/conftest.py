from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
    "test_make_run.py",
    "test_landing_entries.py",
    "test_dag.py",
    "test_isolation.py",
    "test_airflow_server.py",
    "test_concurrency.py",
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


@pytest.fixture(scope="session")
def celery_stack(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryStack]:
    """Airflow on the CeleryExecutor with two workers (airflow_harness.celery_airflow), over a landing
    zone, lake, site and PostgreSQL warehouse of its own; started once per session, as it takes a
    minute: test_celery.py's tests share it, each with its own periods."""
    import redis

    from airflow_harness import REDIS, celery_airflow, new_database

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS} (.ci/run starts it): {exc}")
    root = tmp_path_factory.mktemp("celery")
    with new_database(postgres_server) as metadata, new_database(postgres_server, "reports_test") as warehouse:
        workspace = Workspace(root / "landing", root / "lake", warehouse, root / "site", root / "outbox")
        workspace.landing.mkdir()
        settings = {
            "REPORTS_LANDING": str(workspace.landing),
            "REPORTS_LAKE": str(workspace.lake),
            "REPORTS_WAREHOUSE": workspace.warehouse_url,
            "REPORTS_SITE": str(workspace.site),
            "REPORTS_PSEUDONYM_KEY": KEY,
        }
        with celery_airflow(root / "airflow", metadata, fast_retries=True, **settings) as airflow:
            yield CeleryStack(airflow, workspace)
