"""Which publications to propose to the reviewers without anyone asking (dags/propose_releases.py):
a period whose files can no longer change (its lock, `lock_after_days`, has passed) and that has no
release yet, of a report type that declares `release: {propose_after_lock: true}`. DHIS2 approves a
period once its data set expires; here the reviewer still decides, the schedule only asks.
"""

from __future__ import annotations

from datetime import datetime

from provincial_reports.config import settings
from provincial_reports.declarations import ReportType, report_types
from provincial_reports.stores.warehouse import Warehouse, WarehouseUnavailable, opened_for_reading

# Releases are read from staging, embargoed ones included: an embargoed release is a release made.
LOCKED_UNRELEASED = """
SELECT p.report_type, p.period
FROM mart.dim_period AS p
WHERE p.locks_at <= ?
    AND NOT EXISTS (
        SELECT 1 FROM staging.stg_releases AS r WHERE r.report_type = p.report_type AND r.period = p.period
    )
ORDER BY p.report_type, p.period
"""


def locked_unreleased(warehouse: Warehouse, report_types: dict[str, ReportType], now: datetime) -> list[dict]:
    """Each (report type, period) to propose at `now` (aware), as the publication DAG's params."""
    found = warehouse.query(LOCKED_UNRELEASED, (now,))
    return [
        {"report_type": p["report_type"], "period": p["period"]}
        for p in found
        if p["report_type"] in report_types and report_types[p["report_type"]].release.propose_after_lock
    ]


def run_id(proposal: dict) -> str:
    """One publication run per period ever proposed: a second proposal of it finds the run and skips."""
    return f"after_lock__{proposal['report_type']}__{proposal['period']}"


def proposals(now: datetime) -> list[dict]:
    """The publication runs to start at `now`: each one's params (`conf`) and run id. None while no
    run has loaded the warehouse: there is nothing to publish yet."""
    try:
        with opened_for_reading(settings().warehouse) as warehouse:
            found = locked_unreleased(warehouse, report_types(), now)
    except WarehouseUnavailable as exc:
        print(exc, flush=True)
        return []
    return [{"conf": p, "run_id": run_id(p)} for p in found]
