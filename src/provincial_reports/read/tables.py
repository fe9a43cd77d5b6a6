"""A summary report read whole into a table of the declared columns and types.

Provinces send what their office software writes: CSV in UTF-8 or GBK, Excel sheets with title
rows above the header, JSON from their own systems, headers in Chinese or English. Everything is
brought to one shape here (declared columns, declared types, a `source_row` pointing back into
the file) so that validation sees every file alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from provincial_reports.declarations import ReportType
from provincial_reports.read import SOURCE_ROW, Unreadable
from provincial_reports.read.cells import CellProblem, total_row_problems, typed
from provincial_reports.read.formats import Rows, rows_of
from provincial_reports.read.header import MIN_HEADER_MATCHES, HeaderFit, fit_header, is_blank, ranked_types


@dataclass
class ReadTable(HeaderFit):
    report_type: ReportType
    frame: pd.DataFrame
    cell_problems: list[CellProblem] = field(default_factory=list)


def read_submission(data: bytes, filename: str) -> ReadTable:
    return table_from_rows(rows_of(data, filename))


def _find_header(rows: Rows) -> tuple[int, ReportType]:
    """The header is the first row naming at least two declared columns of some report type."""
    for position, (_, cells) in enumerate(rows):
        found, report_type = ranked_types(cells)[0]
        if found >= MIN_HEADER_MATCHES:
            return position, report_type
    raise Unreadable(
        "no header row found: expected a row of the template's column names, e.g. 报告期/period, "
        "单位代码/org_unit_code (未找到表头行，请使用模板中的列名)"
    )


def table_from_rows(rows: Rows) -> ReadTable:
    position, report_type = _find_header(rows)
    header = rows[position][1]
    table = ReadTable(report_type=report_type, frame=pd.DataFrame())
    data_rows = [(n, cells) for n, cells in rows[position + 1 :] if not all(is_blank(c) for c in cells)]

    def unlabelled(i: int) -> str | None:
        if any(i < len(cells) and not is_blank(cells[i]) for _, cells in data_rows):
            return f"(column {i + 1} has values but no heading; merged header cell? 第{i + 1}列无表头)"
        return None

    positions = fit_header(report_type, header, table, unlabelled)
    records = []
    for number, cells in data_rows:
        record: dict[str, object] = {SOURCE_ROW: number}
        for column in report_type.columns:
            at = positions.get(column.name)
            raw = cells[at] if at is not None and at < len(cells) else None
            record[column.name] = typed(column, raw, number, table.cell_problems)
        records.append(record)
        table.cell_problems.extend(total_row_problems(report_type, record, number))
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
