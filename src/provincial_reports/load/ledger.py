"""The ledger, `ingest.submissions`: one row per file version ever answered, keyed by where it
landed and the hash of its bytes. What it holds is never processed again; what it lacks is new.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from provincial_reports.stores.warehouse import Warehouse, create_tables

if TYPE_CHECKING:  # the write step imports pandas; discovering new files must not
    from provincial_reports.write import Answer

LEDGER_COLUMNS = (
    "submission_id",
    "source",
    "sha256",
    "size_bytes",
    "received_at",
    "processed_at",
    "report_type",
    "province_code",
    "period",
    "outcome",
    "reason",
    "rows_read",
    "raw_location",
    "result_location",
    "parquet_location",
)


def ledger_keys(warehouse: Warehouse) -> set[tuple[str, str]]:
    """(source, sha256) of every file version answered so far."""
    create_tables(warehouse)
    return {(r["source"], r["sha256"]) for r in warehouse.query("SELECT source, sha256 FROM ingest.submissions")}


def insert_ledger_row(warehouse: Warehouse, answer: Answer) -> None:
    row = answer.to_dict()
    row |= {"size_bytes": row["size"], "reason": "\n".join(row["failures"]) or None}
    for moment in ("received_at", "processed_at"):
        row[moment] = datetime.fromisoformat(row[moment]).replace(tzinfo=None)
    placeholders = ", ".join("?" for _ in LEDGER_COLUMNS)
    warehouse.execute(
        f"INSERT INTO ingest.submissions ({', '.join(LEDGER_COLUMNS)}) VALUES ({placeholders})",
        [row[c] for c in LEDGER_COLUMNS],
    )
