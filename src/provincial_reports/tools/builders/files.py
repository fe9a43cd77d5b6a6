"""Rows of any report type written as the provinces' software writes them, one writer per format,
and put in a landing zone with a chosen arrival time.

Every writer gives the same bytes for the same rows (an XLSX's timestamps are pinned to
BASE_TIME), so that a rerun of the demo writes identical files and the ledger sees no new version.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from provincial_reports.declarations import ReportType

Row = dict[str, object]

# When test and demo files arrive (`upload`'s minute 0) and the moment XLSX files are stamped with.
BASE_TIME = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)


def csv_bytes(
    report_type: ReportType,
    rows: Iterable[Row],
    headers: Literal["zh", "en"] = "zh",
    encoding: str = "utf-8",
) -> bytes:
    """CSV with one column per declared column, headed by its Chinese label ("zh") or its name
    ("en"); a value is written as str() writes it, None as an empty cell; lines end in CRLF."""
    columns = report_type.columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label_zh if headers == "zh" else c.name for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.name) is None else str(row[c.name]) for c in columns])
    return out.getvalue().encode(encoding)


def json_bytes(report_type: ReportType, rows: Iterable[Row], wrapped: bool = False) -> bytes:
    """A JSON array of one object per row (under "rows" when `wrapped`), keyed by column name, in
    UTF-8, indented; a Decimal becomes a JSON number."""
    objects = [{c.name: _plain(row.get(c.name)) for c in report_type.columns} for row in rows]
    return json.dumps({"rows": objects} if wrapped else objects, ensure_ascii=False, indent=2).encode("utf-8")


def xlsx_bytes(
    report_type: ReportType,
    rows: Iterable[Row],
    title: str | None = None,
    typed: bool = False,
    creator: str = "provincial_reports.tools.builders",
    explanations: Iterable[Row] = (),
) -> bytes:
    """One sheet: the header (Chinese labels) on row 1, or, with a `title`, the title merged across
    row 1, a blank row, then the header. `typed` is a sheet someone typed into: codes became
    numbers and the period a date cell. With `explanations`, a second sheet 说明 holds them
    (builders/explanations.py)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = report_type.title_zh
    columns = report_type.columns
    header_row = 1
    if title is not None:
        sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        header_row = 3
    for j, column in enumerate(columns, start=1):
        sheet.cell(row=header_row, column=j, value=column.label_zh).font = Font(bold=True)
    for i, row in enumerate(rows, start=header_row + 1):
        for j, column in enumerate(columns, start=1):
            value = row.get(column.name)
            if typed and column.name == "org_unit_code" and str(value).isdigit():
                value = int(value)
            if typed and column.name == "period":
                value = datetime.strptime(str(value), "%Y-%m")
                sheet.cell(row=i, column=j).number_format = "yyyy-mm"
            sheet.cell(row=i, column=j, value=_plain(value))
    _explanation_sheet(workbook, list(explanations))
    workbook.properties.creator = creator
    return _pinned(workbook)


def _explanation_sheet(workbook, explanations: list[Row]) -> None:
    from provincial_reports.read.explanations import FIELDS, SHEET

    if explanations:
        sheet = workbook.create_sheet(SHEET)
        sheet.append(list(FIELDS.values()))
        for row in explanations:
            sheet.append([row.get(name) for name in FIELDS])


def parquet_bytes(report_type: ReportType, rows: Iterable[Row]) -> bytes:
    """Parquet with one column per declared column, each typed as Arrow infers it from the values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{c.name: row.get(c.name) for c in report_type.columns} for row in rows])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def upload(landing: Path, source: str, data: bytes, minute: int = 0) -> Path:
    """Put a file at `source` under the landing zone, arriving `minute` minutes after BASE_TIME
    (its modification time, which orders the files a run processes)."""
    path = Path(landing) / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    moment = (BASE_TIME + timedelta(minutes=minute)).timestamp()
    os.utime(path, (moment, moment))
    return path


def _plain(value: object) -> object:
    """A Decimal as the int or float JSON and spreadsheets hold; anything else as it is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pinned(workbook) -> bytes:
    """The workbook's bytes with fixed timestamps (document properties and zip entries)."""
    from openpyxl.writer.excel import ExcelWriter

    moment = BASE_TIME.replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = moment
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    pinned = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(pinned, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            stamped = zipfile.ZipInfo(entry.filename, date_time=moment.timetuple()[:6])
            target.writestr(stamped, source.read(entry), compress_type=zipfile.ZIP_DEFLATED)
    return pinned.getvalue()
