"""The records pass: one DuckDB query, streaming over a file's Arrow batches, types every cell,
computes each row's rule flags, birth year and sex, and drops the identity number, which only its
keyed pseudonym replaces. Trimming, check characters and pseudonyms are computed on the Arrow
batches before the query sees them, where Arrow and native code do them faster than SQL.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from functools import cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from provincial_reports.declarations import ReportType
from provincial_reports.land import Arrival
from provincial_reports.privacy import mask_identity_numbers, masked_sql, pseudonyms
from provincial_reports.read import Unreadable
from provincial_reports.read.batches import BATCH_ROWS, BatchSource
from provincial_reports.stores.warehouse import NO_PROGRESS_BAR
from provincial_reports.validate.resident_id import birth_date_sql, check_characters, cleaned, sex_sql

# DuckDB spills to disk beyond this. A worker's DuckDB only streams batches and finds repeated
# payments; the README's Performance section gives the measurements behind the figure.
WORKER_DUCKDB_MEMORY = "128MB"
DERIVED = pa.schema([pa.field("expected_check", pa.string()), pa.field("beneficiary_pseudonym", pa.string())])

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
    CASE WHEN id_malformed OR id_check_failed OR birth_implausible THEN {masked_id} END AS shown_id,
    CASE WHEN amount_unreadable THEN amount_text END AS amount_text,
    CASE WHEN paid_on_unreadable OR paid_outside_period THEN paid_on_text END AS paid_on_text
FROM flagged
""".format(
    sex=sex_sql("beneficiary_id"),
    birth_date=birth_date_sql("beneficiary_id"),
    masked_id=masked_sql("beneficiary_id"),
)


def worker_duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per worker process (a new one per file costs more than a small file's
    checks), spilling to a temporary folder beyond its limit. A process forked from one that had
    its DuckDB gets one of its own: the parent's would wait forever on threads the child lacks."""
    return _process_duckdb(os.getpid())


@cache
def _process_duckdb(pid: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(NO_PROGRESS_BAR)
    con.execute(f"SET memory_limit = '{WORKER_DUCKDB_MEMORY}'")
    con.execute("SET threads = 1")  # one thread per worker: workers are the parallelism, as in Airflow
    con.execute("SET temp_directory = ?", [tempfile.mkdtemp(prefix="records-spill-")])
    return con


def passed_batches(
    con: duckdb.DuckDBPyConnection, source: BatchSource, arrival: Arrival, key: bytes, report_type: ReportType
) -> Iterator[pa.RecordBatch]:
    """The file's rows typed, flagged and pseudonymised, BATCH_ROWS at a time."""
    rules = report_type.records
    derived = _with_derived(source.batches, key)
    con.register("incoming", pa.RecordBatchReader.from_batches(_with_schema(source.schema), derived))
    try:
        relation = con.sql(
            TRANSFORM_SQL,
            params={
                "period": arrival.period,
                "submission_id": arrival.submission_id,
                "codes": [c.code for c in rules.categories],
                "labels": [c.label_zh for c in rules.categories],
                "min_age": rules.min_age,
                "max_age": rules.max_age,
            },
        )
        yield from relation.to_arrow_reader(BATCH_ROWS)
    except duckdb.ConversionException as exc:
        raise Unreadable(
            f"the file cannot be read to its end: {mask_identity_numbers(str(exc))} (文件无法完整读取)"
        ) from exc
    finally:
        con.unregister("incoming")


def _with_derived(batches: Iterator[pa.RecordBatch], key: bytes) -> Iterator[pa.RecordBatch]:
    """Each batch with its cells trimmed, its identity numbers upper-cased, their check characters
    and their pseudonyms. Trimmed of any Unicode space, full-width ones included, as the summary
    reports' cells are."""
    for batch in batches:
        columns = [pc.utf8_trim_whitespace(c) if pa.types.is_string(c.type) else c for c in batch.columns]
        at = batch.schema.get_field_index("beneficiary_id")
        columns[at] = numbers = cleaned(columns[at])
        derived = [check_characters(numbers), pseudonyms(numbers, key)]
        yield pa.RecordBatch.from_arrays([*columns, *derived], schema=_with_schema(batch.schema))


def _with_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([*schema, *DERIVED])
