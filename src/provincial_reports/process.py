"""The one place where a file is routed: a summary report read whole, records read in batches, or
an entry refused unread (not a plain file, too large, or records in a format records may not come
in). Each route ends in the file's answer, accepted or rejected.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from provincial_reports.declarations import EXPLANATIONS, ReportType
from provincial_reports.land import Arrival, as_held, entry_arrival, landed_place, read_landed, sha256_of
from provincial_reports.privacy import pseudonym_key
from provincial_reports.read import Unreadable
from provincial_reports.read.batches import HEAD_BYTES, records_type_of
from provincial_reports.read.explanations import (
    SHEET,
    explanation_header,
    metrics_of_any_type,
    metrics_of_type,
    read_explanations,
)
from provincial_reports.read.formats import MAX_FILE_BYTES, named_sheet_rows, rows_of, too_large
from provincial_reports.read.tables import ReadTable, table_from_rows
from provincial_reports.read.text import suffix_of
from provincial_reports.stores.entries import LandingEntry
from provincial_reports.stores.objects import Store, file_sha256
from provincial_reports.validate.explanations import explanation_file_verdict, sheet_result
from provincial_reports.validate.records import judge_records
from provincial_reports.validate.tables import validate_submission
from provincial_reports.validate.verdict import Verdict, reject_unread
from provincial_reports.write import Answer, write_raw_in_place, write_with_raw_copy

RECORDS_FORMATS_ONLY = (
    "beneficiary-level records are accepted as CSV (UTF-8 or GBK) or Parquet only "
    "(发放明细只接受CSV（UTF-8或GBK编码）或Parquet文件)"
)


def process_file(landing: Store, lake: Store, arrival: Arrival) -> Answer:
    """Read, validate and write one file; its answer, whether accepted or rejected. FileNotFoundError
    if it is gone since it was listed."""
    entry = landing.entry_problem(arrival.source)
    if entry is not None:  # a link, a FIFO...: answered, never read
        return _refuse_entry(landing, lake, arrival, entry)
    store, key = landed_place(landing, arrival)
    records = records_type_of(arrival.filename, store.head(key, HEAD_BYTES))
    if records is not None:
        return _process_records(landing, lake, arrival, records)
    if arrival.size > MAX_FILE_BYTES:  # answered from its size, never read whole; kept where it landed
        verdict = reject_unread(arrival, "readable", too_large(arrival.size))
        return write_raw_in_place(lake, arrival, landing.location(arrival.source), verdict, None, None, None)
    raw = read_landed(landing, arrival)
    arrival = as_held(arrival, sha256_of(raw), len(raw))
    verdict, table, explained = judge_with_explanations(arrival, raw)
    if table is not None and table.report_type.records:  # records as XLSX/JSON: never copied
        raw_location = landing.location(arrival.source)
        return write_raw_in_place(lake, arrival, raw_location, verdict, table.report_type, None, None)
    answer = write_with_raw_copy(lake, arrival, raw, verdict, table)
    if explained is None:
        return answer
    return replace(answer, report_type=answer.report_type or EXPLANATIONS, explanations=explained)


def judge(arrival: Arrival, raw: bytes) -> tuple[Verdict, ReadTable | None]:
    """The verdict on a file read whole, and its table when it could be read as one."""
    verdict, table, _ = judge_with_explanations(arrival, raw)
    return verdict, table


def judge_with_explanations(arrival: Arrival, raw: bytes) -> tuple[Verdict, ReadTable | None, list[dict] | None]:
    """`judge`, and the explanations the file carries: an explanation file's rows (no table), or
    the rows of a submission's 说明 sheet; None for a file that carries none."""
    if arrival.path_problem:
        return reject_unread(arrival, "path", arrival.path_problem), None, None
    try:
        rows = rows_of(raw, arrival.filename)
        if explanation_header(rows) is not None:
            found = read_explanations(rows, arrival.province_code, metrics_of_any_type())
            return explanation_file_verdict(arrival, found), None, found.rows
        table = table_from_rows(rows)
    except Unreadable as exc:
        return reject_unread(arrival, "readable", str(exc)), None, None
    if table.report_type.records:
        return reject_unread(arrival, "format", RECORDS_FORMATS_ONLY), table, None
    sheet = named_sheet_rows(raw, SHEET) if suffix_of(arrival.filename) == "xlsx" else None
    if sheet is None:
        return validate_submission(table, arrival), table, None
    found = read_explanations(sheet, arrival.province_code, metrics_of_type(table.report_type))
    checked = sheet_result(found, table)
    return validate_submission(table, arrival, [checked]), table, found.rows if checked["success"] else None


def _process_records(landing: Store, lake: Store, arrival: Arrival, report_type: ReportType) -> Answer:
    key = pseudonym_key()  # refused before anything is read
    store, landed = landed_place(landing, arrival)
    with store.local_file(landed) as path, tempfile.TemporaryDirectory(prefix="records-") as work:
        arrival = as_held(arrival, *file_sha256(path))
        output = Path(work) / "records.parquet"
        verdict, rows = judge_records(arrival, path, report_type, key, output)
        parquet = output if verdict.accepted else None
        raw_location = landing.location(arrival.source)
        return write_raw_in_place(lake, arrival, raw_location, verdict, report_type, rows, parquet)


def _refuse_entry(landing: Store, lake: Store, arrival: Arrival, entry: LandingEntry) -> Answer:
    """An entry that is not a readable regular file, looked at again with the listing's own rule
    (stores.entries), so that listing and reading never disagree: one replaced by a link since it
    was listed is answered as the link, under the identity the next listing would give it."""
    found = entry_arrival(entry)
    if (found.sha256, found.entry_problem) == (arrival.sha256, arrival.entry_problem):
        found = arrival  # as listed: the same answer, received when it was listed
    verdict = reject_unread(found, "landing_entry", entry.problem)
    return write_raw_in_place(lake, found, landing.entry_location(found.source), verdict, None, None, None)
