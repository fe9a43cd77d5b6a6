"""The DAG itself: cheap and side-effect free to parse, shaped as promised, and a real run under Airflow."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from airflow_harness import DAGS, POOLS, airflow_env, run_dag
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
    assert list(tasks) == ["discover", "process", "load", "summarize", "report"]
    assert tasks["report"].upstream_task_ids == {"summarize"}, "the site is redrawn last"
    assert tasks["process"].is_mapped, "each submission is its own task instance"
    assert all(t.retries >= 1 for t in tasks.values())
    assert [a.name for a in tasks["process"].outlets] == ["reports://lake"]
    assert [a.name for a in tasks["load"].outlets] == ["reports://warehouse/mart"]


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
    assert writers == ["load"] and pools[dag.get_task("load").pool]["slots"] == 1


def test_one_run_under_airflow_consolidates_all_31_provinces(airflow_home, workspace):
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


def test_a_run_with_nothing_new_succeeds_and_says_so(airflow_home, workspace):
    log = run_dag(airflow_home, workspace)
    assert "No new files in the landing zone." in log
