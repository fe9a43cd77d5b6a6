"""A central reviewer's decisions on review flags (`cli review`): which flags await a decision, and
the decision itself. `clear`: the figure is right as reported (explained by its province, or
checked), so a figure held out of the headline national figure counts in it again. `return`: the
file goes back to its province, which counts as missing from the national totals until a
corrected file arrives. Recorded in core.flag_decisions (what, why, who, when), never by changing
a figure or an answer, so the audit trail keeps both; a decision is final.

The provinces learn of it at once: the command rewrites the outbox documents the decision changed
(a returned file's receipt, the status of its province and period), as the DAG's reply would.
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime

from provincial_reports.config import settings
from provincial_reports.reply.outbox import reply_to_provinces
from provincial_reports.report.terminal import flags_table
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views, opened_for_reading

UNDECIDED_FLAGS = (
    "SELECT * FROM mart.review_flags WHERE state IN ('open', 'explained') "
    "ORDER BY report_type, period, province_code, org_unit_code, metric, rule"
)
DECIDE = (
    "INSERT INTO core.flag_decisions (submission_id, org_unit_code, metric, rule, decision, note, decided_by, "
    "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
DECISIONS = {"clear": "cleared", "return": "returned"}  # the command's verb → the state it leaves


def undecided_flags(warehouse: Warehouse) -> list[dict]:
    """The flags still under review: open, or explained by their province."""
    return warehouse.query(UNDECIDED_FLAGS)


def named_flags(flags: list[dict], target: str) -> list[dict]:
    """The flags a reviewer names: a flag id, or `unit/period/metric` (e.g. 320000/2025-02/funds_total)
    for every flag on that unit's figure."""
    if target.count("/") == 2:
        unit, period, metric = target.split("/")
        return [f for f in flags if (f["org_unit_code"], f["period"], f["metric"]) == (unit, period, metric)]
    return [f for f in flags if f["flag_id"] == target]


def decide_flags(warehouse: Warehouse, target: str, decision: str, note: str, by: str) -> list[dict]:
    """Record `decision` (cleared or returned) on the undecided flags `target` names, in one
    transaction; the flags decided (none when it names no undecided flag). The tables and views are
    brought to this code's first, as a load would, so a warehouse last loaded by an older version
    takes decisions too."""
    at = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's tables hold UTC without a zone
    with warehouse.transaction():
        create_tables(warehouse)
        create_views(warehouse)
        found = named_flags(undecided_flags(warehouse), target)
        for key in dict.fromkeys((f["submission_id"], f["org_unit_code"], f["metric"], f["rule"]) for f in found):
            warehouse.execute(DECIDE, [*key, decision, note, by, at])  # once per key: two flags may share one
    return found


def list_command() -> int:
    """`cli review list`: the flags awaiting a decision, with the ids `clear` and `return` take."""
    with opened_for_reading(settings().warehouse) as warehouse:
        print(flags_table(undecided_flags(warehouse)))
    return 0


def decide_command(verb: str, target: str, note: str, by: str | None) -> int:
    """`cli review clear|return`: exit 2 when the note is empty or the target names no undecided
    flag, so a typo is never taken for a decision. `by` defaults to the login running the command."""
    if not note.strip():
        print("error: a decision needs a --note saying why (recorded, and read by the province)", file=sys.stderr)
        return 2
    config = settings()
    with opened_for_reading(config.warehouse) as warehouse:
        decided = decide_flags(warehouse, target, DECISIONS[verb], note.strip(), by or getpass.getuser())
        written = reply_to_provinces(warehouse, open_store(config.outbox)) if decided else []
    for f in decided:
        print(f"{DECISIONS[verb]} {f['flag_id']}: {f['report_type']} {f['period']} {f['org_unit_code']} {f['metric']}")
    if not decided:
        print(f"error: no review flag awaiting a decision is {target} (`cli review list` shows them)", file=sys.stderr)
        return 2
    if verb == "return":
        print("the file is returned: its province is missing from the national totals until a corrected file arrives")
    print(f"{len(written)} outbox document(s) rewritten for the provinces, {config.outbox}")
    return 0
