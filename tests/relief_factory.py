"""Valid relief_disbursements records to start tests from; each test breaks what it tests."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq

from provincial_reports.declarations import report_types
from provincial_reports.validate.resident_id import check_character

RELIEF = report_types()["relief_disbursements"]
KEY = "test-pseudonym-key-0123456789"
CATEGORIES = ("hardship", "migrant", "new_forms", "frontline", "model")


def identity_number(n: int, region: str = "360102", born: str = "19800101", female: bool = False) -> str:
    """A valid number: region, birth date, a sequence (odd last digit for men), the check digit."""
    sequence = f"{(2 * n + (0 if female else 1)) % 1000:03d}"
    body = f"{region}{born}{sequence}"
    return body + check_character(body)


def record(n: int, province: str = "360000", **changes: object) -> dict:
    row = {
        "period": "2025-01",
        "org_unit_code": f"{province[:2]}0102",
        "beneficiary_id": identity_number(n, region=f"{province[:2]}0102"),
        "beneficiary_category": CATEGORIES[n % len(CATEGORIES)],
        "amount_yuan": "800.00",
        "paid_on": f"2025-01-{n % 28 + 1:02d}",
    }
    return {**row, **changes}


def records(count: int = 5, province: str = "360000") -> list[dict]:
    return [record(n, province) for n in range(count)]


def relief_csv(rows: list[dict], headers: str = "zh", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label_zh if headers == "zh" else c.name for c in RELIEF.columns])
    for row in rows:
        writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in RELIEF.columns])
    return out.getvalue().encode(encoding)


def relief_parquet(rows: list[dict]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()
