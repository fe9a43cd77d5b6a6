"""Bytes to numbered rows, by file type: CSV, XLSX or JSON, each as its office software writes it.

Every limit is checked before the bytes are parsed or unpacked: a file past one is refused with
its reason, never half-read.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from provincial_reports.read import Unreadable
from provincial_reports.read.cells import FormulaWithoutValue
from provincial_reports.read.header import ranked_types
from provincial_reports.read.text import decode_text, suffix_of

# Limits far above any real report (a province and its cities are a few dozen rows) and far below
# what would hurt a worker: a file past one is refused before it is parsed or unpacked.
MAX_FILE_BYTES = 20 * 2**20
MAX_ROWS = 5_000
MAX_XLSX_UNPACKED_BYTES = 100 * 2**20
MAX_XLSX_MEMBERS = 1_000
MAX_XLSX_RATIO = 100  # uncompressed / compressed, for members above 1 MiB unpacked
CSV_DELIMITERS = (",", ";", "\t")  # ties go to the comma, the contract's own

Rows = list[tuple[int, list[object]]]


def rows_of(data: bytes, filename: str) -> Rows:
    suffix = suffix_of(filename)
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


def named_sheet_rows(data: bytes, name: str) -> Rows | None:
    """The values of the worksheet called `name` in a workbook already read (so checked) as a
    submission, or None when it has none."""
    rows = _sheet_rows(data, data_only=True, name=name)
    return None if rows is None else list(rows.items())


def _sheet_rows(data: bytes, data_only: bool, name: str | None = None) -> dict[int, list[object]] | None:
    """The first visible worksheet's rows, or those of the one called `name` (None if there is none)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        if name is not None and name not in workbook.sheetnames:
            return None
        visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
        if not visible:
            raise Unreadable("the workbook has no visible worksheet (工作簿中没有可见的工作表)")
        sheet = workbook[name] if name is not None else visible[0]
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
        doc = json.loads(decode_text(data), object_pairs_hook=_each_key_once)
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


def _each_key_once(pairs: list[tuple[str, object]]) -> dict:
    """An object's keys, refused when one is given twice: Python's json keeps the last of two equal
    keys ({"workers_hardship": 228197, "workers_hardship": 22819} reads as 22819, a document with
    two "rows" arrays as its second), and which one the sender meant cannot be told."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise Unreadable(
                f"the JSON gives the key '{key}' twice in one object, so which value is meant cannot be told "
                f"(JSON的同一对象中键“{key}”重复出现，无法确定以哪个值为准)"
            )
        found[key] = value
    return found


def _header_score(rows: Rows) -> int:
    return max((ranked_types(cells)[0][0] for _, cells in rows[:50]), default=0)
