"""Step 6, totals: the national figures as the marts state them, for people and programs."""

from __future__ import annotations

from provincial_reports.stores.warehouse import Warehouse


def national_totals(warehouse: Warehouse) -> list[dict]:
    """Each total with its headline figure (value_headline) beside the sum of every figure (value),
    and how many provinces' figures are under review or held out of the headline."""
    return warehouse.query(
        "SELECT report_type, period, metric, value, value_headline, value_excluding_flagged, provinces_reported, "
        "provinces_missing, provinces_flagged, provinces_held_out "
        "FROM mart.national_totals ORDER BY report_type, period, metric_position"
    )
