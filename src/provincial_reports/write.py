"""Step 4, convert: accepted tables become Parquet in the lake; every file keeps its raw bytes and
its validation result, rejected ones in the quarantine area.

Every key is derived from the submission id, so writing twice writes the same objects: a retried
task cannot leave two copies, and a crash leaves at worst an object the rerun overwrites.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from provincial_reports import failpoints
from provincial_reports.declarations import Column, ReportType
from provincial_reports.land import Arrival
from provincial_reports.read.tables import SOURCE_ROW, ReadTable
from provincial_reports.stores.objects import Store
from provincial_reports.validate.suites import Verdict

DECIMAL = pa.decimal128(18, 4)
ARROW_TYPES = {
    "period": pa.string(),
    "code": pa.string(),
    "text": pa.string(),
    "decimal": DECIMAL,
    "integer": pa.int64(),
}
QUANTUM = Decimal("0.0001")


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


def _folder(arrival: Arrival) -> str:
    """Where a file's copies go: its province and period, or `_unplaced` if the path had none."""
    if arrival.province_code and arrival.period:
        return f"{arrival.province_code}/{arrival.period}"
    return "_unplaced"


def result_key(arrival: Arrival) -> str:
    return f"validation/{_folder(arrival)}/{arrival.submission_id}.json"


def raw_key(arrival: Arrival, accepted: bool) -> str:
    area = "raw" if accepted else "quarantine"
    return f"{area}/{_folder(arrival)}/{arrival.submission_id}/{arrival.filename}"


def write_to_lake(
    lake: Store, arrival: Arrival, raw: bytes, verdict: Verdict, table: ReadTable | None
) -> dict[str, str | None]:
    """Raw copy and result first, Parquet last: a Parquet file in the lake always has both beside it."""
    result = json.dumps(verdict.document, ensure_ascii=False, indent=1, default=str).encode()
    keys = {"raw_key": raw_key(arrival, verdict.accepted), "result_key": result_key(arrival), "parquet_key": None}
    lake.write(keys["raw_key"], raw)
    lake.write(keys["result_key"], result)
    if verdict.accepted:
        keys["parquet_key"] = parquet_key(table.report_type.name, arrival)
        lake.write(keys["parquet_key"], parquet_bytes(to_arrow(table, arrival.submission_id)))
        failpoints.hit("after_parquet_write")
    else:
        lake.write(f"quarantine/{_folder(arrival)}/{arrival.submission_id}/validation.json", result)
    return keys


def answer_of(
    arrival: Arrival,
    verdict: Verdict,
    report_type: ReportType | None,
    rows: int | None,
    locations: dict[str, str | None],
) -> dict:
    """A file's answer, whichever path it took: what `process` returns and the ledger row it becomes."""
    return {
        **arrival.to_dict(),
        "outcome": "accepted" if verdict.accepted else "rejected",
        "failures": verdict.failures,
        "report_type": report_type.name if report_type else None,
        "rows_read": rows,
        "processed_at": datetime.now(UTC).isoformat(),
        "raw_location": locations["raw_key"],
        "result_location": locations["result_key"],
        "parquet_location": locations["parquet_key"],
    }
