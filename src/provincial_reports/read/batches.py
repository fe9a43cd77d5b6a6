"""Reading a large upload as a stream of Arrow batches, never whole: for report types whose files
run to millions of rows (beneficiary-level records), CSV in UTF-8 or GBK, or Parquet.

Every batch has the same shape whatever the file: `source_row` (the row's number in the file)
plus one text column per declared column, null where the cell was empty or the column is
missing. Typing and checking the text is the next step's work (disbursements.py), done in bulk.
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
from provincial_reports.read import encoding
from provincial_reports.read.tables import MIN_HEADER_MATCHES, SOURCE_ROW, Unreadable, normalise_header

HEAD_BYTES = 64 * 1024  # where the header row must be
HEADER_SEARCH_ROWS = 20
BATCH_ROWS = 200_000
# Arrow's CSV reader reads blocks ahead of its consumer, some 32 of them (measured): with 8 MiB
# blocks a worker held 300 MB of a 5-million-row file at once; with 1 MiB, about 35 MB.
CSV_BLOCK_BYTES = 1024 * 1024
STREAMED_SUFFIXES = ("csv", "parquet")


@dataclass
class BatchSource:
    """An opened file: its header's fit to the template, and its rows, batch by batch."""

    report_type: ReportType
    batches: Iterator[pa.RecordBatch]
    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)  # filled while the batches are read
    read_error: str | None = None  # set when a damaged stretch ended the batches early

    @property
    def schema(self) -> pa.Schema:
        return text_schema(self.report_type)


def text_schema(report_type: ReportType) -> pa.Schema:
    return pa.schema([pa.field(SOURCE_ROW, pa.int64())] + [pa.field(c.name, pa.string()) for c in report_type.columns])


def suffix_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def streamed_type_of(filename: str, head: bytes) -> ReportType | None:
    """The streamed report type a file is an upload of, from its first bytes; None for any other.
    Parquet is accepted for streamed types only, so every Parquet file takes their path."""
    suffix = suffix_of(filename)
    if suffix == "parquet":
        return next((rt for rt in report_types().values() if rt.streamed), None)
    if suffix == "csv":
        return _best_streamed_type(_head_rows(head))
    return None


def open_batches(path: Path, filename: str, report_type: ReportType) -> BatchSource:
    if suffix_of(filename) == "parquet":
        return _parquet_source(path, report_type)
    return _csv_source(path, report_type)


# --- the header ---------------------------------------------------------------------------------


def _index(report_type: ReportType) -> dict[str, str]:
    return {normalise_header(label): c.name for c in report_type.columns for label in (c.name, c.label_zh)}


def _matches(report_type: ReportType, cells: list[str]) -> int:
    index = _index(report_type)
    return sum(normalise_header(c) in index for c in cells if c and c.strip())


def _best_streamed_type(rows: list[list[str]]) -> ReportType | None:
    """A streamed type wins a row naming more of its columns than of any other type's."""
    for cells in rows[:HEADER_SEARCH_ROWS]:
        scored = sorted(report_types().values(), key=lambda rt: _matches(rt, cells), reverse=True)
        best = scored[0]
        if _matches(best, cells) >= MIN_HEADER_MATCHES:
            runner_up = _matches(scored[1], cells) if len(scored) > 1 else 0
            return best if best.streamed and _matches(best, cells) > runner_up else None
    return None


def _map_header(source: BatchSource, names: list[str]) -> dict[str, int]:
    """Declared column -> position in the file; unknown, duplicate and missing ones recorded."""
    index, positions = _index(source.report_type), {}
    for position, name in enumerate(names):
        if not name or not name.strip():
            continue
        declared = index.get(normalise_header(name))
        if declared is None:
            source.unknown_headers.append(name.strip())
        elif declared in positions:
            source.duplicate_headers.append(name.strip())
        else:
            positions[declared] = position
    source.missing_columns = [c.name for c in source.report_type.columns if c.name not in positions]
    return positions


def _declared_batch(report_type: ReportType, first_row: int, columns: dict[str, pa.Array], rows: int) -> pa.RecordBatch:
    arrays = [pa.array(np.arange(first_row, first_row + rows, dtype=np.int64))]
    for column in report_type.columns:
        values = columns.get(column.name)
        arrays.append(pa.nulls(rows, pa.string()) if values is None else pc.cast(values, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=text_schema(report_type))


# --- CSV ------------------------------------------------------------------------------------------


def _encoding(head: bytes) -> str:
    """UTF-8 if the head decodes as such (cut at a line end, so no character is split), else GB18030."""
    cut = head[: head.rfind(b"\n") + 1] or head
    try:
        cut.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:  # damaged UTF-8 stays UTF-8 here, to be refused by _csv_source
        return "utf-8" if encoding.looks_like_utf8(cut) else "gb18030"


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


def _head_rows(head: bytes) -> list[list[str]]:
    encoding = _encoding(head)
    text = head.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    try:
        return list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return []


def _csv_source(path: Path, report_type: ReportType) -> BatchSource:
    source = BatchSource(report_type, iter(()))
    head = _read_head(path)
    try:
        text_encoding = encoding.head_encoding(head)
    except encoding.EncodingRefused as exc:
        raise Unreadable(str(exc)) from exc
    rows = _head_rows(head)
    header_at = next((i for i, cells in enumerate(rows) if _matches(report_type, cells) >= MIN_HEADER_MATCHES), None)
    if header_at is None:
        raise Unreadable("no header row found in the first rows (未找到表头行，请使用模板中的列名)")
    header = rows[header_at]
    positions = _map_header(source, header)
    names = [f"c{i}" for i in range(len(header))]

    def note_bad_row(row: pacsv.InvalidRow) -> str:
        where = f"row {row.number}" if row.number else "a row"
        source.bad_rows.append(f"{where} has {row.actual_columns} cells, the header {row.expected_columns}")
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=header_at + 1, column_names=names, block_size=CSV_BLOCK_BYTES, encoding=text_encoding
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
    source = BatchSource(report_type, iter(()))
    names = parquet.schema_arrow.names
    positions = _map_header(source, names)
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
