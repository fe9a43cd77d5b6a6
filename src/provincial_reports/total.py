"""Step 6, totals: the national figures as the marts state them, for people and programs."""

from __future__ import annotations

from provincial_reports.stores.warehouse import Warehouse


def national_totals(warehouse: Warehouse) -> list[dict]:
    return warehouse.query(
        "SELECT report_type, period, metric, value, provinces_reported, provinces_missing "
        "FROM mart.national_totals ORDER BY report_type, period, metric_position"
    )
