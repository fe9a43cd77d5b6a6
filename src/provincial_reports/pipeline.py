"""The bodies of the DAG's tasks, in the order they run, callable without Airflow.

Each takes and returns plain JSON-able values (they travel as XCom) and opens its own storage
and warehouse handles from the environment, so a retried task starts from nothing. Each imports
what its own task needs, inside the body: a `discover` task, which runs on every schedule, never
pays for pandas or Great Expectations.
"""

from __future__ import annotations

from pathlib import Path

from provincial_reports.config import settings
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import connect


def discover() -> list[dict]:
    """New file versions in the landing zone, oldest first."""
    from provincial_reports.land import find_new_arrivals
    from provincial_reports.load.ledger import ledger_keys

    config = settings()
    warehouse = connect(config.warehouse)
    try:
        seen = ledger_keys(warehouse)
    finally:
        warehouse.close()
    return [a.to_dict() for a in find_new_arrivals(open_store(config.landing), seen)]


def process(arrival: dict) -> dict:
    """Read, validate and write one file; its answer, whether accepted or rejected."""
    from provincial_reports.land import Arrival
    from provincial_reports.process import process_file

    config = settings()
    return process_file(open_store(config.landing), open_store(config.lake), Arrival(**arrival)).to_dict()


def load(answers: list[dict]) -> int:
    """Commit the answers and refresh the marts; how many were new to the ledger."""
    from provincial_reports.load.transaction import load_answers
    from provincial_reports.write import Answer

    config = settings()
    warehouse = connect(config.warehouse)
    try:
        return load_answers(warehouse, open_store(config.lake), [Answer.from_dict(a) for a in answers])
    finally:
        warehouse.close()


def summarize(answers: list[dict]) -> str:
    """This run's answers and the national totals, as the summarize task logs them."""
    from provincial_reports.report.terminal import run_summary, totals_table
    from provincial_reports.total import national_totals

    warehouse = connect(settings().warehouse)
    try:
        totals = national_totals(warehouse)
    finally:
        warehouse.close()
    return f"{run_summary(answers)}\n\nNational totals:\n{totals_table(totals)}"


def report() -> str:
    """Refresh the report site (REPORTS_SITE) from the warehouse: what `make report` also does."""
    from provincial_reports.report.site import refresh_site

    config = settings()
    warehouse = connect(config.warehouse)
    try:
        return refresh_site(warehouse, open_store(config.lake), Path(config.site))
    finally:
        warehouse.close()
