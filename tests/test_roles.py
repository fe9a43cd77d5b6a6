"""The PostgreSQL roles: the loader writes, BI reads mart and nothing else, auditors add the ledger."""

from __future__ import annotations

import psycopg
import pytest

from provincial_reports import pipeline
from provincial_reports.cli import create_roles
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows


def as_role(database_url: str, role: str) -> str:
    """The same database, connected as another user (trust authentication on the test server)."""
    server, name = database_url.rsplit("/", 1)
    host = server.split("@", 1)[1]
    return f"postgresql://{role}@{host}/{name}"


@pytest.fixture
def loaded(postgres_database, tmp_path, monkeypatch) -> str:
    """A warehouse set up by the admin, loaded by reports_loader as in production."""
    monkeypatch.setenv("REPORTS_WAREHOUSE", postgres_database)
    create_roles()
    create_roles()  # idempotent: an operator may run it again
    return load_as_loader(postgres_database, tmp_path, monkeypatch)


def load_as_loader(postgres_database, tmp_path, monkeypatch) -> str:
    return load_as(postgres_database, "reports_loader", "2025-01", tmp_path, monkeypatch)


def load_as(postgres_database, role: str, period: str, tmp_path, monkeypatch) -> str:
    """One province's file for `period`, loaded by `role` (postgres is the administrator)."""
    monkeypatch.setenv("REPORTS_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("REPORTS_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("REPORTS_WAREHOUSE", as_role(postgres_database, role))
    upload(tmp_path / "landing", f"360000/{period}/a.csv", csv_bytes(WINTER_WARMTH, valid_rows(period=period)))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])
    return postgres_database


def run_as(database_url: str, role: str, sql: str) -> list:
    with psycopg.connect(as_role(database_url, role)) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize("role", ["reports_bi", "reports_auditor"])
def test_readers_see_the_marts(loaded, role):
    assert run_as(loaded, role, "SELECT count(*) FROM mart.national_totals")[0][0] == 16
    assert run_as(loaded, role, "SELECT status FROM mart.submissions") == [("accepted",)]


@pytest.mark.parametrize(
    "steps",
    [["roles", "postgres", "reports_loader", "postgres"], ["postgres", "roles", "postgres", "reports_loader"]],
    ids=["roles-first", "roles-after-a-load"],
)
def test_readers_keep_the_marts_whoever_loads_and_whenever_roles_are_made(
    postgres_database, tmp_path, monkeypatch, steps
):
    """Each load re-creates the mart views; one made by an administrator used to leave BI denied
    (`permission denied for view national_totals`), and the loader then unable to drop them."""
    periods = iter(["2025-01", "2025-02", "2025-03"])
    loads = 0
    for done, step in enumerate(steps, start=1):
        if step == "roles":
            monkeypatch.setenv("REPORTS_WAREHOUSE", postgres_database)
            create_roles()
        else:
            load_as(postgres_database, step, next(periods), tmp_path, monkeypatch)
            loads += 1
        if "roles" in steps[:done] and loads:
            for role in ("reports_bi", "reports_auditor"):
                totals = run_as(postgres_database, role, "SELECT count(*) FROM mart.national_totals")
                assert totals == [(16 * loads,)], f"{role} after {steps[:done]}"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM core.figures",
        "SELECT * FROM ingest.submissions",
        "SELECT * FROM staging.stg_submissions",
        "SELECT * FROM intermediate.int_figures_in_force",
        "INSERT INTO mart.dim_province VALUES ('990000', 'x', 'x')",
        "DELETE FROM mart.dim_province",
        "CREATE TABLE mart.mine (x int)",
        "CREATE TABLE public.mine (x int)",
    ],
)
def test_bi_can_neither_write_nor_read_outside_mart(loaded, sql):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(loaded, "reports_bi", sql)


def test_auditors_read_the_ledger_but_not_the_raw_tables(loaded):
    assert run_as(loaded, "reports_auditor", "SELECT count(*) FROM ingest.submissions")[0][0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(loaded, "reports_auditor", "SELECT * FROM core.figures")


def test_the_loader_creates_the_intermediate_schema_of_a_warehouse_set_up_before_it(
    postgres_database, tmp_path, monkeypatch
):
    """Roles granted by an earlier sql/roles, which made no intermediate schema: the loader may
    create it, and readers still see the marts built on it but not the schema itself."""
    monkeypatch.setenv("REPORTS_WAREHOUSE", postgres_database)
    create_roles()
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute("DROP SCHEMA intermediate")
    load_as_loader(postgres_database, tmp_path, monkeypatch)
    for role in ("reports_bi", "reports_auditor"):
        assert run_as(postgres_database, role, "SELECT count(*) FROM mart.national_totals")[0][0] == 16
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            run_as(postgres_database, role, "SELECT * FROM intermediate.int_figures_in_force")
