"""The bodies of the DAG's tasks, in the order they run, callable without Airflow.

Each takes and returns plain JSON-able values (they travel as XCom) and opens its own storage
and warehouse handles from the environment, so a retried task starts from nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from provincial_reports.config import settings
from provincial_reports.entries import answer_if_not_a_plain_file
from provincial_reports.land import Arrival, arrival_of, find_new_arrivals, read_landed, sha256_of
from provincial_reports.load.transaction import ledger_keys, load_answers
from provincial_reports.read.tables import MAX_FILE_BYTES, ReadTable, Unreadable, read_submission, too_large
from provincial_reports.report.site import refresh_site, run_summary
from provincial_reports.stores.objects import StoredObject, open_store
from provincial_reports.stores.warehouse import connect
from provincial_reports.total import national_totals, totals_table
from provincial_reports.validate import records as disbursements
from provincial_reports.validate.suites import Verdict, reject_unread, validate_submission
from provincial_reports.write import answer_of, write_to_lake


def discover() -> list[dict]:
    """New file versions in the landing zone, oldest first."""
    config = settings()
    warehouse = connect(config.warehouse)
    try:
        seen = ledger_keys(warehouse)
    finally:
        warehouse.close()
    return [a.to_dict() for a in find_new_arrivals(open_store(config.landing), seen)]


def process(arrival: dict) -> dict:
    """Read, validate and convert one file; its answer, whether accepted or rejected."""
    config = settings()
    landing, lake = open_store(config.landing), open_store(config.lake)
    found = Arrival(**arrival)
    odd = answer_if_not_a_plain_file(landing, lake, found)  # a link, a FIFO...: answered, never read
    if odd is not None:
        return odd
    records = disbursements.streamed_type_of_upload(landing, found)
    if records is not None:  # beneficiary-level records, in batches
        return disbursements.process(landing, lake, found, records)
    if found.size > MAX_FILE_BYTES:  # answered from its size, never read whole; kept where it landed
        verdict = reject_unread(found, "readable", too_large(found.size))
        return disbursements.finish(landing, lake, found, verdict, None, None, None)
    raw = read_landed(landing, found)
    if sha256_of(raw) != found.sha256:  # replaced since listing: answer for the bytes we hold
        obj = StoredObject(found.source, len(raw), datetime.fromisoformat(found.received_at))
        found = arrival_of(obj, raw)
    verdict, table = judge(found, raw)
    if table is not None and table.report_type.streamed:  # records as XLSX/JSON: never copied
        return disbursements.finish(landing, lake, found, verdict, table.report_type, None, None)
    keys = write_to_lake(lake, found, raw, verdict, table)
    return answer_of(found, verdict, table.report_type if table else None, len(table.frame) if table else None, keys)


def judge(arrival: Arrival, raw: bytes) -> tuple[Verdict, ReadTable | None]:
    if arrival.path_problem:
        return reject_unread(arrival, "path", arrival.path_problem), None
    try:
        table = read_submission(raw, arrival.filename)
    except Unreadable as exc:
        return reject_unread(arrival, "readable", str(exc)), None
    if table.report_type.streamed:
        return reject_unread(arrival, "format", disbursements.FORMATS_ONLY), table
    return validate_submission(table, arrival), table


def load(answers: list[dict]) -> int:
    """Commit the answers and refresh the marts; how many were new to the ledger."""
    config = settings()
    warehouse = connect(config.warehouse)
    try:
        return load_answers(warehouse, open_store(config.lake), answers)
    finally:
        warehouse.close()


def summarize(answers: list[dict]) -> str:
    warehouse = connect(settings().warehouse)
    try:
        totals = national_totals(warehouse)
    finally:
        warehouse.close()
    return f"{run_summary(answers)}\n\nNational totals:\n{totals_table(totals)}"


def report() -> str:
    """Refresh the report site (REPORTS_SITE) from the warehouse: what `make report` also does."""
    config = settings()
    warehouse = connect(config.warehouse)
    try:
        return refresh_site(warehouse, open_store(config.lake), Path(config.site))
    finally:
        warehouse.close()
