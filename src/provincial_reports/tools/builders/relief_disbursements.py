"""Valid payment records (relief_disbursements): row by row for tests (`record`, `records`), or
column-wise with Arrow compute for the benchmark (`province_table`), where ten million rows take
seconds. Every record is valid: a real check digit, a plausible birth date, no payment repeated.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from provincial_reports.declarations import report_types
from provincial_reports.validate.resident_id import check_character, check_characters

RECORDS = report_types()["relief_disbursements"]
CATEGORIES = tuple(c.code for c in RECORDS.records.categories)
PERIOD = "2025-01"

Row = dict[str, object]


def identity_number(n: int, region: str = "360102", born: str = "19800101", female: bool = False) -> str:
    """A valid number: region, birth date, a sequence (odd last digit for men), the check digit."""
    sequence = f"{(2 * n + (0 if female else 1)) % 1000:03d}"
    body = f"{region}{born}{sequence}"
    return body + check_character(body)


def record(n: int, province: str = "360000", **changes: object) -> Row:
    """The n-th payment of a province's urban district XX0102: 800 yuan, on a day of the period."""
    row: Row = {
        "period": PERIOD,
        "org_unit_code": f"{province[:2]}0102",
        "beneficiary_id": identity_number(n, region=f"{province[:2]}0102"),
        "beneficiary_category": CATEGORIES[n % len(CATEGORIES)],
        "amount_yuan": "800.00",
        "paid_on": f"2025-01-{n % 28 + 1:02d}",
    }
    return {**row, **changes}


def records(count: int = 5, province: str = "360000") -> list[Row]:
    """`count` payments to distinct people."""
    return [record(n, province) for n in range(count)]


# --- millions at a time -----------------------------------------------------------------------------

AMOUNTS = np.array(["300.00", "500.00", "800.00", "1000.00", "1500.50", "2000.00"])
UNITS = 400  # county-level codes per province: XX + city 01-20 + county 01-20
BIRTH_DAYS = 18_000  # births spread over 1955-01-01 .. 2004-04
MAX_ROWS_PER_PROVINCE = UNITS * BIRTH_DAYS * 1000  # distinct identity numbers per province


def province_table(prefix: str, rows: int) -> pa.Table:
    """`rows` distinct beneficiaries of one province (code prefix XX), one payment each, in the
    period; columns as declared, every value text as in a CSV."""
    if rows > MAX_ROWS_PER_PROVINCE:
        raise ValueError(f"at most {MAX_ROWS_PER_PROVINCE} rows per province")
    i = np.arange(rows, dtype=np.int64)
    unit = i % UNITS
    units = pc.binary_join_element_wise(prefix, _digits(unit // 20 + 1, 2), _digits(unit % 20 + 1, 2), "")
    births = np.datetime64("1955-01-01") + ((i // UNITS) % BIRTH_DAYS).astype("timedelta64[D]")
    birth_text = pc.strftime(pa.array(births), "%Y%m%d")
    body = pc.binary_join_element_wise(units, birth_text, _digits(i // (UNITS * BIRTH_DAYS), 3), "")
    ids = pc.binary_join_element_wise(body, check_characters(pc.binary_join_element_wise(body, "0", "")), "")
    paid = np.datetime64(f"{PERIOD}-01") + (i % 31).astype("timedelta64[D]")
    categories = np.array(CATEGORIES)
    return pa.table(
        {
            "period": pa.array(np.full(rows, PERIOD)),
            "org_unit_code": units,
            "beneficiary_id": ids,
            "beneficiary_category": pa.array(categories[i % len(categories)]),
            "amount_yuan": pa.array(AMOUNTS[(i // 7) % len(AMOUNTS)]),
            "paid_on": pc.strftime(pa.array(paid), "%Y-%m-%d"),
        }
    )


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")
