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
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

import pandas as pd

from provincial_reports.declarations import Column, ReportType, report_types
from provincial_reports.read import encoding, strict_json

SOURCE_ROW = "source_row"
MIN_HEADER_MATCHES = 2
# Limits far above any real report (a province and its cities are a few dozen rows) and far below
# what would hurt a worker: a file past one is refused before it is parsed or unpacked.
MAX_FILE_BYTES = 20 * 2**20
MAX_ROWS = 5_000
MAX_XLSX_UNPACKED_BYTES = 100 * 2**20
MAX_XLSX_MEMBERS = 1_000
MAX_XLSX_RATIO = 100  # uncompressed / compressed, for members above 1 MiB unpacked
CSV_DELIMITERS = (",", ";", "\t")  # ties go to the comma, the contract's own
# A number: ASCII digits after NFKC; thousands grouped by a comma or a space in threes, the same
# separator throughout; a '.' decimal point; an optional exponent (Excel writes 1.2E+11).
NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:([, ])\d{3})(?:\1\d{3})*|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# decimal(18, 4) in the lake holds 14 digits before the point
MAX_MAGNITUDE = Decimal(10) ** 14
TOTAL_ROW = re.compile(r"^(全省|全市|全区|总)?(合计|总计|小计|总数)$|^(total|subtotal|sum)$", re.IGNORECASE)


class Unreadable(Exception):
    """The file cannot be read as a table at all; the message is shown to the province."""


class BadCell(ValueError):
    """A cell that is not of its column's type, with what was expected when the column's usual
    wording would not tell the province what to fix (a decimal comma, a number too large)."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


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
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(too_large(len(data)))
    rows = readers[suffix](data)
    if len(rows) > MAX_ROWS:
        raise Unreadable(f"the file has more than {MAX_ROWS:,} rows (文件超过{MAX_ROWS}行)")
    return rows


def too_large(size: int) -> str:
    return (
        f"the file is {size / 2**20:.1f} MiB, above the limit of {MAX_FILE_BYTES // 2**20} MiB "
        f"(文件超过{MAX_FILE_BYTES // 2**20} MiB上限)"
    )


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK that Excel writes.
    UTF-16 (Excel's "Unicode Text") is outside the contract and is named as such; NUL bytes mean
    a binary file or UTF-16 without its BOM, which GB18030 would otherwise decode as garbage."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable(
            "the text is UTF-16 (Excel's 'Unicode Text'), neither UTF-8 nor GB18030/GBK: save it as "
            "'CSV UTF-8' (文件编码为UTF-16，不是UTF-8或GB18030/GBK，请另存为“CSV UTF-8”)"
        )
    try:  # bytes that look like UTF-8 are never re-read as GB18030 (mojibake): read/encoding.py
        encoding.refuse_damaged_utf8(data)
    except encoding.EncodingRefused as exc:
        raise Unreadable(str(exc)) from exc
    for name in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise Unreadable(
                "the file contains NUL bytes: it is binary or UTF-16 text, not a CSV or JSON file "
                "(文件含有NUL字节，不是文本文件)"
            )
        if name == "gb18030":
            try:
                encoding.refuse_implausible_gb18030(text)
            except encoding.EncodingRefused as exc:
                raise Unreadable(str(exc)) from exc
        return text
    raise Unreadable("the text is neither UTF-8 nor GB18030/GBK (文件编码不是UTF-8或GB18030/GBK)")


def _csv_rows(data: bytes) -> Rows:
    """Comma-separated as the contract says; semicolons (European Excel) and tabs (Excel's "Text")
    are read too when only they split the header row into the template's column names."""
    text = decode_text(data)
    parsed, errors = [], []
    for delimiter in CSV_DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            errors.append(exc)
            continue
        parsed.append([(number, list(cells)) for number, cells in enumerate(records, start=1)])
    if not parsed:
        raise Unreadable(f"the CSV cannot be parsed: {errors[0]} (CSV格式错误)")
    return max(parsed, key=_header_score)


class FormulaWithoutValue(str):
    """A formula cell the writing program saved without its result: there is no value to read."""


def _xlsx_rows(data: bytes) -> Rows:
    """The first visible worksheet, as Excel saved its values: formula cells give their cached
    result (a formula saved without one is a cell problem, not a blank)."""
    _check_archive(data)
    try:
        values = _sheet_rows(data, data_only=True)
        formulas = _sheet_rows(data, data_only=False)
    except Unreadable:
        raise
    except Exception as exc:  # openpyxl answers a damaged file with almost any exception type
        raise _unreadable_workbook(exc) from exc
    return [(number, _with_formulas(cells, formulas.get(number, []))) for number, cells in values.items()]


def _unreadable_workbook(exc: Exception) -> Unreadable:
    """defusedxml's refusal may come wrapped in openpyxl's own exception; it is named as such."""
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return Unreadable(
            f"the workbook declares XML entities or a DTD ({type(cause).__name__}), which are refused for safety "
            "(XLSX文件含有XML实体声明，出于安全原因拒收)"
        )
    return Unreadable(
        f"the file is not a readable XLSX workbook: it is damaged ({type(exc).__name__}: {_one_line(exc)}) "
        "(无法读取该XLSX文件，文件已损坏)"
    )


def _one_line(exc: Exception) -> str:
    """A library's message as one short line: an answer lists one failure per line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"


def _with_formulas(values: list[object], formulas: list[object]) -> list[object]:
    def formula_at(i: int) -> object:
        return formulas[i] if i < len(formulas) else None

    return [
        FormulaWithoutValue(formula_at(i)) if value is None and str(formula_at(i)).startswith("=") else value
        for i, value in enumerate(values)
    ]


def _sheet_rows(data: bytes, data_only: bool) -> dict[int, list[object]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
        if not visible:
            raise Unreadable("the workbook has no visible worksheet (工作簿中没有可见的工作表)")
        sheet = visible[0]
        sheet.reset_dimensions()  # some writers record a wrong <dimension>; read what is really there
        rows = {}
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise Unreadable(f"the worksheet has more than {MAX_ROWS:,} rows (工作表超过{MAX_ROWS}行)")
            rows[number] = list(cells)
        return rows
    finally:
        workbook.close()


def _check_archive(data: bytes) -> None:
    """Refuse a zip bomb before anything unpacks it. The sizes checked are the ones the archive
    declares; Python's zipfile never inflates a member past its declared size (and fails its
    CRC if the data disagrees), so a lying header cannot get around the caps."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(f"the file is not a readable XLSX workbook ({_one_line(exc)}) (无法读取该XLSX文件)") from exc
    unpacked = sum(m.file_size for m in members)
    too_packed = [
        m.filename for m in members if m.file_size > 2**20 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1)
    ]
    if len(members) > MAX_XLSX_MEMBERS or unpacked > MAX_XLSX_UNPACKED_BYTES or too_packed:
        raise Unreadable(
            f"the workbook would unpack to {unpacked / 2**20:,.0f} MiB in {len(members)} parts "
            f"(limits: {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB, {MAX_XLSX_MEMBERS} parts, "
            f"compression ratio {MAX_XLSX_RATIO}:1); refused as a possible zip bomb "
            "(XLSX文件解压后过大或压缩比异常，拒收)"
        )


def _json_rows(data: bytes) -> Rows:
    """JSON rows become a header row of their keys (in first-seen order) plus one row each."""
    try:
        doc = strict_json.loads(decode_text(data))
    except strict_json.RepeatedKey as exc:
        raise Unreadable(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise Unreadable(f"the JSON cannot be parsed: {exc} (JSON格式错误)") from exc
    except RecursionError as exc:
        raise Unreadable("the JSON is nested too deeply to be a table of rows (JSON嵌套层数过多)") from exc
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


def _header_matches(cells: list[object]) -> tuple[int, ReportType, dict[str, str]]:
    """How many cells name a declared column of the report type they fit best."""
    keys = [normalise_header(c) for c in cells if not _blank(c)]
    scored = ((sum(k in index for k in keys), rt, index) for rt, index in _header_indexes().items())
    return max(scored, key=lambda item: item[0])


@cache
def _header_indexes() -> dict[ReportType, dict[str, str]]:
    return {rt: _header_index(rt) for rt in report_types().values()}


def _header_score(rows: Rows) -> int:
    return max((_header_matches(cells)[0] for _, cells in rows[:50]), default=0)


def _find_header(rows: Rows) -> tuple[int, ReportType, dict[str, str]]:
    """The header is the first row naming at least two declared columns of some report type."""
    for position, (_, cells) in enumerate(rows):
        matches, report_type, index = _header_matches(cells)
        if matches >= MIN_HEADER_MATCHES:
            return position, report_type, index
    raise Unreadable(
        "no header row found: expected a row of the template's column names, e.g. 报告期/period, "
        "单位代码/org_unit_code (未找到表头行，请使用模板中的列名)"
    )


def _table_from_rows(rows: Rows) -> ReadTable:
    position, report_type, index = _find_header(rows)
    header = rows[position][1]
    table = ReadTable(report_type=report_type, frame=pd.DataFrame())
    positions: dict[str, int] = {}
    data_rows = [(n, cells) for n, cells in rows[position + 1 :] if not all(_blank(c) for c in cells)]
    for i, cell in enumerate(header):
        if _blank(cell):
            if any(i < len(cells) and not _blank(cells[i]) for _, cells in data_rows):
                table.unknown_headers.append(
                    f"(column {i + 1} has values but no heading; merged header cell? 第{i + 1}列无表头)"
                )
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
    for number, cells in data_rows:
        record: dict[str, object] = {SOURCE_ROW: number}
        for column in report_type.columns:
            raw = (
                cells[positions[column.name]]
                if column.name in positions and positions[column.name] < len(cells)
                else None
            )
            record[column.name] = _typed(column, raw, number, table.cell_problems)
        records.append(record)
        table.cell_problems.extend(_total_row_problems(report_type, record, number))
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
        if isinstance(raw, (dict, list, FormulaWithoutValue)):
            raise BadCell(_ODD_CELLS[type(raw)])
        return CONVERTERS[column.type](raw)
    except BadCell as exc:
        problems.append(CellProblem(column.name, row, str(raw), exc.expected))
    except (ValueError, InvalidOperation, TypeError):
        problems.append(CellProblem(column.name, row, str(raw), EXPECTED[column.type]))
    return None


_ODD_CELLS = {
    dict: "a single value, not a JSON object (单个值)",
    list: "a single value, not a JSON array (单个值)",
    FormulaWithoutValue: "a value: the formula was saved without its result; open and save the file in Excel "
    "(公式没有保存计算结果，请用Excel打开后重新保存)",
}


def _total_row_problems(report_type: ReportType, record: dict, row: int) -> list[CellProblem]:
    """A "合计" row is the sum of the rows above it, not a unit's own figures: named as such, so the
    province knows to delete it rather than wonder why its unit code is missing."""
    return [
        CellProblem(c.name, row, record[c.name], "a unit's own row: remove total rows (合计行不是单位数据，请删除)")
        for c in report_type.columns
        if c.type in ("code", "text")
        and isinstance(record[c.name], str)
        and TOTAL_ROW.match(re.sub(r"\s+", "", record[c.name]))
    ]


def _number(raw: object) -> Decimal:
    """Exactly what the cell says, or BadCell. Numbers stored as numbers are taken as they are;
    text must be a plain number: '4,820', ' 4 820 ', '４８２０' and '4820.5' are read, while
    '12,5' is refused, since a decimal comma (12.5) and a thousands comma (125) cannot be told apart."""
    if isinstance(raw, bool):
        raise TypeError(raw)
    if isinstance(raw, (int, float)):
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not NUMBER.fullmatch(text):
            if re.fullmatch(r"[+-]?[\d,.]*,\d*", text, re.ASCII):
                raise BadCell(
                    "a number: ',' only groups thousands (4,820); write decimals with '.' (12.5) "
                    "(逗号只能用作千分位，小数请用小数点)"
                )
            raise ValueError(raw)
        value = Decimal(re.sub(r"[, ]", "", text))
    if not value.is_finite():
        raise ValueError(raw)
    if abs(value) >= MAX_MAGNITUDE:
        raise BadCell(f"a number below {MAX_MAGNITUDE:,.0f} (数值过大)")
    return value


def _as_decimal(raw: object) -> float:
    return float(_number(raw))


def _as_integer(raw: object) -> float:
    value = _number(raw)
    if value != value.to_integral_value():
        raise ValueError(raw)
    return float(value)


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
