"""The marts as files for auditors, who open them in Excel or WPS: CSV (UTF-8 with BOM, which
Excel needs to show Chinese) or XLSX.

Every text cell that a spreadsheet would take for a formula (it starts with =, +, -, @, a tab
or a carriage return) is neutralised with a leading apostrophe: unit names, file names and
rejection reasons come from the provinces' files, and a name such as =HYPERLINK(...) must stay
text on an auditor's screen (CSV/formula injection). Numbers stay numbers; a list (the codes in
`national_totals.provinces_missing`) becomes one text cell, its items joined by ", ".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.stores.warehouse import Warehouse

# mart → its ORDER BY; our own SQL, the only names an export ever puts into a query
MARTS = {
    "national_totals": "report_type, period, metric_position",
    "province_figures": "report_type, period, province_code, metric",
    "city_figures": "report_type, period, city_code, metric",
    "submissions": "province_code, period, received_at, source",
    "completeness": "report_type, period, province_code",
    "review_flags": "report_type, period, province_code, org_unit_code, metric, rule",
    "official_totals": "report_type, period, metric_position",
    "releases": "report_type, period, revision",
}
FORMATS = ("csv", "xlsx")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """A text cell a spreadsheet would evaluate, made inert; anything else as it is. Leading
    spaces do not hide a trigger: some spreadsheets trim them before looking."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or value.lstrip(" ").startswith(FORMULA_TRIGGERS)
    ):
        return "'" + value
    return value


def as_cell(value: object) -> object:
    """A spreadsheet cell holds one scalar: a list is written as its items in one text."""
    return ", ".join(str(item) for item in value) if isinstance(value, list) else value


def mart_rows(warehouse: Warehouse, mart: str) -> tuple[list[str], list[list[object]]]:
    """Column names and rows of one mart, neutralised."""
    order = MARTS[mart]  # KeyError for anything but our own marts
    rows = warehouse.query(f"SELECT * FROM mart.{mart} ORDER BY {order}")
    columns = list(rows[0]) if rows else _columns(warehouse, mart)
    return columns, [[neutralised(as_cell(row[c])) for c in columns] for row in rows]


def _columns(warehouse: Warehouse, mart: str) -> list[str]:
    found = warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = ? "
        "ORDER BY ordinal_position",
        [mart],
    )
    return [r["column_name"] for r in found]


def csv_bytes(columns: list[str], rows: Iterable[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(mart: str, columns: list[str], rows: Iterable[list[object]]) -> bytes:
    """Text cells are written as strings (never formulas); characters XML cannot carry are
    replaced, as openpyxl would otherwise refuse the whole file."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = mart[:31]
    sheet.append(columns)
    for row in rows:
        sheet.append([_excel_value(v, ILLEGAL_CHARACTERS_RE) for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _excel_value(value: object, illegal: re.Pattern) -> object:
    """Excel holds neither time zones nor XML's forbidden control characters."""
    if isinstance(value, str):
        return illegal.sub("\ufffd", value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def export_marts(warehouse: Warehouse, folder: Path, fmt: str, marts: Iterable[str] = MARTS) -> list[Path]:
    """One file per mart in `folder`, named after it; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for mart in marts:
        columns, rows = mart_rows(warehouse, mart)
        data = csv_bytes(columns, rows) if fmt == "csv" else xlsx_bytes(mart, columns, rows)
        path = folder / f"{mart}.{fmt}"
        path.write_bytes(data)
        written.append(path)
    return written
