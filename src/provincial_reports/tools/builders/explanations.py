"""Explanation files (强制上报说明, read/explanations.py) as a province writes them: rows keyed by
unit and metric with the words and who wrote them, as CSV headed in Chinese or English or as JSON;
`files.xlsx_bytes(..., explanations=rows)` puts the same rows in a submission's sheet 说明."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Literal

from provincial_reports.read.explanations import FIELDS

Row = dict[str, object]


def explanation(org_unit_code: str, metric: str, text: str, by: str = "李敏") -> Row:
    return {"org_unit_code": org_unit_code, "metric": metric, "explanation": text, "explained_by": by}


def explanation_csv_bytes(rows: Iterable[Row], headers: Literal["zh", "en"] = "zh", encoding: str = "utf-8") -> bytes:
    """One column per field, headed by its Chinese heading ("zh") or its name ("en"); CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([zh if headers == "zh" else name for name, zh in FIELDS.items()])
    for row in rows:
        writer.writerow([row.get(name, "") for name in FIELDS])
    return out.getvalue().encode(encoding)


def explanation_json_bytes(rows: Iterable[Row]) -> bytes:
    """A JSON array of one object per explanation, keyed by the fields' English names."""
    return json.dumps([{name: row.get(name) for name in FIELDS} for row in rows], ensure_ascii=False, indent=2).encode()
