"""Crash consistency: a run killed with SIGKILL anywhere, at each named failpoint and at random
moments, leaves the warehouse either as it was before the run or as a clean run leaves it, never in
between; reopening it (DuckDB replays its write-ahead log) and running again gives the clean totals.

The killed process is a fork of the test process, so trials skip Python's and Great Expectations'
start-up; it is still a process of its own, with its own connections, killed by the kernel.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_pipeline import run_once
from warehouse_state import copy_warehouse, drop_copy, fingerprint

from conftest import KEY
from provincial_reports import failpoints, pipeline
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

SEED = int(os.environ.get("REPORTS_CRASH_SEED", "20250203"))
RANDOM_LOAD_KILLS = {"duckdb": 16, "postgresql": 8}


@dataclass
class CrashLab:
    before: dict  # the warehouse before the batch
    clean: dict  # after a clean run over the batch
    answers: list[dict]  # the clean run's answers: what a retried load task gets again
    clean_lake: Path
    fresh_copy: Callable[[], str]  # a copy of the warehouse before the batch; the environment points at it


def kill_at(work: Callable[[], object], failpoint: str | None = None, after: float | None = None) -> int:
    """Runs `work` in a child process, armed at a failpoint or SIGKILLed `after` seconds; its exit code."""

    def child() -> None:
        if failpoint:
            os.environ["REPORTS_FAILPOINT"] = failpoint
        work()

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(after)
    if process.is_alive():
        os.kill(process.pid, signal.SIGKILL)
    process.join()
    return process.exitcode


def engine(url: str) -> str:
    return "duckdb" if url.startswith("duckdb") else "postgresql"


@pytest.fixture
def lab(workspace, tmp_path, monkeypatch) -> Iterator[CrashLab]:
    """A warehouse holding a first run (two provinces, one with payment records) and, in the landing
    zone, a second batch: a new province and a resubmission that changes values, of the summary
    report and of the records. The clean run over the batch is done on a copy."""
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")), minute=0)
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")), minute=1)
    upload(workspace.landing, "360000/2025-01/r.csv", csv_bytes(RECORDS, records(6)), minute=2)
    run_once()
    before = fingerprint(workspace.warehouse_url)
    upload(workspace.landing, "110000/2025-01/c.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")), minute=10)
    upload(
        workspace.landing,
        "360000/2025-01/a2.csv",
        csv_bytes(WINTER_WARMTH, [province_row("360000", scale=2)]),
        minute=11,
    )
    upload(workspace.landing, "360000/2025-01/r2.csv", csv_bytes(RECORDS, records(4)), minute=12)
    upload(workspace.landing, "110000/2025-01/r.csv", csv_bytes(RECORDS, records(5, province="110000")), minute=13)
    copies = []

    def fresh_copy(lake: Path | None = None) -> str:
        if lake is None:
            lake = tmp_path / f"lake-{len(copies)}"
            shutil.copytree(workspace.lake, lake)
        copies.append(copy_warehouse(workspace.warehouse_url))
        monkeypatch.setenv("REPORTS_LAKE", str(lake))
        monkeypatch.setenv("REPORTS_WAREHOUSE", copies[-1])
        return copies[-1]

    clean_url = fresh_copy()
    answers = run_once()
    clean = fingerprint(clean_url)
    assert clean != before and clean["value_changes"] > 0
    assert len(clean["records"]) == 3 and clean["records_totals"] != before["records_totals"]
    yield CrashLab(before, clean, answers, Path(os.environ["REPORTS_LAKE"]), fresh_copy)
    for url in copies:
        drop_copy(url)


def test_a_run_killed_at_each_failpoint_is_undone_or_done_and_a_rerun_gives_the_clean_totals(lab):
    for failpoint in failpoints.NAMES:
        url = lab.fresh_copy()
        assert kill_at(run_once, failpoint) == -signal.SIGKILL, f"{failpoint}: never reached"
        after_crash = fingerprint(url)
        assert after_crash in (lab.before, lab.clean), f"{failpoint}: the crash left a half-done warehouse"
        if failpoint == "after_commit":
            assert after_crash == lab.clean
        run_once()
        assert fingerprint(url) == lab.clean, f"{failpoint}: the rerun did not give the clean totals"


def test_a_load_killed_at_random_moments_is_undone_or_done_and_its_retry_gives_the_clean_totals(lab):
    """The load task killed anywhere, then retried with the same answers (as Airflow retries it)."""
    rng = random.Random(SEED)
    lab.fresh_copy(lab.clean_lake)
    started = time.monotonic()
    assert kill_at(lambda: pipeline.load(lab.answers)) == 0  # how long a load takes, child start included
    load_seconds = time.monotonic() - started
    outcomes = []
    for trial in range(RANDOM_LOAD_KILLS[engine(os.environ["REPORTS_WAREHOUSE"])]):
        kill_after = rng.uniform(0, load_seconds)
        where = f"trial {trial}, killed after {kill_after:.3f} s (REPORTS_CRASH_SEED={SEED})"
        url = lab.fresh_copy(lab.clean_lake)
        outcomes.append(kill_at(lambda: pipeline.load(lab.answers), after=kill_after))
        assert fingerprint(url) in (lab.before, lab.clean), f"{where}: the crash left a half-done warehouse"
        pipeline.load(lab.answers)
        run_once()  # the next DAG run finds nothing new
        assert fingerprint(url) == lab.clean, f"{where}: the retry did not give the clean totals"
    print(f"load took {load_seconds:.3f} s; exit codes of the killed loads: {outcomes}")
    assert -signal.SIGKILL in outcomes, "no trial was killed before its load ended"
