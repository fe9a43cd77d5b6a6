"""
### Consolidate provincial reports (两节送温暖 and every other declared report type)

Picks up every new file the provinces uploaded to the landing zone (`REPORTS_LANDING`), and for
each one, as its own mapped task instance: reads it, validates it with the report type's Great
Expectations suite, and writes it to the lake (`REPORTS_LAKE`) as Parquet, or to quarantine.
Then loads all answers into the warehouse (`REPORTS_WAREHOUSE`) in one transaction, refreshes
the marts and logs every file's answer with the national totals. Once that is committed, it
answers the provinces: a receipt per file and a status document per province and period in their
outbox (`REPORTS_OUTBOX`, the `reply` task), and each answered file's province is written to
(`send_messages`: the connection `smtp_default`, the contacts of `REPORTS_CONTACTS` or the Variable
`reports_contacts`), each message once however often the task is retried or the run is repeated.
Last, it redraws the report site (`REPORTS_SITE`): the consolidation report and the Great
Expectations Data Docs.

A rejected file is an answer, not a failure: its task succeeds. A task fails, and is retried,
only when the pipeline cannot do its job (storage or warehouse unreachable, a bug). One file's
failed task holds no other file back: the load commits the answers that exist once every file's
task is done (trigger rule `all_done`), the summary names the files left unanswered and why, and
the next run picks them up again (docs/input-handling.md, "Whose error is it").

Where to look: `mart.submissions` (every file's answer), `mart.national_totals`,
`<lake>/validation/` (full validation results), `<lake>/quarantine/` (rejected files).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable, dag, get_current_context, task

from provincial_reports.land_watch import LandingWatch

# An upload starts a run within seconds (land_watch.py); the hourly sweep catches whatever a watch missed.
LANDING = Asset(
    "reports://landing",
    extra={"env": "REPORTS_LANDING"},
    watchers=[AssetWatcher(name="landing_uploads", trigger=LandingWatch())],
)
LAKE = Asset("reports://lake", extra={"env": "REPORTS_LAKE"})
MARTS = Asset("reports://warehouse/mart", extra={"env": "REPORTS_WAREHOUSE"})
# One slot (deploy/airflow/pools.json): load tasks of concurrent runs queue for the warehouse.
WAREHOUSE_POOL = "reports_warehouse"


@dag(
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("@hourly", timezone="UTC"), assets=[LANDING]),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,  # the warehouse has one writer at a time
    # REPORTS_TASK_RETRIES (config.SETTINGS): `make run` and `make demo` set 0, so a failure shows at once
    default_args={"retries": int(os.environ.get("REPORTS_TASK_RETRIES", "2")), "retry_delay": timedelta(minutes=2)},
    doc_md=__doc__,
    tags=["reports", "consolidation"],
)
def consolidate_provincial_reports():
    @task
    def discover() -> list[dict]:
        """New file versions in the landing zone, oldest first."""
        from provincial_reports import pipeline

        return pipeline.discover()

    @task(outlets=[LAKE], map_index_template="{{ source }}")
    def process(arrival: dict) -> dict:
        """One file: read, validate, write. Accepted or rejected, the task succeeds."""
        from provincial_reports import pipeline

        get_current_context()["source"] = arrival["source"]
        return pipeline.process(arrival)

    @task(outlets=[MARTS], trigger_rule="all_done", pool=WAREHOUSE_POOL)
    def load(answers: list[dict], arrivals: list[dict] | None) -> list[dict]:
        """The answers that exist and their figures in one warehouse transaction; marts refreshed.
        Runs once every file's task is done, failed ones included (their files wait for the next run)."""
        from provincial_reports import pipeline

        if arrivals is None:  # discover failed: there is nothing to load, and the run must fail
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException("discover did not succeed: nothing to load")
        answers = list(answers)
        pipeline.load(answers)
        return answers

    @task(trigger_rule="none_failed", pool=WAREHOUSE_POOL)
    def reply() -> None:
        """Receipts and status documents into the provinces' outbox (REPORTS_OUTBOX), from the
        committed warehouse only: never ahead of it, and only what changed."""
        from provincial_reports import pipeline

        pipeline.reply()

    @task(trigger_rule="none_failed")
    def summarize(answers: list[dict], arrivals: list[dict]) -> None:
        """Every file's answer, the files left unanswered and why, and the national totals, in the task log."""
        from provincial_reports import pipeline

        print(pipeline.summarize(answers, arrivals))

    @task(trigger_rule="none_failed")
    def report() -> None:
        """The report site (REPORTS_SITE) redrawn from the warehouse: totals, flags, completeness, Data Docs."""
        from provincial_reports import pipeline

        print(pipeline.report())

    @task(pool=WAREHOUSE_POOL)
    def send_messages(answers: list[dict]) -> None:
        """One message to the province of each answered file, read back from the warehouse; sent once
        (the ledger ingest.messages_sent). A mail server that fails fails the task; its retry sends the rest."""
        from provincial_reports import pipeline

        print(pipeline.send_messages(answers))

    arrivals = discover()
    answers = load(process.expand(arrival=arrivals), arrivals)
    answers >> reply()
    summarize(answers, arrivals) >> report()
    send_messages(answers)


consolidate_provincial_reports()
