"""Step 4, write: what a file leaves in the lake. An accepted table becomes Parquet; every file
keeps its validation result, a rejected one also in the quarantine area; a summary report's raw
bytes are copied beside them, while a records file (identity numbers in clear) and a file refused
unread stay where they landed, their location recorded instead.

Every key is derived from the submission id, so writing twice writes the same objects: a retried
task cannot leave two copies, and a crash leaves at worst an object the rerun overwrites.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from provincial_reports import failpoints
from provincial_reports.declarations import Column, ReportType
from provincial_reports.land import Arrival
from provincial_reports.read import SOURCE_ROW
from provincial_reports.read.tables import ReadTable
from provincial_reports.stores.objects import Store
from provincial_reports.validate.verdict import Verdict

DECIMAL = pa.decimal128(18, 4)
ARROW_TYPES = {
    "period": pa.string(),
    "code": pa.string(),
    "text": pa.string(),
    "decimal": DECIMAL,
    "integer": pa.int64(),
}
QUANTUM = Decimal("0.0001")


RECORDS_SCHEMA = pa.schema(
    [
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field(SOURCE_ROW, pa.int64()),
        pa.field("period", pa.string()),
        pa.field("org_unit_code", pa.string()),
        pa.field("beneficiary_pseudonym", pa.string()),
        pa.field("birth_year", pa.int16()),
        pa.field("sex", pa.string()),
        pa.field("beneficiary_category", pa.string()),
        pa.field("amount_yuan", pa.decimal128(14, 2)),
        pa.field("paid_on", pa.date32()),
    ]
)
# Pseudonyms and row numbers are all different: a dictionary would only cost time.
DICTIONARY_COLUMNS = [f.name for f in RECORDS_SCHEMA if f.name not in ("beneficiary_pseudonym", SOURCE_ROW)]


@dataclass(frozen=True)
class Answer:
    """A file's answer, whichever path it took: what a `process` task returns (as a plain dict,
    through XCom) and the ledger row it becomes."""

    arrival: Arrival
    outcome: str  # accepted or rejected
    failures: list[str]
    report_type: str | None
    rows_read: int | None
    processed_at: str
    raw_location: str | None
    result_location: str
    parquet_location: str | None
    # the explanations it carries (read/explanations.py): an explanation file's, or its 说明 sheet's
    explanations: list[dict] | None = None

    def to_dict(self) -> dict:
        answer = asdict(self)
        return {**answer.pop("arrival"), **answer}

    @classmethod
    def from_dict(cls, answer: dict) -> Answer:
        arrival = {f.name for f in fields(Arrival)}
        return cls(
            arrival=Arrival(**{k: v for k, v in answer.items() if k in arrival}),
            **{k: v for k, v in answer.items() if k not in arrival},
        )


def arrow_schema(report_type: ReportType) -> pa.Schema:
    """Declared, never inferred: an all-blank column is still decimal, a code is still text."""
    fields = [pa.field(c.name, ARROW_TYPES[c.type]) for c in report_type.columns]
    key = [pa.field("submission_id", pa.string(), nullable=False), pa.field(SOURCE_ROW, pa.int64())]
    return pa.schema([*key, *fields])


def _arrow_values(column: Column, values: list) -> list:
    def clean(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if column.type == "decimal":
            return Decimal(repr(v)).quantize(QUANTUM)
        if column.type == "integer":
            return int(v)
        return v

    return [clean(v) for v in values]


def to_arrow(table: ReadTable, submission_id: str) -> pa.Table:
    schema = arrow_schema(table.report_type)
    frame = table.frame
    arrays = {"submission_id": [submission_id] * len(frame), SOURCE_ROW: frame[SOURCE_ROW].tolist()}
    for column in table.report_type.columns:
        arrays[column.name] = _arrow_values(column, frame[column.name].tolist())
    return pa.Table.from_pydict(arrays, schema=schema)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def parquet_key(report_type: str, arrival: Arrival) -> str:
    return (
        f"parquet/report_type={report_type}/period={arrival.period}/"
        f"province_code={arrival.province_code}/{arrival.submission_id}.parquet"
    )


@contextmanager
def records_parquet(path: Path) -> Iterator[Callable[[pa.RecordBatch], None]]:
    """A Parquet file of records in the lake's layout, written batch by batch: the batches may carry
    more columns (rule flags, quoted texts), which are left out."""
    with pq.ParquetWriter(path, RECORDS_SCHEMA, compression="zstd", use_dictionary=DICTIONARY_COLUMNS) as writer:
        yield lambda batch: writer.write_batch(
            pa.RecordBatch.from_arrays([batch.column(f.name) for f in RECORDS_SCHEMA], schema=RECORDS_SCHEMA)
        )


def folder_of(arrival: Arrival) -> str:
    """Where a file's copies go: its province and period, or `_unplaced` if the path had none."""
    if arrival.province_code and arrival.period:
        return f"{arrival.province_code}/{arrival.period}"
    return "_unplaced"


def result_key(arrival: Arrival) -> str:
    return f"validation/{folder_of(arrival)}/{arrival.submission_id}.json"


def quarantine_key(arrival: Arrival) -> str:
    return f"quarantine/{folder_of(arrival)}/{arrival.submission_id}/validation.json"


def raw_key(arrival: Arrival, accepted: bool) -> str:
    area = "raw" if accepted else "quarantine"
    return f"{area}/{folder_of(arrival)}/{arrival.submission_id}/{arrival.filename}"


def write_with_raw_copy(lake: Store, arrival: Arrival, raw: bytes, verdict: Verdict, table: ReadTable | None) -> Answer:
    """A summary report: raw copy and result first, Parquet last, so that a Parquet file in the lake
    always has both beside it. An explanation file (no table) has no Parquet."""
    raw_location = raw_key(arrival, verdict.accepted)
    lake.write(raw_location, raw)
    result_location = _keep_result(lake, arrival, verdict)
    parquet_location = None
    if verdict.accepted and table is not None:
        parquet_location = parquet_key(table.report_type.name, arrival)
        lake.write(parquet_location, parquet_bytes(to_arrow(table, arrival.submission_id)))
        failpoints.hit("after_parquet_write")
    rows = len(table.frame) if table else None
    return answer_of(
        arrival, verdict, table.report_type if table else None, rows, raw_location, result_location, parquet_location
    )


def write_raw_in_place(
    lake: Store,
    arrival: Arrival,
    raw_location: str,
    verdict: Verdict,
    report_type: ReportType | None,
    rows: int | None,
    parquet: Path | None,
) -> Answer:
    """A records file, or a file refused unread: result first, then the Parquet of an accepted
    records file (`parquet`, a local file); the raw file stays where it landed, at `raw_location`."""
    result_location = _keep_result(lake, arrival, verdict)
    parquet_location = None
    if parquet is not None:
        parquet_location = parquet_key(report_type.name, arrival)
        lake.put_file(parquet_location, parquet)
    return answer_of(arrival, verdict, report_type, rows, raw_location, result_location, parquet_location)


def _keep_result(lake: Store, arrival: Arrival, verdict: Verdict) -> str:
    """The result document under validation/, and for a rejected file under quarantine/ too."""
    document = json.dumps(verdict.document, ensure_ascii=False, indent=1, default=str).encode()
    lake.write(result_key(arrival), document)
    if not verdict.accepted:
        lake.write(quarantine_key(arrival), document)
    return result_key(arrival)


def answer_of(
    arrival: Arrival,
    verdict: Verdict,
    report_type: ReportType | None,
    rows: int | None,
    raw_location: str | None,
    result_location: str,
    parquet_location: str | None,
) -> Answer:
    return Answer(
        arrival=arrival,
        outcome="accepted" if verdict.accepted else "rejected",
        failures=verdict.failures,
        report_type=report_type.name if report_type else None,
        rows_read=rows,
        processed_at=datetime.now(UTC).isoformat(),
        raw_location=raw_location,
        result_location=result_location,
        parquet_location=parquet_location,
    )
