"""Reading a province's file: every format and encoding of the contract, and the files that
cannot be read at all. Fixtures are built here, in memory, from one valid row."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from datetime import datetime

import openpyxl
import pytest

from provincial_reports.declarations import Column, report_types
from provincial_reports.read import Unreadable
from provincial_reports.read.cells import CellProblem
from provincial_reports.read.tables import ReadTable, read_submission

REPORT = report_types()["winter_warmth"]
COLUMN_NAMES = [c.name for c in REPORT.columns]
Row = dict[str, object]


def valid_row(**changes: object) -> Row:
    """Jiangxi's own row as the press reported it; every column filled."""
    row: Row = {
        "period": "2025-01",
        "org_unit_code": "360000",
        "org_unit_name": "江西省总工会",
        "funds_total": 4820,
        "funds_holiday": 2434,
        "funds_regular": 2386,
    }
    row.update({m.name: 10 * i for i, m in enumerate(REPORT.metrics) if m.name not in row})
    row.update(changes)
    return row


def city_row(**changes: object) -> Row:
    return valid_row(**{"org_unit_code": "360100", "org_unit_name": "南昌市总工会", "funds_total": 482.5, **changes})


def zh(column: Column) -> str:
    return column.label_zh


def en(column: Column) -> str:
    return column.name


def csv_bytes(
    rows: list[Row],
    encoding: str = "utf-8",
    heading: Callable[[Column], str] = zh,
    columns: list[str] | None = None,
) -> bytes:
    """A CSV of the given columns (default: the template's), in the given encoding; a name that is
    not a declared column goes into the header as written."""
    names = columns or COLUMN_NAMES
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(REPORT.column(n)) if n in COLUMN_NAMES else n for n in names])
    for row in rows:
        writer.writerow(["" if row.get(n) is None else row[n] for n in names])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[Row], titles: int = 0, blanks: int = 0) -> bytes:
    """An Excel sheet with `titles` merged title rows, then `blanks` empty rows, then the header
    (Chinese labels) and the rows, each value stored as the Python type given."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    width = len(REPORT.columns)
    for r in range(1, titles + 1):
        sheet.cell(row=r, column=1, value=f"2025年两节送温暖情况统计表 ({r})")
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    header_at = titles + blanks + 1
    for j, column in enumerate(REPORT.columns, start=1):
        sheet.cell(row=header_at, column=j, value=column.label_zh)
        for i, row in enumerate(rows, start=header_at + 1):
            sheet.cell(row=i, column=j, value=row.get(column.name))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def json_bytes(rows: list[Row], wrapped: bool = False) -> bytes:
    return json.dumps({"rows": rows} if wrapped else rows, ensure_ascii=False).encode("utf-8")


def read_csv(rows: list[Row], **options) -> ReadTable:
    return read_submission(csv_bytes(rows, **options), "report.csv")


def cell(table: ReadTable, column: str, position: int = 0) -> object:
    return table.frame[column].iloc[position]


def assert_clean(table: ReadTable) -> None:
    """Every declared column found, nothing unknown, every cell of its type."""
    assert table.report_type is REPORT
    assert (table.unknown_headers, table.missing_columns, table.duplicate_headers) == ([], [], [])
    assert table.cell_problems == []


# --- every format reads to the same table ----------------------------------------------------------

# format → (writer, file name, where the two data rows are: line, sheet row or JSON array position)
FORMATS = {
    "csv utf-8": (lambda rows: csv_bytes(rows, "utf-8"), "r.csv", [2, 3]),
    "csv utf-8 with BOM": (lambda rows: csv_bytes(rows, "utf-8-sig"), "r.csv", [2, 3]),
    "csv gbk": (lambda rows: csv_bytes(rows, "gbk"), "r.csv", [2, 3]),
    "csv gb18030": (lambda rows: csv_bytes(rows, "gb18030"), "r.csv", [2, 3]),
    "csv english headers": (lambda rows: csv_bytes(rows, heading=en), "r.csv", [2, 3]),
    "xlsx": (lambda rows: xlsx_bytes(rows), "r.xlsx", [2, 3]),
    "xlsx with title": (lambda rows: xlsx_bytes(rows, titles=1, blanks=1), "r.XLSX", [4, 5]),
    "json array": (lambda rows: json_bytes(rows), "r.json", [1, 2]),
    "json rows object": (lambda rows: json_bytes(rows, wrapped=True), "r.json", [1, 2]),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_to_the_declared_columns_and_types(fmt):
    write, filename, source_rows = FORMATS[fmt]
    table = read_submission(write([valid_row(), city_row()]), filename)
    assert_clean(table)
    frame = table.frame
    assert list(frame.columns) == ["source_row", *COLUMN_NAMES]
    assert frame["source_row"].tolist() == source_rows
    assert frame["org_unit_code"].tolist() == ["360000", "360100"]
    assert frame["org_unit_name"].tolist() == ["江西省总工会", "南昌市总工会"]
    assert frame["period"].tolist() == ["2025-01", "2025-01"]
    assert frame["funds_total"].tolist() == [4820.0, 482.5]
    assert frame["visiting_teams"].tolist() == [valid_row()["visiting_teams"]] * 2
    assert all(frame[m.name].dtype == "float64" for m in REPORT.metrics)


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "江西省总工会"),
        ("utf-8-sig", "江西省总工会"),
        ("gbk", "江西省总工会"),
        ("gb18030", "𠀀江西省总工会"),  # U+20000 is outside GBK: only GB18030 can carry it
    ],
)
def test_csv_encodings_keep_the_chinese_text(encoding, name):
    data = csv_bytes([valid_row(org_unit_name=name)], encoding)
    if encoding in ("gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # the fixture really needs the fallback decoder
    table = read_submission(data, "r.csv")
    assert_clean(table)  # a BOM left on the first header would make it unknown
    assert cell(table, "org_unit_name") == name


def test_the_gb18030_fixture_is_not_gbk():
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")


# --- Excel ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("titles", "blanks"), [(0, 0), (1, 0), (1, 1), (2, 3)])
def test_xlsx_header_is_found_below_merged_titles_and_blank_rows(titles, blanks):
    table = read_submission(xlsx_bytes([valid_row(), city_row()], titles, blanks), "r.xlsx")
    assert_clean(table)
    header_row = titles + blanks + 1
    assert table.frame["source_row"].tolist() == [header_row + 1, header_row + 2]  # rows as Excel numbers them


@pytest.mark.parametrize(
    ("fmt", "code"),
    [("xlsx", 360000), ("xlsx", "360000"), ("json array", 360000), ("json array", 360000.0)],
    ids=["xlsx number", "xlsx text", "json integer", "json float"],
)
def test_codes_stored_as_numbers_read_as_their_digits(fmt, code):
    write, filename, _ = FORMATS[fmt]
    table = read_submission(write([valid_row(org_unit_code=code)]), filename)
    assert_clean(table)
    assert cell(table, "org_unit_code") == "360000"


def test_xlsx_numbers_stored_as_numbers_keep_their_value():
    table = read_submission(xlsx_bytes([valid_row(funds_total=4820.25, visiting_teams=11.0, trainees=4000)]), "r.xlsx")
    assert_clean(table)
    assert (cell(table, "funds_total"), cell(table, "visiting_teams"), cell(table, "trainees")) == (4820.25, 11, 4000)


@pytest.mark.parametrize("typed", [datetime(2025, 1, 1), datetime(2025, 1, 31, 12, 30)])
def test_xlsx_period_typed_as_a_date_means_its_month(typed):
    table = read_submission(xlsx_bytes([valid_row(period=typed)]), "r.xlsx")
    assert_clean(table)
    assert cell(table, "period") == "2025-01"


# --- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        zh,
        en,
        lambda c: f"  {c.label_zh}\t",
        lambda c: f" {c.name} ",
        lambda c: c.name.upper(),
        lambda c: c.label_zh if c.is_metric else c.name,  # mixed
    ],
    ids=["chinese", "english", "chinese spaced", "english spaced", "english upper case", "mixed"],
)
def test_headers_in_either_language_with_surrounding_space(heading):
    table = read_csv([valid_row()], heading=heading)
    assert_clean(table)
    assert cell(table, "funds_total") == 4820
    assert cell(table, "org_unit_code") == "360000"


def test_an_unknown_header_is_listed_and_its_column_ignored():
    names = [*COLUMN_NAMES, "备注"]
    table = read_csv([valid_row(备注="已核对")], columns=names)
    assert table.unknown_headers == ["备注"]
    assert table.missing_columns == []
    assert "备注" not in table.frame.columns
    assert cell(table, "funds_total") == 4820


def test_a_missing_column_is_listed_and_read_as_not_reported():
    names = [n for n in COLUMN_NAMES if n != "trainees"]
    table = read_csv([valid_row()], columns=names)
    assert table.missing_columns == ["trainees"]
    assert table.unknown_headers == []
    assert math.isnan(cell(table, "trainees"))


def test_a_column_named_twice_is_listed():
    names = [*COLUMN_NAMES, "funds_total"]
    table = read_csv([valid_row()], columns=names, heading=en)
    assert table.duplicate_headers == ["funds_total"]


# --- cells -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        ("funds_total", "4,820", 4820.0),
        ("funds_total", " 4,820.50 ", 4820.5),
        ("jobs_offered", "10,000", 10000.0),
        ("jobs_offered", "1,000,000", 1000000.0),
        ("trainees", "４０００", 4000.0),  # full-width digits from a Chinese input method
        ("visiting_teams", "11.0", 11.0),
    ],
)
def test_numbers_with_separators_and_spaces(column, raw, expected):
    table = read_csv([valid_row(**{column: raw})])
    assert_clean(table)
    assert cell(table, column) == expected


BLANK_FILES = {
    "csv empty": lambda: (csv_bytes([valid_row(model_workers="")]), "r.csv"),
    "csv spaces": lambda: (csv_bytes([valid_row(model_workers="   ")]), "r.csv"),
    "xlsx empty cell": lambda: (xlsx_bytes([valid_row(model_workers=None)]), "r.xlsx"),
    "json null": lambda: (json_bytes([valid_row(model_workers=None)]), "r.json"),
    "json key absent": lambda: (
        json_bytes([{k: v for k, v in valid_row().items() if k != "model_workers"}, city_row()]),
        "r.json",
    ),
}


@pytest.mark.parametrize("case", BLANK_FILES)
def test_a_blank_cell_is_not_reported_not_zero(case):
    data, filename = BLANK_FILES[case]()
    table = read_submission(data, filename)
    assert_clean(table)
    assert math.isnan(cell(table, "model_workers"))
    assert cell(table, "legal_aid_cases") == valid_row()["legal_aid_cases"]  # its neighbour is read


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        ("workers_migrant", "约1.2万", "a whole number (整数)"),
        ("funds_total", "N/A", "a number (数字)"),
        ("funds_total", "NaN", "a number (数字)"),  # Decimal would take it; a NaN must not pass as blank
        ("funds_regular", "Infinity", "a number (数字)"),
        ("visiting_teams", "11.5", "a whole number (整数)"),
        ("funds_holiday", "2434元", "a number (数字)"),
    ],
)
def test_text_in_a_numeric_cell_is_a_cell_problem(column, raw, expected):
    table = read_csv([valid_row(), city_row(**{column: raw})])
    assert table.cell_problems == [CellProblem(column, 3, raw, expected)]  # row 3: header, province, city
    assert math.isnan(cell(table, column, 1))
    assert not math.isnan(cell(table, column, 0))


def test_a_json_boolean_in_a_numeric_field_is_a_cell_problem():
    table = read_submission(json_bytes([valid_row(trainees=True)]), "r.json")
    assert [(p.column, p.source_row) for p in table.cell_problems] == [("trainees", 1)]


def test_empty_rows_between_data_rows_are_skipped_but_numbering_kept():
    data = csv_bytes([valid_row()]) + b",,,\r\n" + csv_bytes([city_row()]).split(b"\r\n", 1)[1]
    table = read_submission(data, "r.csv")
    assert table.frame["source_row"].tolist() == [2, 4]


# --- files that cannot be read -----------------------------------------------------------------------


def utf16_text() -> bytes:
    """What Excel's 'Unicode Text' writes: UTF-16 LE with BOM, neither UTF-8 nor GB18030."""
    data = csv_bytes([valid_row()], "utf-16")
    assert data.startswith(b"\xff\xfe")
    return data


def _title_only_xlsx() -> bytes:
    """A title and figures, but no row of column names."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["2025年两节送温暖情况统计表"])
    workbook.active.append(["2025-01", "360000", "江西省总工会", 4820])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


UNREADABLE = {
    "pdf": (lambda: b"%PDF-1.4", "report.pdf", "file type '.pdf' is not accepted"),
    "old excel": (lambda: xlsx_bytes([valid_row()]), "report.xls", "file type '.xls' is not accepted"),
    "no extension": (lambda: csv_bytes([valid_row()]), "report", "file type '.' is not accepted"),
    "empty": (lambda: b"", "report.csv", "the file is empty"),
    "only white space": (lambda: b" \r\n\t\r\n", "report.csv", "the file is empty"),
    "text named xlsx": (lambda: csv_bytes([valid_row()]), "report.xlsx", "not a readable XLSX workbook"),
    "zip that is not a workbook": (lambda: _zip_of_text(), "report.xlsx", "not a readable XLSX workbook"),
    "utf-16": (utf16_text, "report.csv", "neither UTF-8 nor GB18030"),
    "stray bytes": (lambda: b"\x80\x81\xff" + csv_bytes([valid_row()]), "report.csv", "neither UTF-8 nor GB18030"),
    "csv without header": (lambda: csv_bytes([valid_row()]).split(b"\r\n", 1)[1], "report.csv", "no header row"),
    "xlsx without header": (_title_only_xlsx, "report.xlsx", "no header row"),
    "one known heading only": (lambda: "报告期,备注\r\n2025-01,x\r\n".encode(), "report.csv", "no header row"),
    "json cut off": (lambda: json_bytes([valid_row()])[:-20], "report.json", "the JSON cannot be parsed"),
    "json not rows": (lambda: b'{"data": []}', "report.json", "JSON must be an array of row objects"),
    "json array of arrays": (lambda: b"[[1, 2]]", "report.json", "JSON must be an array of row objects"),
}


def _zip_of_text() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.csv", "报告期,单位代码")
    return out.getvalue()


@pytest.mark.parametrize("case", UNREADABLE)
def test_unreadable_files_are_refused_with_a_reason(case):
    make, filename, reason = UNREADABLE[case]
    with pytest.raises(Unreadable, match=reason.replace(".", r"\.").replace("(", r"\(")):
        read_submission(make(), filename)


@pytest.mark.parametrize("case", ["utf-16", "stray bytes"])
def test_the_undecodable_fixtures_really_fail_both_decoders(case):
    data = UNREADABLE[case][0]()
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
