"""Records read as a stream of Arrow batches, never whole: report types whose files run to millions
of rows (payment records), as CSV in UTF-8 or GBK, or Parquet.

Every batch has the same shape whatever the file: `source_row` (the row's number in the file)
plus one text column per declared column, null where the cell was empty or the column is
missing. Typing and checking the text is the next step's work (validate.records), done in bulk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from provincial_reports.declarations import ReportType, report_types
from provincial_reports.read import SOURCE_ROW, Unreadable
from provincial_reports.read.header import MIN_HEADER_MATCHES, HeaderFit, fit_header, matches, ranked_types
from provincial_reports.read.text import encoding_of, sniffing_encoding, suffix_of

HEAD_BYTES = 64 * 1024  # where the header row must be
HEADER_SEARCH_ROWS = 20
BATCH_ROWS = 200_000
# Arrow's CSV reader reads dozens of blocks ahead of its consumer: small blocks keep what a worker
# holds of a large file small (README, Performance).
CSV_BLOCK_BYTES = 1024 * 1024


@dataclass
class BatchSource(HeaderFit):
    """An opened file: its header's fit to the template, and its rows, batch by batch."""

    report_type: ReportType
    batches: Iterator[pa.RecordBatch]
    bad_rows: list[str] = field(default_factory=list)  # filled while the batches are read
    read_error: str | None = None  # set when a damaged stretch ended the batches early

    @property
    def schema(self) -> pa.Schema:
        return text_schema(self.report_type)


def text_schema(report_type: ReportType) -> pa.Schema:
    return pa.schema([pa.field(SOURCE_ROW, pa.int64())] + [pa.field(c.name, pa.string()) for c in report_type.columns])


def records_type_of(filename: str, head: bytes) -> ReportType | None:
    """The records report type a file is an upload of, from its first bytes; None for any other.
    Parquet is accepted for records only, so every Parquet file takes their path."""
    suffix = suffix_of(filename)
    if suffix == "parquet":
        return next((rt for rt in report_types().values() if rt.records), None)
    if suffix == "csv":
        return _best_records_type(_head_rows(head))
    return None


def open_batches(path: Path, filename: str, report_type: ReportType) -> BatchSource:
    if suffix_of(filename) == "parquet":
        return _parquet_source(path, report_type)
    return _csv_source(path, report_type)


# --- the header ---------------------------------------------------------------------------------


def _best_records_type(rows: list[list[str]]) -> ReportType | None:
    """A records type wins a row naming more of its columns than of any other type's."""
    for cells in rows[:HEADER_SEARCH_ROWS]:
        ranked = ranked_types(cells)
        found, report_type = ranked[0]
        if found >= MIN_HEADER_MATCHES:
            runner_up = ranked[1][0] if len(ranked) > 1 else 0
            return report_type if report_type.records and found > runner_up else None
    return None


def _declared_batch(report_type: ReportType, first_row: int, columns: dict[str, pa.Array], rows: int) -> pa.RecordBatch:
    arrays = [pa.array(np.arange(first_row, first_row + rows, dtype=np.int64))]
    for column in report_type.columns:
        values = columns.get(column.name)
        arrays.append(pa.nulls(rows, pa.string()) if values is None else pc.cast(values, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=text_schema(report_type))


# --- CSV ------------------------------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


def _head_rows(head: bytes) -> list[list[str]]:
    text = head.decode(sniffing_encoding(head), errors="replace")
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return []


def _csv_source(path: Path, report_type: ReportType) -> BatchSource:
    source = BatchSource(report_type=report_type, batches=iter(()))
    head = _read_head(path)
    rows = _head_rows(head)
    header_at = next((i for i, cells in enumerate(rows) if matches(report_type, cells) >= MIN_HEADER_MATCHES), None)
    if header_at is None:
        raise Unreadable("no header row found in the first rows (未找到表头行，请使用模板中的列名)")
    header = rows[header_at]
    positions = fit_header(report_type, header, source)
    names = [f"c{i}" for i in range(len(header))]

    def note_bad_row(row: pacsv.InvalidRow) -> str:
        where = f"row {row.number}" if row.number else "a row"
        source.bad_rows.append(f"{where} has {row.actual_columns} cells, the header {row.expected_columns}")
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=header_at + 1,
                column_names=names,
                block_size=CSV_BLOCK_BYTES,
                encoding=_arrow_encoding(encoding_of(head, head=True)),
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=note_bad_row),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=[names[p] for p in positions.values()],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # the first block is read on opening
        raise Unreadable(f"the CSV cannot be read: {exc} (CSV文件无法读取)") from exc
    source.batches = _stopping_at_damage(source, _numbered(report_type, reader, positions, names, header_at + 2))
    return source


def _arrow_encoding(encoding: str) -> str:
    """Arrow reads UTF-8 natively and skips its BOM itself; any other encoding goes through Python's codecs."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _stopping_at_damage(source: BatchSource, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Bytes that are not text, or a column that cannot become text, end the stream; the reason
    is kept in `source.read_error`, which rejects the file (the rows read so far are still checked)."""
    try:
        yield from batches
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        source.read_error = str(exc)


def _numbered(
    report_type: ReportType,
    reader: Iterator[pa.RecordBatch],
    positions: dict[str, int],
    names: list[str],
    first_row: int,
) -> Iterator[pa.RecordBatch]:
    """Rows numbered as the province counts them (the header is row `first_row - 1`)."""
    next_row = first_row
    for batch in reader:
        columns = {declared: batch.column(names[p]) for declared, p in positions.items()}
        yield _declared_batch(report_type, next_row, columns, batch.num_rows)
        next_row += batch.num_rows


# --- Parquet --------------------------------------------------------------------------------------


def _parquet_source(path: Path, report_type: ReportType) -> BatchSource:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise Unreadable(f"the file is not a readable Parquet file ({exc}) (无法读取该Parquet文件)") from exc
    source = BatchSource(report_type=report_type, batches=iter(()))
    names = parquet.schema_arrow.names
    positions = fit_header(report_type, names, source)
    columns = {d: names[p] for d, p in positions.items()}
    source.batches = _stopping_at_damage(source, _parquet_batches(report_type, parquet, columns))
    return source


def _parquet_batches(
    report_type: ReportType, parquet: pq.ParquetFile, columns: dict[str, str]
) -> Iterator[pa.RecordBatch]:
    """Numbers, dates and text alike become text here, typed again with every other format's."""
    next_row = 1
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=list(columns.values())):
        values = {declared: batch.column(name) for declared, name in columns.items()}
        yield _declared_batch(report_type, next_row, values, batch.num_rows)
        next_row += batch.num_rows
