"""The lock after the deadline, decided where an answer is committed: a file arriving at or after its
period's lock (`lock_after_days` past the deadline, intermediate.int_period_deadlines) with no
exception covering its province and period (`cli unlock`) is answered `locked`. It keeps its ledger
row and its copy in the lake; its figures are never loaded.

Decided once, inside the load's transaction, from the warehouse as that transaction sees it (the
declarations just refreshed, the file's own ledger row already in): a retried load decides the same,
and an exception granted later lets later files in without changing an answer already given.
"""

from __future__ import annotations

from datetime import datetime

from provincial_reports.stores.warehouse import Warehouse

LOCK_OF = """
SELECT d.locks_at
FROM staging.stg_submissions AS s
JOIN intermediate.int_period_deadlines AS d ON d.report_type = s.report_type AND d.period = s.period
WHERE s.submission_id = ?
    AND s.received_at >= d.locks_at
    AND NOT EXISTS (
        SELECT 1 FROM staging.stg_lock_exceptions AS e
        WHERE e.province_code = s.province_code AND e.period = s.period AND s.received_at <= e.until
    )
"""


def lock_of(warehouse: Warehouse, submission_id: str) -> datetime | None:
    """The lock a file arrived after with no exception covering it, or None when it is let in. Its
    ledger row must be in, and the views current (load/transaction.py creates them first)."""
    found = warehouse.query(LOCK_OF, [submission_id])
    return found[0]["locks_at"] if found else None


def record_lock(warehouse: Warehouse, submission_id: str, locks_at: datetime) -> None:
    warehouse.execute(
        "INSERT INTO ingest.locked_submissions (submission_id, locks_at) VALUES (?, ?)", [submission_id, locks_at]
    )
