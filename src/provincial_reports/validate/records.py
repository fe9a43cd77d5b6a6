"""Beneficiary-level payment records (relief_disbursements): read, checked, pseudonymised, written
as Parquet and loaded batch by batch, so that memory stays flat whatever the file's size.

Each Arrow batch of the file gets its identity numbers' keyed pseudonyms and check characters;
one DuckDB query, streaming over those batches, types every cell, computes each row's rule flags
and the birth year and sex, and drops the identity number. Each result batch then goes through
the Great Expectations suite and into a temporary Parquet file;
rules over the whole file (no duplicate payment, at least one row) run on that file at the end.
The batch results are merged into one validation result per submission, and only an accepted
file's Parquet reaches the lake: a bad row in the last batch rejects the file like one in the first.

Identity numbers are never written outside the landing zone: the raw file is not copied into the
lake (its location in the landing zone is recorded instead), and any number quoted in an answer
is masked.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from provincial_reports.declarations import ReportType, provinces, records_declaration
from provincial_reports.land import Arrival, landed_place, submission_id
from provincial_reports.privacy import pseudonym_key, pseudonyms
from provincial_reports.read.batches import (
    BATCH_ROWS,
    HEAD_BYTES,
    BatchSource,
    open_batches,
    streamed_type_of,
)
from provincial_reports.read.tables import SOURCE_ROW, Unreadable
from provincial_reports.stores.files import head_bytes, local_file, put_file
from provincial_reports.stores.objects import Store, file_sha256
from provincial_reports.stores.warehouse import NO_PROGRESS_BAR, DuckDBWarehouse, Warehouse
from provincial_reports.validate.resident_id import birth_date_sql, check_characters, cleaned, sex_sql
from provincial_reports.validate.suites import (
    MAX_LISTED,
    Verdict,
    _check_result,
    _columns_as_template,
    _run_suite,
    _verdict,
    reject_unread,
)
from provincial_reports.write import _folder, answer_of, parquet_key, result_key

TABLE = "core.disbursements"
LAKE_SCHEMA = pa.schema(
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
DICTIONARY_COLUMNS = [f.name for f in LAKE_SCHEMA if f.name not in ("beneficiary_pseudonym", SOURCE_ROW)]
GX_COLUMNS = ("period", "org_unit_code", "beneficiary_category", "amount_yuan")
# A batch is first checked for counts only (BASIC: 37 ms for 65,000 rows); only a failing batch
# is checked again for its first offending rows (SUMMARY: 61 ms), named by the frame's index, the
# row numbers. A COMPLETE result, or rows named by unexpected_index_column_names, makes GX look up
# every offending row one by one: for a file whose every row was wrong, 45 s and 735 MB per
# million rows.
COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": MAX_LISTED}
FIRST_ROWS = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_LISTED}
# DuckDB spills to disk beyond these. A worker's DuckDB only streams batches and finds repeated
# payments (64MB was too little for that on a 5-million-row file with two threads; 128MB is
# enough with room to spare); the load inserts millions of rows (at 10M rows, 128MB gave a peak
# 120 MB lower than 256MB did, in the same time).
WORKER_DUCKDB_MEMORY = "128MB"
LOAD_DUCKDB_MEMORY = "128MB"
FORMATS_ONLY = (
    "beneficiary-level records are accepted as CSV (UTF-8 or GBK) or Parquet only "
    "(发放明细只接受CSV（UTF-8或GBK编码）或Parquet文件)"
)
IDENTITY_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")

# Cells typed, rows flagged and identity numbers replaced, over the Arrow stream `incoming`, whose
# cells come trimmed and identity numbers upper-cased, with their expected check characters (null
# when not 17 digits and a digit or X) and pseudonyms. The texts quoted beside a row number are
# built only on the rows that break a rule, not on every row.
TRANSFORM_SQL = """
WITH bounds AS (
    SELECT CAST($period || '-01' AS DATE) AS period_start, last_day(CAST($period || '-01' AS DATE)) AS period_end
),
cleaned AS (
    SELECT
        source_row,
        nullif(period, '') AS period,
        nullif(org_unit_code, '') AS org_unit_code,
        nullif(beneficiary_id, '') AS beneficiary_id,
        nullif(lower(beneficiary_category), '') AS category_text,
        nullif(replace(amount_yuan, ',', ''), '') AS amount_text,
        nullif(paid_on, '') AS paid_on_text,
        expected_check,
        expected_check IS NOT NULL AS id_well_formed,
        beneficiary_pseudonym
    FROM incoming
),
typed AS (
    SELECT
        cleaned.*,
        bounds.*,
        coalesce(list_extract($codes, list_position($labels, category_text)), category_text) AS beneficiary_category,
        CASE WHEN regexp_full_match(amount_text, '[+-]?[0-9]+(\\.[0-9]{{1,2}})?')
            THEN CAST(amount_text AS DECIMAL(14, 2)) END AS amount_yuan,
        CAST(coalesce(try_strptime(paid_on_text, '%Y-%m-%d'), try_strptime(paid_on_text, '%Y/%m/%d')) AS DATE)
            AS paid_on,
        CASE WHEN id_well_formed THEN {birth_date} END AS birth_date
    FROM cleaned CROSS JOIN bounds
),
flagged AS (
    SELECT
        *,
        beneficiary_id IS NOT NULL AND NOT id_well_formed AS id_malformed,
        coalesce(right(beneficiary_id, 1) <> expected_check, false) AS id_check_failed,
        id_well_formed AND NOT coalesce(birth_date BETWEEN period_end - to_years($max_age)
            AND period_end - to_years($min_age), false) AS birth_implausible,
        amount_text IS NOT NULL AND amount_yuan IS NULL AS amount_unreadable,
        paid_on_text IS NOT NULL AND paid_on IS NULL AS paid_on_unreadable,
        coalesce(paid_on NOT BETWEEN period_start AND period_end, false) AS paid_outside_period
    FROM typed
)
SELECT
    $submission_id AS submission_id,
    source_row,
    period,
    org_unit_code,
    beneficiary_pseudonym,
    CASE WHEN id_well_formed THEN CAST(substr(beneficiary_id, 7, 4) AS SMALLINT) END AS birth_year,
    CASE WHEN id_well_formed THEN {sex} END AS sex,
    beneficiary_category,
    amount_yuan,
    paid_on,
    CAST(amount_yuan AS DOUBLE) AS amount_value,
    period IS NULL AS period_missing,
    org_unit_code IS NULL AS org_unit_code_missing,
    beneficiary_id IS NULL AS id_missing,
    category_text IS NULL AS category_missing,
    amount_text IS NULL AS amount_missing,
    paid_on_text IS NULL AS paid_on_missing,
    id_malformed,
    id_check_failed,
    birth_implausible,
    amount_unreadable,
    paid_on_unreadable,
    paid_outside_period,
    CASE WHEN NOT (id_malformed OR id_check_failed OR birth_implausible) THEN NULL
        WHEN length(beneficiary_id) > 10
        THEN left(beneficiary_id, 6) || repeat('*', length(beneficiary_id) - 10) || right(beneficiary_id, 4)
        ELSE repeat('*', length(beneficiary_id)) END AS shown_id,
    CASE WHEN amount_unreadable THEN amount_text END AS amount_text,
    CASE WHEN paid_on_unreadable OR paid_outside_period THEN paid_on_text END AS paid_on_text
FROM flagged
""".format(
    sex=sex_sql("beneficiary_id"),
    birth_date=birth_date_sql("beneficiary_id"),
)

# Repeated payments: the groups found in one pass that keeps only a count and the first row per
# group (so that it fits in a worker's small DuckDB memory), then, only if there are any, a
# second pass for the rows of the first few.
REPEATED_PAYMENTS_SQL = """
SELECT beneficiary_pseudonym, paid_on, amount_yuan, min(source_row) AS first_row, count(*) OVER () AS groups
FROM read_parquet($path)
WHERE beneficiary_pseudonym IS NOT NULL AND paid_on IS NOT NULL AND amount_yuan IS NOT NULL
GROUP BY ALL
HAVING count(*) > 1
ORDER BY first_row
LIMIT $listed
"""
REPEATED_ROWS_SQL = """
SELECT list(p.source_row ORDER BY p.source_row)[1:5] AS rows_
FROM read_parquet($path) AS p JOIN repeated USING (beneficiary_pseudonym, paid_on, amount_yuan)
GROUP BY repeated.first_row
ORDER BY repeated.first_row
"""


@dataclass(frozen=True)
class RowRule:
    """A rule flagged row by row in TRANSFORM_SQL (`flag` true = broken), tallied over the file."""

    flag: str
    check: str
    column: str
    rule_en: str
    rule_zh: str
    shown: str | None = None  # the column whose value is quoted beside the row number


REQUIRED = ("required: must not be empty", "必填项，不能为空")
ROW_RULES = (
    RowRule("period_missing", "not_null", "period", *REQUIRED),
    RowRule("org_unit_code_missing", "not_null", "org_unit_code", *REQUIRED),
    RowRule("id_missing", "not_null", "beneficiary_id", *REQUIRED),
    RowRule("category_missing", "not_null", "beneficiary_category", *REQUIRED),
    RowRule("amount_missing", "not_null", "amount_yuan", *REQUIRED),
    RowRule("paid_on_missing", "not_null", "paid_on", *REQUIRED),
    RowRule(
        "id_malformed",
        "id_number",
        "beneficiary_id",
        "must be an 18-character resident identity number: 17 digits, then a digit or X",
        "应为18位公民身份号码：17位数字，末位为数字或X",
        "shown_id",
    ),
    RowRule(
        "id_check_failed",
        "id_check_digit",
        "beneficiary_id",
        "the last character must be the check digit of the first 17 (GB 11643, ISO 7064 MOD 11-2)",
        "末位校验码应与前17位相符（GB 11643，ISO 7064 MOD 11-2）",
        "shown_id",
    ),
    RowRule(
        "birth_implausible",
        "id_birth_date",
        "beneficiary_id",
        "digits 7-14 must be a real birth date, the beneficiary {min_age} to {max_age} years old in the period",
        "第7至14位应为真实的出生日期，且报告期内年龄在{min_age}至{max_age}岁之间",
        "shown_id",
    ),
    RowRule(
        "amount_unreadable",
        "cell_type",
        "amount_yuan",
        "must be an amount in yuan with at most 2 decimals",
        "应为金额（元），最多两位小数",
        "amount_text",
    ),
    RowRule(
        "paid_on_unreadable",
        "cell_type",
        "paid_on",
        "must be a date YYYY-MM-DD",
        "应为YYYY-MM-DD格式的日期",
        "paid_on_text",
    ),
    RowRule(
        "paid_outside_period",
        "paid_in_period",
        "paid_on",
        "must be a date inside the reporting period",
        "应为报告期内的日期",
        "paid_on_text",
    ),
)


@dataclass
class Tally:
    """How many rows broke a rule, and the first few of them."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, batch: pa.RecordBatch, rule: RowRule) -> None:
        flags = batch.column(rule.flag)
        broken = pc.sum(flags).as_py() or 0
        if not broken:
            return
        self.count += broken
        wanted = MAX_LISTED - len(self.examples)
        if wanted > 0:
            rows = batch.filter(flags).slice(0, wanted)
            numbers = rows.column(SOURCE_ROW).to_pylist()
            values = rows.column(rule.shown).to_pylist() if rule.shown else [None] * len(numbers)
            self.examples += [
                f"row {n}" + ("" if v is None else f": {v!r}") for n, v in zip(numbers, values, strict=True)
            ]

    def findings(self) -> list[str]:
        return listed_with_total(self.examples, self.count, "rows", "行")


def listed_with_total(examples: list[str], total: int, what_en: str, what_zh: str) -> list[str]:
    """The first examples and, when there are more than those, how many in all: at most
    MAX_LISTED lines, so that the total is never the line cut off."""
    if total <= len(examples):
        return examples
    return [*examples[: MAX_LISTED - 1], f"{total} {what_en} in all (共{total}{what_zh})"]


# --- the DAG's process step for these files -------------------------------------------------------


def streamed_type_of_upload(landing: Store, arrival: Arrival) -> ReportType | None:
    """The records report type an upload holds, judged from its first bytes; None for a summary."""
    return streamed_type_of(arrival.filename, head_bytes(*landed_place(landing, arrival), HEAD_BYTES))


def process(landing: Store, lake: Store, arrival: Arrival, report_type: ReportType) -> dict:
    """The answer for one records file, as pipeline.process gives it for any other file."""
    key = pseudonym_key()  # refused before anything is read
    held = local_file(*landed_place(landing, arrival))
    with held as path, tempfile.TemporaryDirectory(prefix="records-") as work:
        arrival = _as_held(arrival, path)
        output = Path(work) / "records.parquet"
        verdict, rows = judge(arrival, path, report_type, key, output)
        return finish(landing, lake, arrival, verdict, report_type, rows, output if verdict.accepted else None)


def _as_held(arrival: Arrival, path: Path) -> Arrival:
    """Replaced since listing: the answer is for the bytes we hold."""
    sha, size = file_sha256(path)
    if sha == arrival.sha256:
        return arrival
    return replace(arrival, sha256=sha, size=size, submission_id=submission_id(arrival.source, sha))


def judge(arrival: Arrival, path: Path, report_type: ReportType, key: bytes, output: Path) -> tuple[Verdict, int]:
    """The verdict on the file and how many data rows it has; `output` holds its Parquet if accepted."""
    if arrival.path_problem:
        return reject_unread(arrival, "path", arrival.path_problem), 0
    try:
        source = open_batches(path, arrival.filename, report_type)
        return _validated(source, arrival, key, output)
    except Unreadable as exc:
        return reject_unread(arrival, "readable", str(exc)), 0


def _validated(source: BatchSource, arrival: Arrival, key: bytes, output: Path) -> tuple[Verdict, int]:
    rt, declared = source.report_type, records_declaration(source.report_type.name)
    tallies = {rule.flag: Tally() for rule in ROW_RULES}
    merged, rows, parameters = None, 0, _parameters(arrival, declared)
    con = _duckdb()
    try:
        with pq.ParquetWriter(output, LAKE_SCHEMA, compression="zstd", use_dictionary=DICTIONARY_COLUMNS) as writer:
            for batch in _transformed(con, source, arrival, key, declared):
                rows += batch.num_rows
                merged = merge_batch_result(merged, _suite_result(rt, _gx_frame(batch), parameters))
                for rule in ROW_RULES:
                    tallies[rule.flag].add(batch, rule)
                writer.write_batch(
                    pa.RecordBatch.from_arrays([batch.column(f.name) for f in LAKE_SCHEMA], schema=LAKE_SCHEMA)
                )
        if merged is None:  # no data row: the suite still answers, on an empty batch
            merged = merge_batch_result(None, _suite_result(rt, _empty_frame(), parameters))
        duplicates = _duplicates(con, output)
    finally:
        con.unregister("incoming")
    results = (
        merged["results"]
        + [
            _columns_as_template(source),  # BatchSource carries the header fields of a ReadTable
            _check_result(
                "readable_to_the_end",
                "the whole file must be readable",
                "整个文件应能完整读取",
                [f"reading stopped: {mask_identity_numbers(source.read_error)}"] if source.read_error else [],
            ),
            _check_result(
                "cell_count",
                "every row must have as many cells as the header",
                "每行单元格数应与表头一致",
                source.bad_rows[:MAX_LISTED],
            ),
            _check_result(
                "rows_present",
                "the file must contain at least one data row",
                "文件中至少应有一行数据",
                [] if rows else ["no data rows (没有数据行)"],
            ),
            *[_row_rule_result(rule, tallies[rule.flag], declared) for rule in ROW_RULES],
            duplicates,
        ]
    )
    verdict = _verdict(arrival, rt, results, merged["meta"])
    return Verdict(verdict.accepted, verdict.document, [mask_identity_numbers(f) for f in verdict.failures]), rows


@cache
def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per worker process (a new one per file costs more than a small file's
    checks), spilling to a temporary folder beyond its limit."""
    con = duckdb.connect()
    con.execute(NO_PROGRESS_BAR)
    con.execute(f"SET memory_limit = '{WORKER_DUCKDB_MEMORY}'")
    con.execute("SET threads = 1")  # one thread per worker: workers are the parallelism, as in Airflow
    con.execute("SET temp_directory = ?", [tempfile.mkdtemp(prefix="records-spill-")])
    return con


DERIVED = pa.schema([pa.field("expected_check", pa.string()), pa.field("beneficiary_pseudonym", pa.string())])


def _with_derived(batches: Iterator[pa.RecordBatch], key: bytes) -> Iterator[pa.RecordBatch]:
    """Each batch with its cells trimmed, its identity numbers upper-cased, their check characters
    and their pseudonyms, which Arrow and hashlib compute faster than SQL can (trimming: 0.07 µs a
    row instead of 0.21). Trimmed of any Unicode space, full-width ones included, as the summary
    reports' cells are."""
    for batch in batches:
        columns = [pc.utf8_trim_whitespace(c) if pa.types.is_string(c.type) else c for c in batch.columns]
        at = batch.schema.get_field_index("beneficiary_id")
        columns[at] = numbers = cleaned(columns[at])
        derived = [check_characters(numbers), pseudonyms(numbers, key)]
        yield pa.RecordBatch.from_arrays([*columns, *derived], schema=_with_schema(batch.schema))


def _with_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([*schema, *DERIVED])


def _transformed(
    con: duckdb.DuckDBPyConnection, source: BatchSource, arrival: Arrival, key: bytes, declared: dict
) -> Iterator[pa.RecordBatch]:
    """The file's rows typed, flagged and pseudonymised, BATCH_ROWS at a time."""
    categories = declared["categories"]
    derived = _with_derived(source.batches, key)
    con.register("incoming", pa.RecordBatchReader.from_batches(_with_schema(source.schema), derived))
    try:
        relation = con.sql(
            TRANSFORM_SQL,
            params={
                "period": arrival.period,
                "submission_id": arrival.submission_id,
                "codes": [c["code"] for c in categories],
                "labels": [c["label_zh"] for c in categories],
                "min_age": declared["min_age"],
                "max_age": declared["max_age"],
            },
        )
        yield from relation.to_arrow_reader(BATCH_ROWS)
    except duckdb.ConversionException as exc:
        raise Unreadable(
            f"the file cannot be read to its end: {mask_identity_numbers(str(exc))} (文件无法完整读取)"
        ) from exc


def _suite_result(report_type: ReportType, frame: pd.DataFrame, parameters: dict) -> dict:
    """GX's result on one batch, its offending rows quoted as in a whole file's result: the row
    number and the cell's value, the first MAX_LISTED of them."""
    result = _run_suite(report_type, frame, parameters, COUNTS_ONLY)
    if result["success"]:
        return result
    result = _run_suite(report_type, frame, parameters, FIRST_ROWS)
    for checked in result["results"]:
        found, column = checked["result"], checked["expectation_config"]["kwargs"].get("column")
        if column and "partial_unexpected_index_list" in found:
            rows, values = found["partial_unexpected_index_list"], found["partial_unexpected_list"]
            found["partial_unexpected_index_list"] = [
                {SOURCE_ROW: n, column: v} for n, v in zip(rows, values, strict=True)
            ]
    return result


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in GX_COLUMNS})


def _gx_frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """The columns the suite checks, indexed by row number. Text stays in Arrow (pandas'
    ArrowDtype): the same results as object columns, without a Python string per cell, and GX's
    null and set checks run on it faster; numbers become floats, NaN where empty."""
    names = [c if c != "amount_yuan" else "amount_value" for c in GX_COLUMNS]
    frame = pd.DataFrame(
        {column: _gx_series(batch.column(name)) for column, name in zip(GX_COLUMNS, names, strict=True)}
    )
    frame.index = pd.Index(batch.column(SOURCE_ROW).to_numpy())
    return frame


def _gx_series(values: pa.Array) -> pd.Series:
    if pa.types.is_string(values.type):
        return pd.Series(pd.arrays.ArrowExtensionArray(values))
    return pd.Series(values.to_numpy(zero_copy_only=False))


def _parameters(arrival: Arrival, declared: dict) -> dict:
    prefix = provinces()[arrival.province_code].prefix
    return {
        "period": [arrival.period],
        "records_unit_pattern": rf"^{prefix}\d{{4}}$",
        "categories": [c["code"] for c in declared["categories"]],
        "amount_cap_yuan": declared["amount_cap_yuan"],
    }


def _row_rule_result(rule: RowRule, tally: Tally, declared: dict) -> dict:
    result = _check_result(
        rule.check, rule.rule_en.format(**declared), rule.rule_zh.format(**declared), tally.findings(), rule.column
    )
    result["result"]["unexpected_count"] = tally.count
    return result


def _duplicates(con: duckdb.DuckDBPyConnection, output: Path) -> dict:
    repeated = con.sql(REPEATED_PAYMENTS_SQL, params={"path": str(output), "listed": MAX_LISTED}).to_arrow_table()
    groups = repeated["groups"][0].as_py() if repeated.num_rows else 0
    findings = []
    if groups:
        con.register("repeated", repeated)
        try:
            listed = con.execute(REPEATED_ROWS_SQL, {"path": str(output)}).fetchall()
        finally:
            con.unregister("repeated")
        examples = [f"rows {', '.join(map(str, rows))}" for (rows,) in listed]
        findings = listed_with_total(examples, groups, "repeated payments", "组")
    result = _check_result(
        "no_duplicate_payment",
        "the same beneficiary may not be paid the same amount on the same day twice",
        "同一对象同一天同一金额不得重复发放",
        findings,
    )
    result["result"]["unexpected_count"] = groups
    return result


# --- merging the batches' results -----------------------------------------------------------------

SUMMED = ("element_count", "unexpected_count", "missing_count")
# Not partial_unexpected_counts: each batch counts only its own most common values, and their
# sum over batches would pass for the file's counts without being them.
LISTED = ("partial_unexpected_list", "partial_unexpected_index_list")


def merge_batch_result(merged: dict | None, batch: dict) -> dict:
    """The file's GX result so far with one more batch's: an expectation succeeds if it did in
    every batch, counts add up, and only the file's first MAX_LISTED rows and values are kept, so
    the result stays small however many batches and broken rows there are."""
    if merged is None:
        merged = {**batch, "results": [{**r, "result": {}} for r in batch["results"]], "meta": {**batch["meta"]}}
        merged["meta"]["batches"] = 0
    for total, part in zip(merged["results"], batch["results"], strict=True):
        total["success"] = total.get("success", True) and part["success"]
        found, new = total["result"], part["result"]
        for name in SUMMED:
            if name in new:
                found[name] = found.get(name, 0) + (new[name] or 0)
        for name in LISTED:
            if name in new:
                found[name] = (found.get(name, []) + (new[name] or []))[:MAX_LISTED]
        if found.get("element_count"):
            found["unexpected_percent"] = 100.0 * found.get("unexpected_count", 0) / found["element_count"]
    merged["success"] = all(r["success"] for r in merged["results"])
    merged["meta"]["batches"] += 1
    return merged


# --- the answer, the lake, the warehouse ------------------------------------------------------------


def mask_identity_numbers(text: str) -> str:
    """Any identity number quoted in an answer keeps its region and last four characters only."""
    return IDENTITY_NUMBER.sub(r"\1********\2", text)


def finish(
    landing: Store,
    lake: Store,
    arrival: Arrival,
    verdict: Verdict,
    report_type: ReportType | None,
    rows: int | None,
    parquet: Path | None,
) -> dict:
    """Result document to the lake (and quarantine), Parquet last; the raw file stays in the landing zone."""
    document = mask_identity_numbers(json.dumps(verdict.document, ensure_ascii=False, indent=1, default=str)).encode()
    lake.write(result_key(arrival), document)
    location = None
    if parquet is not None:
        location = parquet_key(report_type.name, arrival)
        put_file(lake, location, parquet)
    else:
        lake.write(f"quarantine/{_folder(arrival)}/{arrival.submission_id}/validation.json", document)
    kept = {"raw_key": landing.location(arrival.source), "result_key": result_key(arrival), "parquet_key": location}
    return answer_of(arrival, verdict, report_type, rows, kept)


def load_records(warehouse: Warehouse, lake: Store, answers: list[dict]) -> None:
    """Accepted records files' rows into core.disbursements. DuckDB reads all their Parquet files
    in one statement (in parallel, out of core); other engines take them one batch at a time."""
    for report_type in sorted({a["report_type"] for a in answers}):
        _refresh_categories(warehouse, report_type)
    columns = ", ".join(LAKE_SCHEMA.names)
    with ExitStack() as held:
        paths = [str(held.enter_context(local_file(lake, a["parquet_location"]))) for a in answers]
        if paths and isinstance(warehouse, DuckDBWarehouse):
            warehouse.execute(f"SET memory_limit = '{LOAD_DUCKDB_MEMORY}'")  # a large insert goes to disk, not RAM
            # Rows are found by submission and source row, never by their order in the table; not
            # keeping the files' order lets DuckDB insert in parallel (1.7 s instead of 3.0 s at 2M rows).
            warehouse.execute("SET preserve_insertion_order = false")
            warehouse.execute(
                f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM read_parquet(?, hive_partitioning = false)",
                [paths],
            )
            return
        for path in paths:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
                warehouse.insert_arrow(TABLE, pa.Table.from_batches([batch]))


def _refresh_categories(warehouse: Warehouse, report_type: str) -> None:
    declared = records_declaration(report_type)
    warehouse.execute("DELETE FROM core.beneficiary_categories WHERE report_type = ?", [report_type])
    warehouse.insert_arrow(
        "core.beneficiary_categories",
        pa.Table.from_pylist(
            [
                {
                    "report_type": report_type,
                    "category": c["code"],
                    "label_zh": c["label_zh"],
                    "summary_report_type": declared["reconcile_with"],
                    "summary_metric": c["summary_metric"],
                    "funds_metric": declared["funds_metric"],
                    "count_tolerance": declared["count_tolerance"],
                }
                for c in declared["categories"]
            ]
        ),
    )
