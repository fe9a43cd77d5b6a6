"""One step off the demo's path (issue 14): what an operator types next works, or says in one line
what is wrong and which setting to change; a run shows its progress; every setting is in one table."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provincial_reports import cli, pipeline
from provincial_reports.config import SETTINGS, settings_markdown
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows
from provincial_reports.tools.dag_run import first_error

ROOT = Path(__file__).resolve().parents[1]
SETTING_NAME = re.compile(r"\bREPORTS_[A-Z0-9_]+")
READ_COMMANDS = (["show"], ["report"], ["export", "exported"])
# What a copy of the Makefile needs from the project to run `make show`, `report` and `run`.
SHARED = (".venv", "dags", "deploy", "requirements.txt", "requirements-dev.txt", "constraints.txt", "pyproject.toml")


def names_in_code() -> set[str]:
    """Every REPORTS_* name the package, the DAG, the plugin and the Makefile mention."""
    files = [p for folder in ("src", "dags", "plugins") for p in (ROOT / folder).rglob("*.py")] + [ROOT / "Makefile"]
    return {name for path in files for name in SETTING_NAME.findall(path.read_text(encoding="utf-8"))}


def test_every_setting_the_code_reads_is_in_the_one_table_of_the_readme_and_help(capsys):
    assert names_in_code() <= {s.name for s in SETTINGS}
    assert settings_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out
    assert all(s.name in shown and s.default in shown for s in SETTINGS)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_reading_a_warehouse_that_is_not_there_creates_none_and_says_so_in_one_line(
    command, tmp_path, monkeypatch, capsys
):
    missing = tmp_path / "nowhere" / "warehouse.duckdb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPORTS_WAREHOUSE", f"duckdb:///{missing}")
    monkeypatch.setenv("REPORTS_SITE", str(tmp_path / "site"))
    assert cli.main(command) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "REPORTS_WAREHOUSE" in error and str(missing) in error
    assert not missing.exists() and not missing.parent.exists()


def test_reading_a_postgresql_warehouse_no_run_loaded_says_so_in_one_line(postgres_database, monkeypatch, capsys):
    monkeypatch.setenv("REPORTS_WAREHOUSE", postgres_database)
    assert cli.main(["show"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "REPORTS_WAREHOUSE" in error and "no run has loaded" in error


def fake_project(tmp_path: Path) -> Path:
    """The Makefile in a folder of its own, sharing the project's .venv: its ./data is the test's."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project)
    for name in SHARED:
        (project / name).symlink_to(ROOT / name)
    return project


def make(project: Path, *targets: str, **env: str) -> subprocess.CompletedProcess:
    """`make` as an operator types it: no REPORTS_* of the test's own, unless given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")} | env
    clean["AIRFLOW_HOME"] = str(project / "data" / "airflow")
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), *targets],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_after_make_demo_make_show_and_report_read_the_demos_warehouse(tmp_path, monkeypatch):
    project = fake_project(tmp_path)
    demo = project / "data" / "demo"
    for name, place in (("LANDING", "landing"), ("LAKE", "lake"), ("SITE", "site")):
        monkeypatch.setenv(f"REPORTS_{name}", str(demo / place))
    monkeypatch.setenv("REPORTS_WAREHOUSE", f"duckdb:///{demo / 'warehouse.duckdb'}")
    upload(demo / "landing", "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])

    shown, reported = make(project, "show"), make(project, "report")

    assert shown.returncode == 0, shown.stderr
    assert "make demo's warehouse" in shown.stdout and "ACCEPTED   360000/2025-01/jiangxi.csv" in shown.stdout
    assert reported.returncode == 0, reported.stderr
    assert (demo / "site" / "index.html").is_file()
    assert not (project / "data" / "warehouse.duckdb").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrong_settings(tmp_path: Path, postgres_server: str) -> dict[str, tuple[dict[str, str], str]]:
    """Each setting a run would fail on, and what its one line must say."""
    landing = tmp_path / "landing"
    landing.mkdir()
    here = {
        "REPORTS_LANDING": str(landing),
        "REPORTS_LAKE": str(tmp_path / "lake"),
        "REPORTS_WAREHOUSE": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
    }
    s3 = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    return {
        "landing folder missing": ({**here, "REPORTS_LANDING": str(tmp_path / "landnig")}, "landnig: no such folder"),
        "database missing": (
            {**here, "REPORTS_WAREHOUSE": f"{postgres_server}/no_such_db"},
            'database "no_such_db" does not exist',
        ),
        "login refused": (
            {**here, "REPORTS_WAREHOUSE": postgres_server.replace("postgres@", "nobody_here@") + "/postgres"},
            'role "nobody_here" does not exist',
        ),
        "s3 unreachable": ({**here, **s3, "REPORTS_LAKE": "s3://lake/x"}, "REPORTS_LAKE=s3://lake/x: cannot list it"),
    }


@pytest.mark.parametrize("case", ["landing folder missing", "database missing", "login refused", "s3 unreachable"])
def test_make_run_refuses_a_wrong_setting_in_one_line_within_seconds_before_airflow_starts(
    case, tmp_path, postgres_server
):
    env, said = wrong_settings(tmp_path, postgres_server)[case]
    project = fake_project(tmp_path)
    started = time.monotonic()
    done = make(project, "run", **env)
    seconds = time.monotonic() - started

    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode != 0 and len(errors) == 1 and said in errors[0], done.stdout + done.stderr
    assert seconds < 10
    assert not (project / "data" / "airflow").exists()  # Airflow never started: nothing to retry


def not_a_number() -> list[dict]:
    """Jiangsu's rows with words where a head count belongs: rejected, by a rule of ours (cell_type)."""
    province, city = valid_rows("320000")
    return [province, {**city, "workers_migrant": "lots"}]


def test_a_process_task_logs_one_line_per_file_and_no_chatter_of_great_expectations(workspace, capsys):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, not_a_number()))
    for arrival in pipeline.discover():
        pipeline.process(arrival)
    lines = capsys.readouterr().out.splitlines()
    assert "ANSWER ACCEPTED 360000/2025-01/jiangxi.csv" in lines
    assert [line for line in lines if line.startswith("ANSWER REJECTED 320000/2025-01/jiangsu.csv: ")]


def test_importing_great_expectations_through_our_suites_logs_nothing_below_warning():
    code = (
        "import logging; logging.basicConfig(level=logging.DEBUG)\n"
        "import provincial_reports.validate.suites\nimport great_expectations\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "great_expectations" not in done.stderr


def test_a_rejected_files_validation_page_renders_without_an_error(workspace, caplog):
    from provincial_reports.report.data_docs import validation_html
    from provincial_reports.stores.objects import open_store

    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, not_a_number()))
    unread = "410000/2025-01/henan.xlsx"
    upload(workspace.landing, unread, b"not a workbook")
    answers = [pipeline.process(a) for a in pipeline.discover()]
    assert {a["outcome"] for a in answers} == {"rejected"}
    lake = open_store(str(workspace.lake))
    for answer in answers:
        validation_html(json.loads(lake.read(answer["result_location"])))
    assert [r.getMessage()[:200] for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


FAILED_LOG = """\
2026-12-04T08:58:18.1Z [info     ] [DAG TEST] starting task_id=discover map_index=-1 [airflow.sdk.definitions.dag] loc=x
2026-12-04T08:58:24.8Z [error    ] Task failed with exception     [task] loc=task_runner.py:1676
Traceback (most recent call last):
  File "/src/provincial_reports/pipeline.py", line 24, in discover
FileExistsError: [Errno 17] File exists: '/tmp/a-file'
2026-12-04T08:58:24.9Z [info     ] ::group::Post Execute          [task] loc=task_runner.py:1677
2026-12-04T08:58:34.1Z [error    ] DagRun failed                  [airflow] loc=x
"""


def test_a_failed_run_shows_its_first_error_with_the_task_and_the_exception():
    assert first_error(FAILED_LOG.splitlines()) == [
        "  task discover: Task failed with exception",
        "  FileExistsError: [Errno 17] File exists: '/tmp/a-file'",
    ]


def test_a_run_airflow_cannot_start_shows_why_and_keeps_its_log(tmp_path):
    from airflow_harness import airflow_env

    runs, landing = tmp_path / "runs", tmp_path / "landing"
    landing.mkdir()
    env = airflow_env(tmp_path / "never-migrated", REPORTS_LANDING=str(landing))
    command = [sys.executable, "-m", "provincial_reports.cli", "run-dag", "consolidate_provincial_reports", str(runs)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    first = done.stdout.split("first error", 1)[1].splitlines()[1]
    assert first.strip().startswith("Database migration required"), done.stdout
    logs = list(runs.glob("2*.log"))
    assert len(logs) == 1 and (runs / "last.log").resolve() == logs[0] and "migration required" in logs[0].read_text()


def test_make_run_and_make_demo_run_the_dag_without_retries(tmp_path):
    """A failure `cli check` cannot foresee must not sit through the DAG's retries (2 × 2 min): both
    targets run the DAG with REPORTS_TASK_RETRIES=0 unless the operator sets it. The commands are
    a stand-in python that records what it was asked with, so no Airflow starts."""
    project = fake_project(tmp_path)
    home = project / "data" / "airflow"
    home.mkdir(parents=True)
    (home / "airflow.db").touch()  # migrated already, as far as make knows
    calls = tmp_path / "calls"
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\necho "$* retries=${{REPORTS_TASK_RETRIES-unset}}" >> {calls}\n')
    python.chmod(0o755)

    for target, env, expected in (("run", {}, "0"), ("demo", {}, "0"), ("run", {"REPORTS_TASK_RETRIES": "1"}, "1")):
        calls.unlink(missing_ok=True)
        done = make(project, target, f"PY={python}", **env)
        assert done.returncode == 0, done.stdout + done.stderr
        [run] = [line for line in calls.read_text().splitlines() if " run-dag " in line]
        assert run.endswith(f"retries={expected}"), (target, env, run)


def test_cli_show_names_the_provinces_missing_once_per_period_in_chinese_and_english(workspace, capsys):
    """Coverage and the provinces in no total once per report type and period, by name (issue 14: the
    same 250 characters of codes on every metric line); per metric only what differs: a blank cell."""
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    province, city = valid_rows("320000")
    blank = [{**province, "trainees": None}, city]
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, blank))
    pipeline.load([pipeline.process(a) for a in pipeline.discover()])

    assert cli.main(["show"]) == 0
    totals = capsys.readouterr().out.split("National totals")[1].split("Review flags awaiting a decision")[0]
    lines = totals.splitlines()
    assert sum("西藏自治区 Tibet (540000)" in line for line in lines) == 1, totals
    assert sum("540000" in line for line in lines) == 1
    assert "winter_warmth 2025-01 · 两节送温暖" in totals and "2/31 provinces in the totals" in totals
    assert "in no total (29): 北京市 Beijing (110000), 天津市 Tianjin (120000)" in totals
    [trainees] = [line for line in lines if line.lstrip().startswith("trainees ")]
    assert " 1/31 " in trainees and trainees.endswith("blank: 江苏省 Jiangsu (320000)")
    assert all(len(line) <= 120 for line in lines), max(lines, key=len)
