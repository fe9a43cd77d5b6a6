"""The DAG itself: cheap and side-effect free to parse, shaped as promised, and a real run under Airflow."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from smtp_server import BEIJING, CONTACTS, JIANGSU, JIANGXI, use_contacts

from airflow_harness import DAGS, POOLS, airflow_env, run_dag
from provincial_reports import pipeline
from provincial_reports.config import SETTINGS
from provincial_reports.declarations import provinces
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

HEAVY = ("great_expectations", "pandas", "pyarrow", "duckdb", "psycopg", "boto3", "openpyxl")
# The landing zone's watch (an Asset's trigger) is all of the package a parse may load.
PACKAGE_AT_PARSE = ["provincial_reports", "provincial_reports.land_watch"]

PARSE_PROBE = f"""
import glob, json, runpy, sys, time
import airflow.sdk  # every Airflow process has it loaded before it parses DAG files
before = set(sys.modules)
start = time.perf_counter()
for path in sorted(glob.glob({str(DAGS)!r} + "/*.py")):
    runpy.run_path(path)
took = time.perf_counter() - start
new = set(sys.modules) - before
loaded = sorted({{m.split(".")[0] for m in new}} & set({HEAVY!r}))
package = sorted(m for m in new if m.split(".")[0] == "provincial_reports")
print(json.dumps({{"seconds": took, "heavy": loaded, "package": package}}))
"""


def test_parsing_the_dag_folder_is_fast_and_imports_nothing_heavy(tmp_path):
    # A metadata database that cannot be reached: parsing must not query it (no Variable.get, no connections).
    env = airflow_env(tmp_path, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:////nonexistent/metadata.db")
    out = subprocess.run([sys.executable, "-c", PARSE_PROBE], env=env, capture_output=True, text=True, check=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["heavy"] == [], f"imported at parse time: {probe['heavy']}"
    assert probe["package"] == PACKAGE_AT_PARSE, f"imported at parse time: {probe['package']}"
    assert probe["seconds"] < 0.5, f"parsing dags/ took {probe['seconds']:.2f}s"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["consolidate_provincial_reports"]


def test_the_dag_is_shaped_as_documented(dag):
    assert dag.schedule is not None and dag.doc_md and "rejected file is an answer" in dag.doc_md
    assert dag.max_active_runs == 1 and not dag.catchup
    tasks = {t.task_id: t for t in dag.tasks}
    assert list(tasks) == ["discover", "process", "load", "reply", "summarize", "report", "send_messages"]
    assert tasks["reply"].upstream_task_ids == {"load"}, "receipts only once the answers are committed"
    assert tasks["report"].upstream_task_ids == {"summarize"}, "the site is redrawn last"
    assert tasks["send_messages"].upstream_task_ids == {"load"}, "the answers go out once committed"
    assert tasks["process"].is_mapped, "each submission is its own task instance"
    assert all(t.retries >= 1 for t in tasks.values())
    assert [a.name for a in tasks["process"].outlets] == ["reports://lake"]
    assert [a.name for a in tasks["load"].outlets] == ["reports://warehouse/mart"]


def test_the_tasks_retry_as_reports_task_retries_says_by_default_twice(monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    default = next(s.default for s in SETTINGS if s.name == "REPORTS_TASK_RETRIES")
    for value, expected in ((None, int(default)), ("0", 0), ("3", 3)):
        if value is None:
            monkeypatch.delenv("REPORTS_TASK_RETRIES", raising=False)
        else:
            monkeypatch.setenv("REPORTS_TASK_RETRIES", value)
        parsed = DagBag(dag_folder=str(DAGS)).dags["consolidate_provincial_reports"]
        assert {t.retries for t in parsed.tasks} == {expected}, value
    assert default == "2"


def test_an_upload_starts_a_run_and_an_hourly_sweep_catches_what_a_watch_missed(dag):
    from airflow.sdk import AssetOrTimeSchedule

    from provincial_reports.land_watch import LandingWatch

    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    assert dag.timetable.timetable.expression == "0 * * * *"
    [landing] = dag.timetable.asset_condition.objects
    assert landing.name == "reports://landing"
    [watcher] = landing.watchers
    assert isinstance(watcher.trigger, LandingWatch)


def test_warehouse_writes_queue_for_a_pool_of_one_slot(dag):
    pools = json.loads(POOLS.read_text())
    writers = [t.task_id for t in dag.tasks if t.pool in pools]
    assert writers == ["load", "reply", "send_messages"] and pools[dag.get_task("load").pool]["slots"] == 1


def test_the_publish_dag_waits_for_a_reviewer_between_prepare_and_decide():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers.standard.operators.hitl import HITLOperator

    publish = DagBag(dag_folder=str(DAGS)).dags["publish_national_totals"]
    assert publish.schedule is None and set(publish.params) == {"report_type", "period"}
    tasks = {t.task_id: t for t in publish.tasks}
    assert isinstance(tasks["sign_off"], HITLOperator) and tasks["sign_off"].options == ["Approve", "Reject"]
    assert set(tasks["sign_off"].params) == {"comment", "release_at"}
    assert tasks["sign_off"].upstream_task_ids == {"prepare"}
    assert tasks["decide"].upstream_task_ids == {"prepare", "sign_off"}
    assert tasks["decide"].pool == "reports_warehouse", "releases are written by the one warehouse writer"
    assert tasks["report"].upstream_task_ids == {"decide"}, "the site shows the release"


def test_one_run_under_airflow_consolidates_all_31_provinces(
    airflow_home, workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    for minute, code in enumerate(provinces()):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    broken = province_row("360000")
    broken["funds_regular"] = 2300
    upload(workspace.landing, "360000/2025-01/resubmitted.csv", csv_bytes(WINTER_WARMTH, [broken]), minute=60)

    log = run_dag(airflow_home, workspace)
    assert "32 file(s): 31 accepted, 0 superseded, 1 rejected" in log  # the summarize task's log

    warehouse = connect(workspace.warehouse_url)
    try:
        totals = warehouse.query("SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
        statuses = warehouse.query("SELECT status, count(*) AS n FROM mart.submissions GROUP BY 1 ORDER BY 1")
    finally:
        warehouse.close()
    assert totals == [
        {
            "report_type": "winter_warmth",
            "period": "2025-01",
            "metric": "funds_total",
            "metric_label_zh": "送温暖资金总额（万元）",
            "unit": "10k yuan",
            "value_type": "decimal",
            "value": Decimal(4820 * 31),
            "value_integer": None,
            "provinces_reported": 31,
            "provinces_missing": [],
            "metric_position": 3,
            "provinces_flagged": 0,
            "value_excluding_flagged": Decimal(4820 * 31),
            "provinces_held_out": 0,
            "value_headline": Decimal(4820 * 31),
        }
    ]
    assert statuses == [{"status": "accepted", "n": 31}, {"status": "rejected", "n": 1}]
    assert "31 / 31" in (workspace.site / "winter_warmth" / "2025-01.html").read_text(), "the report task drew the site"
    subjects = sorted((m.to[0], m.subject[:5]) for m in mail_server.received)  # send_messages: each answer once
    assert subjects == [
        (BEIJING, "【已接收】"),
        (JIANGSU, "【已接收】"),
        (JIANGXI, "【已接收】"),
        (JIANGXI, "【已退回】"),
    ]


def test_a_run_with_nothing_new_succeeds_and_says_so(airflow_home, workspace):
    log = run_dag(airflow_home, workspace)
    assert "No new files in the landing zone." in log
    assert "no contacts configured" in log, "send_messages sends nothing and says why"


def test_the_reminders_dag_runs_daily_at_nine_in_beijing():
    from airflow.dag_processing.dagbag import DagBag

    reminders = DagBag(dag_folder=str(DAGS)).dags["remind_provinces"]
    assert reminders.timetable.expression == "0 9 * * *" and str(reminders.timetable.timezone) == "Asia/Shanghai"
    assert not reminders.catchup and reminders.doc_md and "Beijing" in reminders.doc_md
    [remind] = reminders.tasks
    assert remind.task_id == "remind" and remind.retries >= 1 and remind.pool in json.loads(POOLS.read_text())


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)  # one whole-DAG run: test_reminders.py has both
def test_the_reminders_dag_reminds_for_the_day_of_its_run_in_beijing(
    airflow_home, workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, {"360000": JIANGXI})
    pipeline.load([])  # a warehouse no file has reached yet
    # 16:30 UTC on 5 March is 00:30 on 6 March in Beijing: 1 day after February's due day
    run_dag(airflow_home, workspace, "remind_provinces", "2025-03-05T16:30:00+00:00")
    [notice] = mail_server.received
    assert notice.to == (JIANGXI,) and notice.subject.startswith("【逾期提醒】江西省") and "2025-02" in notice.subject
