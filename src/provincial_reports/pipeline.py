"""The bodies of the DAG's tasks, in the order they run, callable without Airflow.

Each takes and returns plain JSON-able values (they travel as XCom) and opens its own storage
and warehouse handles from the environment, so a retried task starts from nothing. Each imports
what its own task needs, inside the body: a `discover` task, which runs on every schedule, never
pays for pandas or Great Expectations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from provincial_reports.config import settings
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import opened, opened_for_reading

if TYPE_CHECKING:
    from provincial_reports.reply.contacts import Contacts

NO_CONTACTS = "no contacts configured (REPORTS_CONTACTS or the Airflow Variable reports_contacts): no message sent"


def discover() -> list[dict]:
    """New file versions in the landing zone, oldest first. The declarations are read first, so that
    a wrong one stops the run here, named, before any file is answered against it."""
    from provincial_reports.declarations import report_types
    from provincial_reports.land import find_new_arrivals
    from provincial_reports.load.ledger import ledger_keys

    report_types()
    config = settings()
    with opened(config.warehouse) as warehouse:
        seen = ledger_keys(warehouse)
    return [a.to_dict() for a in find_new_arrivals(open_store(config.landing), seen)]


def process(arrival: dict) -> dict:
    """Read, validate and write one file; its answer, whether accepted or rejected, or GONE if it was
    removed since it was listed, also printed as one line for the task's log. Any other failure is
    the pipeline's: noted for the run's summary, then raised, so that Airflow fails and retries this
    file's task alone."""
    from provincial_reports import isolation
    from provincial_reports.land import Arrival
    from provincial_reports.process import process_file
    from provincial_reports.report.terminal import answer_line

    config = settings()
    landing, lake = open_store(config.landing), open_store(config.lake)
    try:
        answer = process_file(landing, lake, Arrival(**arrival)).to_dict()
    except Exception as exc:
        if not isolation.is_gone(landing, arrival["source"]):
            isolation.note_failure(lake, arrival, exc)
            raise
        answer = isolation.gone(arrival)
    print(answer_line(answer), flush=True)
    return answer


def load(answers: list[dict]) -> int:
    """Commit the answers (all but GONE) and refresh the marts; how many were new to the ledger."""
    from provincial_reports.isolation import recorded
    from provincial_reports.load.transaction import load_answers
    from provincial_reports.write import Answer

    config = settings()
    with opened(config.warehouse) as warehouse:
        return load_answers(warehouse, open_store(config.lake), [Answer.from_dict(a) for a in recorded(answers)])


def reply() -> int:
    """Receipts and status documents into the provinces' outbox (REPORTS_OUTBOX), from the committed
    warehouse only: what changed since the last reply, and what a crash left unwritten."""
    from provincial_reports.reply.outbox import reply_to_provinces

    config = settings()
    with opened(config.warehouse) as warehouse:
        written = reply_to_provinces(warehouse, open_store(config.outbox))
    print(f"{len(written)} document(s) written to the outbox, {config.outbox}", flush=True)
    return len(written)


def summarize(answers: list[dict], arrivals: list[dict] = ()) -> str:
    """This run's answers, the national totals, and the files of `arrivals` gone or left unanswered
    (and why), as the summarize task logs them."""
    from provincial_reports.isolation import left_over_text, recorded
    from provincial_reports.report.terminal import run_summary, totals_table
    from provincial_reports.total import national_totals

    config = settings()
    with opened(config.warehouse) as warehouse:
        totals = national_totals(warehouse)
    text = f"{run_summary(recorded(answers))}\n\nNational totals:\n{totals_table(totals)}"
    return text + left_over_text(open_store(config.lake), answers, arrivals)


def report() -> str:
    """Refresh the report site (REPORTS_SITE) from the warehouse: what `make report` also does."""
    from provincial_reports.report.site import refresh_site

    config = settings()
    with opened_for_reading(config.warehouse) as warehouse:
        return refresh_site(warehouse, open_store(config.lake), Path(config.site))


def send_messages(answers: list[dict]) -> str:
    """One message to the province of each file `load` committed an answer for, and of each file a
    reviewer returned (reply/messages.py), each sent once across retries and reruns
    (reply/mailer.py); nothing without contacts."""
    from provincial_reports.declarations import report_types
    from provincial_reports.isolation import recorded
    from provincial_reports.reply.mailer import send_all
    from provincial_reports.reply.messages import answer_messages, returned_files

    contacts = _contacts()
    if contacts is None:
        return NO_CONTACTS
    config = settings()
    ids = [a["submission_id"] for a in recorded(answers)]
    with opened_for_reading(config.warehouse) as warehouse:
        messages = answer_messages(warehouse, [*ids, *returned_files(warehouse)], report_types())
    return send_all(config.warehouse, messages, contacts)


def remind(today: str) -> str:
    """The reminders and overdue notices of the Beijing day `today` (YYYY-MM-DD) to the provinces
    with no accepted file (reply/reminders.py), each sent once; nothing without contacts."""
    from datetime import date

    from provincial_reports.declarations import provinces, report_types
    from provincial_reports.reply.mailer import send_all
    from provincial_reports.reply.reminders import reminder_messages

    contacts = _contacts()
    if contacts is None:
        return NO_CONTACTS
    config = settings()
    with opened(config.warehouse) as warehouse:
        messages = reminder_messages(warehouse, report_types(), provinces(), date.fromisoformat(today))
    return send_all(config.warehouse, messages, contacts)


def _contacts() -> Contacts | None:
    """The configured contacts, with a line in the log for any code in them that is no province."""
    from provincial_reports.declarations import provinces
    from provincial_reports.reply.contacts import configured_contacts, unknown_provinces

    contacts = configured_contacts()
    if contacts is not None:
        for code in unknown_provinces(contacts, set(provinces())):
            print(f"{contacts.source}: {code!r} is no declared province; nobody there is written to", flush=True)
    return contacts
