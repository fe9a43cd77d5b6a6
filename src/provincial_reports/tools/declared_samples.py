"""Demo submissions for every declared report type without hand-drawn samples (tools.samples draws
winter_warmth's month by hand): valid files made from the declaration alone, so that a type added
with `cli new-report-type` gets samples too.

A cell is filled by its column's declared type: the period, the unit's code and name, a figure
for a metric (a province's own row and one city well under it, parts adding up to their total as
the type's row rules declare), or, for a records type, one payment a row: a valid identity number
of a plausible age, a declared category, an amount under the cap, a day of the period. Rules a
suite adds beyond those the declarations state cannot be known here; a type whose suite asks for
more gets files that are rejected, and says so in its answers. Deterministic: a seeded generator
per type, province and period.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

from provincial_reports.declarations import Column, Province, ReportType, provinces, report_types
from provincial_reports.tools.builders.files import Row, csv_bytes
from provincial_reports.validate.resident_id import check_character

# How many provinces (the first that may: `senders`) send a file for each period, and on which day
# after the builders' BASE_TIME (2025-02-03) they arrive.
SENDERS = {"2025-01": 6, "2025-02": 3}
ARRIVAL_DAY = {"2025-01": 1, "2025-02": 28}
PAYMENTS_PER_FILE = 24
CENT = Decimal("0.01")


def declared_samples(sent: set[tuple[str, str, str]]) -> Iterator[tuple[str, bytes, int]]:
    """(source, bytes, arrival day) of each sample file of every declared type with no file in
    `sent`, the (report type, province, period) of the samples drawn by hand."""
    drawn_by_hand = {name for name, _, _ in sent}
    for report_type in report_types().values():
        if report_type.name in drawn_by_hand:
            continue
        for period, count in SENDERS.items():
            for province in senders(report_type, period, sent)[:count]:
                rng = random.Random(f"{report_type.name}/{province.code}/{period}")
                drawn = records_rows if report_type.records else summary_rows
                rows = drawn(report_type, province, period, rng)
                slug = province.name_en.lower().replace(" ", "-")
                source = f"{province.code}/{period}/{slug}-{report_type.name}-{period}.csv"
                yield source, csv_bytes(report_type, rows), ARRIVAL_DAY[period]


def senders(report_type: ReportType, period: str, sent: set[tuple[str, str, str]]) -> list[Province]:
    """The declared provinces that may send a sample, in declared order. For a records type, those
    without a sample of the summary it reconciles with: a few payments drawn here would be flagged
    against every count of a summary drawn with no thought of them."""
    summary = report_type.records.reconcile_with if report_type.records else None
    return [p for p in provinces().values() if (summary, p.code, period) not in sent]


def summary_rows(report_type: ReportType, province: Province, period: str, rng: random.Random) -> list[Row]:
    """The province's own row and one city's, each city figure 5-20 % of the province's."""
    own = balanced(report_type, {m.name: figure(m, rng.uniform(100, 5000)) for m in report_type.metrics})
    share = rng.uniform(0.05, 0.2)
    city = balanced(report_type, {m.name: figure(m, float(own[m.name]) * share) for m in report_type.metrics})
    return [
        unit_cells(report_type, period, province.code, f"{province.name_zh}总工会") | own,
        unit_cells(report_type, period, f"{province.prefix}0100", f"{province.name_zh}第一市总工会") | city,
    ]


def figure(metric: Column, value: float) -> Decimal | int:
    return Decimal(value).quantize(CENT) if metric.type == "decimal" else int(value)


def balanced(report_type: ReportType, figures: Row) -> Row:
    """Each declared total made the sum of its parts, exactly."""
    for rule in report_type.row_rules.parts_sum_to_total:
        figures[rule.total] = sum(figures[part] for part in rule.parts)
    return figures


def unit_cells(report_type: ReportType, period: str, code: str, name: str) -> Row:
    """A row's cells that are not figures: its period, its unit's code and name."""
    cells = {"period": period, "code": code, "text": name}
    return {c.name: cells[c.type] for c in report_type.columns if c.type in cells}


def records_rows(report_type: ReportType, province: Province, period: str, rng: random.Random) -> list[Row]:
    """PAYMENTS_PER_FILE payments to distinct people of a county-level unit of the province."""
    rules, unit = report_type.records, f"{province.prefix}0102"
    year = int(period[:4])
    amounts = [a for a in (300, 500, 800, 1000, 1500) if a <= rules.amount_cap_yuan] or [rules.amount_cap_yuan]
    rows = []
    for n in range(PAYMENTS_PER_FILE):
        age = rng.randint(rules.min_age + 1, min(rules.max_age - 1, 80))
        body = f"{unit}{year - age}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{n % 1000:03d}"
        cells = {
            "period": period,
            "code": unit,
            "id_number": body + check_character(body),
            "category": rules.categories[n % len(rules.categories)].code,
            "amount": f"{rng.choice(amounts):.2f}",
            "date": f"{period}-{rng.randint(1, 28):02d}",
        }
        rows.append({c.name: cells[c.type] for c in report_type.columns if c.type in cells})
    return rows
