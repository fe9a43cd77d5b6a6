"""Step 5, load: the run's answers into the warehouse, in one transaction.

The ledger row and the figures of a submission commit together, with the views refreshed in the
same transaction: a crash leaves the warehouse as it was, and a rerun skips what the ledger
already holds, so nothing is counted twice.
"""

from __future__ import annotations

from provincial_reports import failpoints
from provincial_reports.declarations import report_types
from provincial_reports.load.declarations import refresh_declarations
from provincial_reports.load.figures import figures
from provincial_reports.load.ledger import insert_ledger_row
from provincial_reports.load.records import load_records
from provincial_reports.load.validation_results import validation_rows
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views
from provincial_reports.write import Answer


def load_answers(warehouse: Warehouse, lake: Store, answers: list[Answer]) -> int:
    """Returns how many submissions were new to the ledger."""
    with warehouse.transaction():
        create_tables(warehouse)
        refresh_declarations(warehouse)
        known = {r["submission_id"] for r in warehouse.query("SELECT submission_id FROM ingest.submissions")}
        new = [a for a in answers if a.arrival.submission_id not in known]
        for number, answer in enumerate(new):
            insert_ledger_row(warehouse, answer)
            warehouse.insert_arrow("ingest.validation_results", validation_rows(lake, answer))
            if answer.outcome == "accepted" and not _is_records(answer):
                warehouse.insert_arrow("core.figures", figures(lake, answer))
            if number == 0:
                failpoints.hit("mid_load")  # the first submission written, the others not yet
        load_records(warehouse, lake, [a for a in new if a.outcome == "accepted" and _is_records(a)])
        create_views(warehouse)
        failpoints.hit("before_commit")
    failpoints.hit("after_commit")
    return len(new)


def _is_records(answer: Answer) -> bool:
    return report_types()[answer.report_type].records is not None
