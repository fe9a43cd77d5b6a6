"""
### Publish national totals (official figures · 发布正式数据)

Triggered with a report type and period (params `report_type`, `period`). Makes a release of the
national figures, the official figures BI reads in `mart.official_totals`, once a reviewer signs off:

1. `prepare`: the candidate from the warehouse: the national totals, the province figures and their
   files (sha256), missing provinces, open review flags, late files, what differs from the previous
   release, and the release conditions the report type declares (`release:` in report_type.yaml).
2. `sign_off`: Airflow's human-in-the-loop task waits for a reviewer (UI: Required actions; REST:
   `PATCH …/taskInstances/sign_off/-1/hitlDetails`; `python -m provincial_reports.cli releases`):
   Approve or Reject, with a comment and an optional release instant (embargo). When a condition
   does not hold, an approval needs a comment and is recorded as "approved anyway"; without one
   nothing is published ("refused").
3. `decide`: in one warehouse transaction, the release (on approval) and the decision (always),
   copied from Airflow into `mart.releases`, `mart.release_decisions`. Releases are never changed:
   a later approval with other figures is the next revision (r2, r3, …), with `mart.release_changes`.
4. `report`: the report site redrawn (`REPORTS_SITE`). A release embargoed until a later instant appears
   in the marts at that instant, and on the site at its next redraw (the consolidation's hourly run).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param, dag, get_current_context, task

# The same one-slot pool as the consolidation's load: one writer of the warehouse at a time.
WAREHOUSE_POOL = "reports_warehouse"
CANDIDATE = "ti.xcom_pull(task_ids='prepare')"


@dag(
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "report_type": Param("winter_warmth", type="string", description="the report type (its folder name)"),
        "period": Param("2025-01", type="string", pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    doc_md=__doc__,
    tags=["reports", "releases"],
)
def publish_national_totals():
    @task
    def prepare() -> dict:
        """The candidate release and the words the reviewer reads."""
        from provincial_reports.publish import sign_off

        params = get_current_context()["params"]
        try:
            return sign_off.prepare(params["report_type"], params["period"])
        except ValueError as exc:  # no such report type, or no file for the period: retrying changes nothing
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(exc)) from exc

    reviewer = HITLOperator(
        task_id="sign_off",
        subject="{{ " + CANDIDATE + "['subject'] }}",
        body="{{ " + CANDIDATE + "['body'] }}",
        options=["Approve", "Reject"],
        params={
            "comment": Param("", type="string", description="why: required when a release condition does not hold"),
            "release_at": Param(
                "", type="string", description="release instant, ISO 8601 with zone (empty: now); hidden until then"
            ),
        },
        retries=0,  # a second try would ask the reviewer again; the answer is recorded by decide
    )

    @task(pool=WAREHOUSE_POOL)
    def decide(candidate: dict, response: dict) -> dict:
        """The release (on approval) and the decision, in one warehouse transaction."""
        from provincial_reports.publish import sign_off

        return sign_off.decide(candidate, response, get_current_context()["run_id"])

    @task(trigger_rule="none_failed")
    def report() -> None:
        """The report site redrawn: the release's page, the official figures beside the provisional ones."""
        from provincial_reports import pipeline

        print(pipeline.report())

    candidate = prepare()
    candidate >> reviewer
    decide(candidate, reviewer.output) >> report()


publish_national_totals()
