"""
### Propose releases after the lock (发布提醒)

Once a day, at 10:00 Beijing time: for each report type that declares
`release: {propose_after_lock: true}`, every period whose lock has passed (`lock_after_days` after
its deadline: no file can change its figures any more) and that has no release yet gets a run of
`publish_national_totals`, which prepares the candidate and waits for a reviewer's sign-off. A
period is proposed once (run id `after_lock__<report type>__<period>`): a rejected proposal is not
asked again; a reviewer starts the next publication by hand when the figures are ready.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task


@dag(
    schedule=CronTriggerTimetable("0 10 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
    tags=["reports", "releases"],
)
def propose_releases():
    @task
    def locked_unreleased() -> list[dict]:
        """The periods to propose: each publication run's params and run id."""
        from datetime import UTC, datetime

        from provincial_reports.publish.proposals import proposals

        return proposals(datetime.now(UTC))

    @task
    def propose(proposal: dict) -> None:
        """Start the period's publication, with the standard provider's trigger, built here rather
        than in the DAG's body: its module imports Airflow's trigger API (0.8 s), which every parse
        of this file would pay. A run of that id already there stands, and this task skips."""
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        TriggerDagRunOperator(
            task_id="propose",
            trigger_dag_id="publish_national_totals",
            trigger_run_id=proposal["run_id"],
            conf=proposal["conf"],
            skip_when_already_exists=True,
        ).execute(get_current_context())

    propose.expand(proposal=locked_unreleased())


propose_releases()
