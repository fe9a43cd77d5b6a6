"""Step 5, load: the run's answers into the warehouse, in one transaction.

The ledger row and the figures of a submission commit together (with its explanations, and an
explanation file's ledger row with the explanations it records), with the views refreshed in the
same transaction: a crash leaves the warehouse as it was, and a rerun skips what the ledger
already holds, so nothing is counted twice. The views are refreshed once the new ledger rows are
in and before any figure is, because the lock after the deadline is read through them (locks.py):
a file that arrived too late keeps its ledger row and loads no figure.
"""

from __future__ import annotations

from provincial_reports import failpoints
from provincial_reports.declarations import report_types
from provincial_reports.load.declarations import refresh_declarations
from provincial_reports.load.explanations import is_explanation_file, record_explanations
from provincial_reports.load.figures import figures
from provincial_reports.load.ledger import insert_ledger_row
from provincial_reports.load.locks import lock_of, record_lock
from provincial_reports.load.records import load_records
from provincial_reports.load.validation_results import missing_findings, result_rows
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views
from provincial_reports.write import Answer


def load_answers(warehouse: Warehouse, lake: Store, answers: list[Answer]) -> int:
    """Returns how many submissions were new to the ledger."""
    with warehouse.transaction():
        create_tables(warehouse)
        refresh_declarations(warehouse)
        for findings in missing_findings(warehouse, lake):
            warehouse.insert_arrow("ingest.findings", findings)
        known = {r["submission_id"] for r in warehouse.query("SELECT submission_id FROM ingest.submissions")}
        new = [a for a in answers if a.arrival.submission_id not in known]
        reports = [a for a in new if not is_explanation_file(a)]  # explanation files wait for them
        for number, answer in enumerate(reports):
            insert_ledger_row(warehouse, answer)
            results, findings = result_rows(lake, answer)
            warehouse.insert_arrow("ingest.validation_results", results)
            warehouse.insert_arrow("ingest.findings", findings)
            if number == 0:
                failpoints.hit("mid_load")  # the first submission written, the others not yet
        create_views(warehouse)
        counted = [a for a in reports if not _locked(warehouse, a) and a.outcome == "accepted"]
        for answer in counted:
            if not _is_records(answer):
                warehouse.insert_arrow("core.figures", figures(lake, answer))
        load_records(warehouse, lake, [a for a in counted if _is_records(a)])
        record_explanations(warehouse, lake, new, counted)
        failpoints.hit("before_commit")
    failpoints.hit("after_commit")
    return len(new)


def _locked(warehouse: Warehouse, answer: Answer) -> bool:
    """Whether the file arrived after its period's lock; if so, recorded as locked."""
    locks_at = lock_of(warehouse, answer.arrival.submission_id)
    if locks_at is not None:
        record_lock(warehouse, answer.arrival.submission_id, locks_at)
    return locks_at is not None


def _is_records(answer: Answer) -> bool:
    return report_types()[answer.report_type].records is not None
