"""Reviewers' decisions on review flags (`cli review`): which flags are open, and a reviewer's
confirmation that a flagged figure is right as reported. A confirmation ends the figure's review,
so a figure held out of the headline national figure counts in it again. It is recorded in
core.flag_confirmations (who, when, why), never by changing a figure, so the audit trail keeps both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views

OPEN_FLAGS = (
    "SELECT * FROM mart.review_flags WHERE status = 'open' "
    "ORDER BY report_type, period, province_code, org_unit_code, metric, rule"
)
CONFIRM = (
    "INSERT INTO core.flag_confirmations "
    "(submission_id, org_unit_code, metric, rule, confirmed_by, comment, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def open_flags(warehouse: Warehouse) -> list[dict]:
    return warehouse.query(OPEN_FLAGS)


def named_flags(flags: list[dict], target: str) -> list[dict]:
    """The flags a reviewer names: a flag id, or `unit/period/metric` (e.g. 320000/2025-02/funds_total)
    for every flag on that unit's figure."""
    if target.count("/") == 2:
        unit, period, metric = target.split("/")
        return [f for f in flags if (f["org_unit_code"], f["period"], f["metric"]) == (unit, period, metric)]
    return [f for f in flags if f["flag_id"] == target]


def confirm_flags(warehouse: Warehouse, target: str, by: str, comment: str) -> list[dict]:
    """Confirm the open flags `target` names, in one transaction; the flags confirmed (none when it
    names no open flag). The tables and views are brought to this code's first, as a load would,
    so a warehouse last loaded by an older version takes confirmations too."""
    at = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's tables hold UTC without a zone
    with warehouse.transaction():
        create_tables(warehouse)
        create_views(warehouse)
        found = named_flags(open_flags(warehouse), target)
        for key in dict.fromkeys((f["submission_id"], f["org_unit_code"], f["metric"], f["rule"]) for f in found):
            warehouse.execute(CONFIRM, [*key, by, comment, at])  # once per key: two flags may share one
    return found
