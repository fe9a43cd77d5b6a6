"""Valid winter_warmth submissions to start tests from; each test breaks exactly what it tests."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.declarations import report_types

WINTER_WARMTH = report_types()["winter_warmth"]
BASE_TIME = datetime(2025, 2, 3, 9, 0, tzinfo=UTC).timestamp()


def province_row(province: str, period: str = "2025-01", scale: int = 1) -> dict:
    """A province's own row: funds balance, every metric reported."""
    row = {
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


def city_row(province: str, city: str = "01", period: str = "2025-01") -> dict:
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


def valid_rows(province: str = "360000", period: str = "2025-01") -> list[dict]:
    return [province_row(province, period), city_row(province, "01", period)]


def csv_bytes(rows: list[dict], headers: str = "zh", encoding: str = "utf-8") -> bytes:
    """CSV as a province writes it: Chinese labels by default, one column per template column."""
    columns = WINTER_WARMTH.columns
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label_zh if headers == "zh" else c.name for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in columns])
    return out.getvalue().encode(encoding)


def upload(landing: Path, source: str, data: bytes, minute: int = 0) -> Path:
    """Put a file in the landing zone with a chosen arrival time (its modification time)."""
    path = landing / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    moment = BASE_TIME + 60 * minute
    os.utime(path, (moment, moment))
    return path
