"""`make run`, as an operator types it, gives the same marts on PostgreSQL as on DuckDB, shows its
progress and keeps each run's log."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conftest import KEY
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.samples import write_samples

ROOT = Path(__file__).resolve().parents[1]
TOTALS = "SELECT * FROM mart.national_totals ORDER BY report_type, period, metric"


def make_run(tmp_path: Path, landing: Path, engine: str, warehouse_url: str) -> str:
    """`make run`; what it printed."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "REPORTS_LANDING": str(landing),
        "REPORTS_LAKE": str(tmp_path / f"lake-{engine}"),
        "REPORTS_WAREHOUSE": warehouse_url,
        "REPORTS_PSEUDONYM_KEY": KEY,  # the samples hold payment records, as `make demo` sets one
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "run"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def marts(warehouse_url: str) -> tuple[list[dict], list[dict]]:
    warehouse = connect(warehouse_url)
    try:
        everything_but_when = columns_but_processed_at(warehouse)
        submissions = warehouse.query(f"SELECT {everything_but_when} FROM mart.submissions ORDER BY submission_id")
        return submissions, warehouse.query(TOTALS)
    finally:
        warehouse.close()


def columns_but_processed_at(warehouse) -> str:
    """Every column but the moment each engine's run processed the file (PostgreSQL has no EXCLUDE)."""
    rows = warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = 'submissions'"
        " ORDER BY ordinal_position"
    )
    return ", ".join(r["column_name"] for r in rows if r["column_name"] != "processed_at")


def test_make_run_on_postgresql_gives_the_marts_duckdb_gives(tmp_path, postgres_database):
    landing = tmp_path / "landing"
    write_samples(landing)

    printed = make_run(tmp_path, landing, "duckdb", f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    make_run(tmp_path, landing, "postgresql", postgres_database)

    on_duckdb, on_postgresql = marts(f"duckdb:///{tmp_path / 'warehouse.duckdb'}"), marts(postgres_database)
    files = len(list(landing.rglob("*.*")))
    assert len(on_duckdb[0]) == files and len(on_duckdb[1]) > 0
    assert on_postgresql == on_duckdb
    assert_progress_and_logs_kept(printed, tmp_path / "airflow" / "runs", files)


def assert_progress_and_logs_kept(printed: str, runs: Path, files: int) -> None:
    """Issue 14: the count of answered files while the run works; one log per run, each process task
    logging one line per file and neither GX's chatter nor its rendering tracebacks."""
    counts = re.findall(rf"^  (\d+)/{files} files answered · \d+ s", printed, flags=re.M)
    assert len(counts) >= 2 and counts[-1] == str(files), printed[:3000]
    logs = sorted(p for p in runs.glob("*.log") if p.name != "last.log")
    assert len(logs) == 2 and (runs / "last.log").resolve() == logs[-1]
    for log in logs:
        text = log.read_text(encoding="utf-8")
        assert len(re.findall(r"^ANSWER (ACCEPTED|REJECTED) ", text, flags=re.M)) == files
        assert "Skipping registering function" not in text and "unexpected_percent" not in text
