"""Step 6, totals: the national figures as the marts state them, for people and programs."""

from __future__ import annotations

from provincial_reports.declarations import provinces, report_types
from provincial_reports.stores.warehouse import Warehouse


def national_totals(warehouse: Warehouse) -> list[dict]:
    return warehouse.query(
        "SELECT report_type, period, metric, value, provinces_reported, provinces_missing "
        "FROM mart.national_totals ORDER BY report_type, period, metric_position"
    )


def totals_table(rows: list[dict]) -> str:
    """A fixed-width table for the terminal; missing provinces listed by code."""
    lines = [f"{'report / period':<22} {'metric':<26} {'value':>14}  covered  missing"]
    for r in rows:
        label = report_types()[r["report_type"]].column(r["metric"]).label_zh
        value = "—" if r["value"] is None else f"{r['value']:,.4f}".rstrip("0").rstrip(".")
        missing = r["provinces_missing"] or "-"
        lines.append(
            f"{r['report_type'] + ' ' + r['period']:<22} {r['metric']:<26} {value:>14}  "
            f"{r['provinces_reported']:>2}/{len(provinces())}    {missing}   {label}"
        )
    return "\n".join(lines)
