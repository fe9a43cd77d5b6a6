"""Step 2, read: a province's file, whatever its format, as a table of the declared columns.

Provinces send what their office software writes: CSV in UTF-8 or GBK, Excel sheets with title
rows above the header, JSON from their own systems, headers in Chinese or English. Everything is
brought to one shape here (declared columns, declared types, a `source_row` pointing back into
the file) so that validation sees every file alike. Cells that cannot be read as their declared
type become empty and are listed as problems, which validation turns into failed rules.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from xml.etree import ElementTree
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd

from provincial_reports.declarations import Column, ReportType, report_types

SOURCE_ROW = "source_row"
MIN_HEADER_MATCHES = 2
INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


class Unreadable(Exception):
    """The file cannot be read as a table at all; the message is shown to the province."""


@dataclass(frozen=True)
class CellProblem:
    column: str
    source_row: int
    value: str
    expected: str


@dataclass
class ReadTable:
    report_type: ReportType
    frame: pd.DataFrame
    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)
    cell_problems: list[CellProblem] = field(default_factory=list)


def read_submission(data: bytes, filename: str) -> ReadTable:
    rows = _rows_of(data, filename)
    return _table_from_rows(rows)


# --- bytes to numbered rows -------------------------------------------------------------------

Rows = list[tuple[int, list[object]]]


def _rows_of(data: bytes, filename: str) -> Rows:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    readers = {"csv": _csv_rows, "xlsx": _xlsx_rows, "json": _json_rows}
    if suffix not in readers:
        raise Unreadable(
            f"file type '.{suffix}' is not accepted; send CSV, XLSX or JSON "
            f"(不支持“.{suffix}”文件，请提交CSV、XLSX或JSON文件)"
        )
    if not data.strip():
        raise Unreadable("the file is empty (文件为空)")
    return readers[suffix](data)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK that Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("the text is neither UTF-8 nor GB18030/GBK (文件编码不是UTF-8或GB18030/GBK)")


def _csv_rows(data: bytes) -> Rows:
    text = decode_text(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Unreadable(f"the CSV cannot be parsed: {exc} (CSV格式错误)") from exc
    return [(number, list(cells)) for number, cells in enumerate(records, start=1)]


def _xlsx_rows(data: bytes) -> Rows:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Unreadable(f"the file is not a readable XLSX workbook ({exc}) (无法读取该XLSX文件)") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong <dimension>; read what is really there
        return [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except ElementTree.ParseError as exc:
        raise Unreadable(f"the XLSX workbook is damaged ({exc}) (XLSX文件已损坏)") from exc
    finally:
        workbook.close()


def _json_rows(data: bytes) -> Rows:
    """JSON rows become a header row of their keys (in first-seen order) plus one row each."""
    try:
        doc = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"the JSON cannot be parsed: {exc} (JSON格式错误)") from exc
    records = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise Unreadable(
            "JSON must be an array of row objects or an object with a 'rows' array "
            "(JSON应为行对象数组，或含“rows”数组的对象)"
        )
    keys = list(dict.fromkeys(k for r in records for k in r))
    return [(0, list(keys))] + [(n, [r.get(k) for k in keys]) for n, r in enumerate(records, start=1)]


# --- numbered rows to the declared table ------------------------------------------------------


def normalise_header(text: object) -> str:
    """Full-width forms folded (NFKC), white space dropped, case ignored: '单位代码 ' == '单位代码'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _header_index(report_type: ReportType) -> dict[str, str]:
    index = {}
    for column in report_type.columns:
        index[normalise_header(column.name)] = column.name
        index[normalise_header(column.label_zh)] = column.name
    return index


def _find_header(rows: Rows) -> tuple[int, ReportType, dict[str, str]]:
    """The header is the first row naming at least two declared columns of some report type."""
    indexes = {rt: _header_index(rt) for rt in report_types().values()}
    for position, (_, cells) in enumerate(rows):
        keys = [normalise_header(c) for c in cells if not _blank(c)]
        best = max(indexes.items(), key=lambda item: sum(k in item[1] for k in keys))
        if sum(k in best[1] for k in keys) >= MIN_HEADER_MATCHES:
            return position, best[0], best[1]
    raise Unreadable(
        "no header row found: expected a row of the template's column names, e.g. 报告期/period, "
        "单位代码/org_unit_code (未找到表头行，请使用模板中的列名)"
    )


def _table_from_rows(rows: Rows) -> ReadTable:
    position, report_type, index = _find_header(rows)
    header = rows[position][1]
    table = ReadTable(report_type=report_type, frame=pd.DataFrame())
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        if _blank(cell):
            continue
        name = index.get(normalise_header(cell))
        if name is None:
            table.unknown_headers.append(str(cell).strip())
        elif name in positions:
            table.duplicate_headers.append(str(cell).strip())
        else:
            positions[name] = i
    table.missing_columns = [c.name for c in report_type.columns if c.name not in positions]

    records = []
    for number, cells in rows[position + 1 :]:
        if all(_blank(c) for c in cells):
            continue
        record: dict[str, object] = {SOURCE_ROW: number}
        for column in report_type.columns:
            raw = cells[positions[column.name]] if column.name in positions and positions[column.name] < len(cells) else None
            record[column.name] = _typed(column, raw, number, table.cell_problems)
        records.append(record)
    table.frame = _frame(report_type, records)
    return table


def _frame(report_type: ReportType, records: list[dict]) -> pd.DataFrame:
    """Metrics as float64 (NaN = not reported) and text as object, the dtypes GX handles best."""
    columns = [SOURCE_ROW] + [c.name for c in report_type.columns]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in report_type.columns:
        frame[column.name] = frame[column.name].astype("float64" if column.is_metric else "object")
    frame[SOURCE_ROW] = frame[SOURCE_ROW].astype("int64")
    return frame


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _typed(column: Column, raw: object, row: int, problems: list[CellProblem]) -> object:
    if _blank(raw):
        return None
    try:
        return CONVERTERS[column.type](raw)
    except (ValueError, InvalidOperation, TypeError):
        problems.append(CellProblem(column.name, row, str(raw), EXPECTED[column.type]))
        return None


def _number_text(raw: object) -> str:
    """'4,820 ', '４８２０' and '4 820' all mean 4820."""
    return re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", str(raw)))


def _as_decimal(raw: object) -> float:
    if isinstance(raw, bool):
        raise TypeError(raw)
    value = Decimal(str(raw)) if isinstance(raw, (int, float)) else Decimal(_number_text(raw))
    if not value.is_finite():
        raise ValueError(raw)
    return float(value)


def _as_integer(raw: object) -> float:
    if isinstance(raw, bool):
        raise TypeError(raw)
    text = repr(raw) if isinstance(raw, float) else _number_text(raw)
    if not INTEGER.match(text):
        raise ValueError(raw)
    return float(int(Decimal(text)))


def _as_period(raw: object) -> str:
    """A period typed into Excel as a date arrives as a datetime; it means its month."""
    if isinstance(raw, (datetime, date)):
        return raw.strftime("%Y-%m")
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _as_code(raw: object) -> str:
    """Excel stores 360000 as a number; the code is its digits."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _as_text(raw: object) -> str:
    return str(raw).strip()


CONVERTERS = {"decimal": _as_decimal, "integer": _as_integer, "period": _as_period, "code": _as_code, "text": _as_text}
EXPECTED = {
    "decimal": "a number (数字)",
    "integer": "a whole number (整数)",
    "period": "a period YYYY-MM (YYYY-MM格式的报告期)",
    "code": "a 6-digit code (6位代码)",
    "text": "text (文本)",
}


# --- beneficiary-level record types (relief_disbursements) --------------------------------------
# Such files are read in batches by read_batches.py; these converters only let an XLSX or JSON
# copy of one be read far enough to be told which formats it may come in.


def _as_date(raw: object) -> str:
    if isinstance(raw, (datetime, date)):
        return raw.strftime("%Y-%m-%d")
    return unicodedata.normalize("NFKC", str(raw)).strip()


CONVERTERS |= {"id_number": _as_text, "category": _as_text, "amount": _as_decimal, "date": _as_date}
EXPECTED |= {
    "id_number": "an 18-character resident identity number (18位公民身份号码)",
    "category": "a beneficiary category (慰问对象类别)",
    "amount": "an amount in yuan (金额，元)",
    "date": "a date YYYY-MM-DD (YYYY-MM-DD格式的日期)",
}
