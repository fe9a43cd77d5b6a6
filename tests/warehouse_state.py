"""What the fault tests compare: the warehouse's contents in a form two runs can be checked equal by,
and copies of a warehouse to start many trials from one state."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from provincial_reports.stores.warehouse import connect

TOTALS = "SELECT * FROM mart.national_totals ORDER BY report_type, period, metric"
# Payment records, read in place from the lake on DuckDB (load/records.py): every file's, and the
# totals of those in force.
RECORDS = "SELECT submission_id, count(*) AS n, sum(amount_yuan) AS paid FROM core.disbursements GROUP BY 1 ORDER BY 1"
RECORDS_TOTALS = "SELECT * FROM mart.disbursement_totals ORDER BY period, province_code, beneficiary_category"


def query(url: str, *sql: str) -> list[list[dict]]:
    """The rows of each statement, over one connection."""
    warehouse = connect(url)
    try:
        return [warehouse.query(statement) for statement in sql]
    finally:
        warehouse.close()


def totals_hash(rows: list[dict]) -> str:
    """One number for the totals, independent of how the engine spells its types."""
    text = "\n".join("|".join(str(v) for v in row.values()) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(url: str) -> dict:
    """Everything a rerun or a crash must leave unchanged: row counts, per-province sums, the totals
    and their hash, the audit trail's size. Processing times are left out: a rerun may redo work."""
    ledger, figures, sums, statuses, changes, totals, records, records_totals = query(
        url,
        "SELECT count(*) AS n FROM ingest.submissions",
        "SELECT count(*) AS n FROM core.figures",
        "SELECT province_code, sum(value) AS s FROM core.figures GROUP BY 1 ORDER BY 1",
        "SELECT source, sha256, status FROM mart.submissions ORDER BY source, sha256",
        "SELECT count(*) AS n FROM mart.value_changes",
        TOTALS,
        RECORDS,
        RECORDS_TOTALS,
    )
    return {
        "ledger_rows": ledger[0]["n"],
        "figure_rows": figures[0]["n"],
        "province_sums": sums,
        "statuses": statuses,
        "value_changes": changes[0]["n"],
        "totals": totals,
        "totals_hash": totals_hash(totals),
        "records": records,
        "records_totals": records_totals,
    }


def copy_warehouse(url: str) -> str:
    """A copy of a closed warehouse under a new name: the file for DuckDB, a database created from
    it as a template for PostgreSQL (dropped with the original's server by drop_copies)."""
    name = f"copy_{uuid.uuid4().hex[:10]}"
    if url.startswith("duckdb:///"):
        source = Path(url.removeprefix("duckdb:///"))
        target = source.with_name(f"{name}.duckdb")
        shutil.copyfile(source, target)
        if source.with_name(f"{source.name}.wal").exists():
            shutil.copyfile(source.with_name(f"{source.name}.wal"), target.with_name(f"{target.name}.wal"))
        return f"duckdb:///{target}"
    import psycopg

    server, database = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {database}")  # our own generated names
    return f"{server}/{name}"


def drop_copy(url: str) -> None:
    if url.startswith("duckdb:///"):
        Path(url.removeprefix("duckdb:///")).unlink(missing_ok=True)
        return
    import psycopg

    server, database = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
