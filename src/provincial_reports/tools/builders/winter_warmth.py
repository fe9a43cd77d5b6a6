"""Valid winter_warmth rows: a province's own row (code XX0000) and its cities' (XXYY00), every
metric reported, the funds' parts adding up to their total and each city under its province."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from provincial_reports.declarations import report_types

WINTER_WARMTH = report_types()["winter_warmth"]
FUNDS = WINTER_WARMTH.row_rules.parts_sum_to_total[0]  # funds_total = funds_holiday + funds_regular
FUND_COLUMNS = (FUNDS.total, *FUNDS.parts)
CENT = Decimal("0.01")

Row = dict[str, object]


def province_row(province: str, period: str = "2025-01", scale: int = 1) -> Row:
    """A province's own row: funds balance, every metric reported."""
    row: Row = {
        "period": period,
        "org_unit_code": province,
        "org_unit_name": f"{province} 总工会",
        "funds_total": 4820 * scale,
        "funds_holiday": 2434 * scale,
        "funds_regular": 2386 * scale,
    }
    for i, metric in enumerate(WINTER_WARMTH.metrics[3:], start=1):
        row[metric.name] = 100 * i * scale
    return row


def city_row(province: str, city: str = "01", period: str = "2025-01") -> Row:
    """A city breakdown well under its province's figures."""
    row = province_row(province, period)
    row.update(
        org_unit_code=f"{province[:2]}{city}00",
        org_unit_name=f"{province[:2]}{city}00 市总工会",
        funds_total=482,
        funds_holiday=243.4,
        funds_regular=238.6,
    )
    for metric in WINTER_WARMTH.metrics[3:]:
        row[metric.name] = row[metric.name] // 10
    return row


def valid_rows(province: str = "360000", period: str = "2025-01") -> list[Row]:
    """The province's own row and one city's."""
    return [province_row(province, period), city_row(province, "01", period)]


def unit_row(period: str, code: str, name: str, figures: Row) -> Row:
    """A unit's row in the template's column order, its metrics taken from `figures`."""
    row: Row = {"period": period, "org_unit_code": code, "org_unit_name": name}
    row.update({m.name: figures[m.name] for m in WINTER_WARMTH.metrics})
    return row


def money(value: float | Decimal) -> Decimal:
    """10k yuan to the cent, written the way people type it: 4820, 2434.5, 1193.27."""
    cents = Decimal(value).quantize(CENT, rounding=ROUND_DOWN)
    return cents.quantize(Decimal(1)) if cents == cents.to_integral_value() else cents.normalize()


def split_funds(total: Decimal, holiday_share: float | Decimal) -> Row:
    """funds_holiday + funds_regular = funds_total exactly: the regular part is the remainder."""
    holiday = money(total * Decimal(holiday_share))
    return {FUNDS.parts[0]: holiday, FUNDS.parts[1]: money(total - holiday)}
