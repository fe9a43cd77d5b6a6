"""
### Remind the provinces (报送提醒)

Once a day, at 09:00 Beijing time: for each report type that declares `reminders:` (in its
`report_type.yaml`, e.g. `{before_due: [3, 1], after_due: [1, 5]}`), the provinces without an
accepted file for the period whose due day is that many days away get a reminder before the due
day, or an overdue notice after it, by e-mail to their contacts (`REPORTS_CONTACTS` or the
Variable `reports_contacts`; the connection `smtp_default`). "Today" is the run's date in
Beijing, so a retry or a rerun of a day's run reminds for that day, and each (report type,
province, period, day) is sent once: the ledger `ingest.messages_sent`, which `mart.completeness`
and the report site show. Without contacts the task sends nothing and says so.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

# The consolidation DAG's pool of one slot (deploy/airflow/pools.json): warehouse writers queue.
WAREHOUSE_POOL = "reports_warehouse"


@dag(
    schedule=CronTriggerTimetable("0 9 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
    tags=["reports", "reminders"],
)
def remind_provinces():
    @task(pool=WAREHOUSE_POOL)
    def remind() -> None:
        """The day's reminders and overdue notices, each sent once."""
        from provincial_reports import pipeline
        from provincial_reports.reply.reminders import beijing_day

        context = get_current_context()
        moment = context.get("logical_date") or context["dag_run"].run_after  # a manual run may have no logical date
        print(pipeline.remind(beijing_day(moment).isoformat()))

    remind()


remind_provinces()
