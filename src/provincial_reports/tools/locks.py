"""The operator's exception to the lock after the deadline (`cli unlock`): files of one province
and period arriving until a given moment are answered as if the period were open. Recorded in
core.lock_exceptions with who, when and why (mart.lock_exceptions, for auditors), never by
changing an answer already given: a file locked before the exception stays locked, and the
province uploads it again.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta, timezone

from provincial_reports.config import settings
from provincial_reports.declarations import provinces
from provincial_reports.land import PERIOD
from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views, opened

BEIJING = timezone(timedelta(hours=8))
GRANT = (
    "INSERT INTO core.lock_exceptions (province_code, period, until, reason, granted_by, granted_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def until_moment(text: str) -> datetime:
    """`--until` as a moment in UTC: a day (YYYY-MM-DD) means to its end, Beijing time, as due days
    do; a time without a zone is Beijing time too. ValueError for anything else."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)).astimezone(UTC)
    return datetime.combine(day + timedelta(days=1), time(), BEIJING).astimezone(UTC)


def grant_exception(
    warehouse: Warehouse, province_code: str, period: str, until: datetime, reason: str, by: str
) -> dict:
    """Record the exception in one transaction; the row as mart.lock_exceptions shows it. ValueError
    for a province that is not declared or a period not in YYYY-MM form, so a typo grants nothing."""
    if province_code not in provinces():
        raise ValueError(f"{province_code!r} is not a declared province code")
    if not PERIOD.match(period):
        raise ValueError(f"{period!r} is not a period in YYYY-MM form")
    if not reason.strip() or not by.strip():
        raise ValueError("an exception needs a reason and who grants it")
    granted_at = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's tables hold UTC without a zone
    with warehouse.transaction():
        create_tables(warehouse)
        create_views(warehouse)
        warehouse.execute(GRANT, [province_code, period, until.replace(tzinfo=None), reason, by, granted_at])
    found = warehouse.query(
        "SELECT * FROM mart.lock_exceptions WHERE province_code = ? AND period = ? ORDER BY granted_at DESC",
        [province_code, period],
    )
    return found[0]


def run_command(province: str, period: str, until: str, reason: str, by: str) -> int:
    """`cli unlock`: exit 2 on a province, period or moment that is not one, so a typo grants nothing."""
    try:
        moment = until_moment(until)
        with opened(settings().warehouse) as warehouse:
            granted = grant_exception(warehouse, province, period, moment, reason, by)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"unlocked {province} {period} until {granted['until']:%Y-%m-%d %H:%M} UTC, granted by {granted['granted_by']}"
    )
    print("files arriving until then are answered as usual; a file locked before stays locked: upload it again")
    return 0
