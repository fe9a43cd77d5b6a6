"""Property-based tests and fuzzing of the reader (Hypothesis).

Any valid table round-trips unchanged through CSV (UTF-8, GBK), XLSX and JSON, whatever the
header language, column order and number formatting; arbitrary or damaged bytes give a clean
rejection (Unreadable) or a table, never any other exception; and whatever a cell holds, judging
and converting the file never raises. Runs are kept short (a few dozen examples each).
"""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile import arrival

from provincial_reports.declarations import report_types
from provincial_reports.process import judge
from provincial_reports.read import Unreadable
from provincial_reports.read.tables import ReadTable, read_submission
from provincial_reports.tools.builders.files import csv_bytes
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row
from provincial_reports.write import to_arrow

REPORT = report_types()["winter_warmth"]
SHORT = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- valid tables -----------------------------------------------------------------------------------

NAME_CHARACTERS = "江西省南昌市九江赣州景德镇萍乡总工会职工服务中心ABCxyz0123 ·（）-"
names = st.text(NAME_CHARACTERS, min_size=1, max_size=16).map(str.strip).filter(bool)
decimals = st.decimals(min_value=0, max_value=10**10, places=4, allow_nan=False, allow_infinity=False)
integers = st.integers(min_value=0, max_value=10**12)


def blank_or(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | values


@st.composite
def tables(draw: st.DrawFn) -> list[dict]:
    """The province's row and up to four of its cities, with any mix of reported and blank cells."""
    cities = draw(st.lists(st.integers(1, 99), max_size=4, unique=True))
    rows = []
    for code in ["360000", *(f"36{c:02d}00" for c in cities)]:
        row = {"period": "2025-01", "org_unit_code": code, "org_unit_name": draw(names)}
        for column in REPORT.metrics:
            row[column.name] = draw(blank_or(decimals if column.type == "decimal" else integers))
        rows.append(row)
    return rows


def expected_cell(value: object) -> object:
    return float(value) if isinstance(value, (int, Decimal)) else value


def headings(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(column name, heading) in a drawn order, each heading Chinese or English, maybe padded."""
    order = draw(st.permutations([c.name for c in REPORT.columns]))
    return [(name, draw(st.sampled_from([REPORT.column(name).label_zh, name, f" {name.upper()} "]))) for name in order]


def number_text(value: object, grouped: bool) -> str:
    if value is None:
        return ""
    return f"{value:,}" if grouped else str(value)


@st.composite
def csv_files(draw: st.DrawFn, encoding: str) -> tuple[bytes, list[dict]]:
    rows, columns = draw(tables()), headings(draw)
    grouped, delimiter = draw(st.booleans()), draw(st.sampled_from([",", ",", ";", "\t"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([heading for _, heading in columns])
    for row in rows:
        writer.writerow([number_text(row[n], grouped) if n in NUMERIC else row[n] for n, _ in columns])
    return out.getvalue().encode(encoding), rows


NUMERIC = {c.name for c in REPORT.metrics}


@st.composite
def xlsx_files(draw: st.DrawFn) -> tuple[bytes, list[dict]]:
    rows, columns = draw(tables()), headings(draw)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(draw(st.integers(0, 2))):
        sheet.append(["2025年两节送温暖情况统计表"])
    sheet.append([heading for _, heading in columns])
    for row in rows:
        sheet.append([float(row[n]) if isinstance(row[n], Decimal) else row[n] for n, _ in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), rows


@st.composite
def json_files(draw: st.DrawFn) -> tuple[bytes, list[dict]]:
    rows = draw(tables())
    doc = [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]
    return json.dumps({"rows": doc} if draw(st.booleans()) else doc, ensure_ascii=draw(st.booleans())).encode(), rows


def assert_round_trip(table: ReadTable, rows: list[dict]) -> None:
    assert (table.unknown_headers, table.missing_columns, table.duplicate_headers, table.cell_problems) == (
        [],
        [],
        [],
        [],
    )
    read = table.frame.drop(columns="source_row").to_dict("records")
    assert len(read) == len(rows)
    for got, sent in zip(read, rows, strict=True):
        for name, value in sent.items():
            if value is None:
                assert got[name] is None or (isinstance(got[name], float) and math.isnan(got[name])), name
            else:
                assert got[name] == expected_cell(value), name


@SHORT
@given(csv_files("utf-8"))
def test_any_valid_table_round_trips_through_utf8_csv(file):
    data, rows = file
    assert_round_trip(read_submission(data, "r.csv"), rows)


@SHORT
@given(csv_files("gbk"))
def test_any_valid_table_round_trips_through_gbk_csv(file):
    data, rows = file
    assert_round_trip(read_submission(data, "r.csv"), rows)


@SHORT
@given(xlsx_files())
def test_any_valid_table_round_trips_through_xlsx(file):
    data, rows = file
    assert_round_trip(read_submission(data, "r.xlsx"), rows)


@SHORT
@given(json_files())
def test_any_valid_table_round_trips_through_json(file):
    data, rows = file
    assert_round_trip(read_submission(data, "r.json"), rows)


# --- numbers ------------------------------------------------------------------------------------------


@SHORT
@given(st.decimals(min_value=0, max_value=10**13, places=2, allow_nan=False, allow_infinity=False))
def test_a_number_grouped_in_thousands_reads_as_itself(value):
    data = csv_bytes(WINTER_WARMTH, [province_row("360000") | {"funds_total": f"{value:,}"}])
    table = read_submission(data, "r.csv")
    assert table.cell_problems == []
    assert table.frame["funds_total"].iloc[0] == float(value)


@SHORT
@given(st.integers(0, 999), st.integers(0, 99) | st.integers(1000, 99999))
def test_a_comma_not_followed_by_three_digits_is_refused_never_guessed(whole, fraction):
    text = f"{whole},{fraction}"
    table = read_submission(csv_bytes(WINTER_WARMTH, [province_row("360000") | {"funds_total": text}]), "r.csv")
    assert [(p.column, p.value) for p in table.cell_problems] == [("funds_total", text)]
    assert math.isnan(table.frame["funds_total"].iloc[0])


# --- fuzzing --------------------------------------------------------------------------------------


def read_or_refuse(data: bytes, filename: str) -> None:
    """The only two outcomes allowed: a table, or Unreadable with a message."""
    try:
        assert isinstance(read_submission(data, filename), ReadTable)
    except Unreadable as exc:
        assert str(exc)


@SHORT
@given(st.binary(max_size=4096), st.sampled_from(["r.csv", "r.xlsx", "r.json", "r.CSV", "r.pdf", "r"]))
def test_arbitrary_bytes_are_read_or_refused_cleanly(data, filename):
    read_or_refuse(data, filename)


@SHORT
@given(st.binary(max_size=2048))
def test_bytes_behind_a_zip_signature_are_refused_cleanly(tail):
    read_or_refuse(b"PK\x03\x04" + tail, "r.xlsx")


def valid_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    for row in [[c.label_zh for c in REPORT.columns], list(province_row("360000").values())]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


VALID_XLSX = valid_xlsx()
VALID_CSV = csv_bytes(WINTER_WARMTH, [province_row("360000")])


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` cut short, or with a few bytes overwritten or inserted."""
    damaged = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(damaged) - 1))
        byte = draw(st.integers(0, 255))
        if draw(st.booleans()):
            damaged[at] = byte
        else:
            damaged.insert(at, byte)
    if draw(st.booleans()):
        return bytes(damaged)
    return bytes(damaged[: draw(st.integers(1, len(damaged)))])


@SHORT
@given(damaged(VALID_XLSX))
def test_a_damaged_workbook_is_read_or_refused_cleanly(data):
    read_or_refuse(data, "r.xlsx")


@SHORT
@given(damaged(VALID_CSV), st.sampled_from(["r.csv", "r.json"]))
def test_damaged_text_is_read_or_refused_cleanly(data, filename):
    read_or_refuse(data, filename)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(NUMERIC)), st.text(max_size=12) | st.floats() | st.integers()))
def test_whatever_the_cells_hold_judging_and_converting_never_raise(cells):
    """Odd cell values (huge, NaN, text, signs) end as an answer; an accepted table converts."""
    data = json.dumps([province_row("360000") | cells]).encode()
    found = arrival("360000/2025-01/r.json", data)
    verdict, table = judge(found, data)
    if verdict.accepted:
        to_arrow(table, found.submission_id)
    else:
        assert verdict.failures
