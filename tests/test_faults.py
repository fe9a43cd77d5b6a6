"""Crash consistency: a run killed with SIGKILL anywhere, at each named failpoint and at random
moments, leaves the warehouse either as it was before the run or as a clean run leaves it, never in
between; reopening it (DuckDB replays its write-ahead log) and rerunning gives the clean run's totals.

The killed process is a fork of the test process, so the crash trials skip Python's and Great
Expectations' start-up; it is a process of its own, with its own connections, killed by the kernel.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time

import pytest
from factory import csv_bytes, province_row, upload, valid_rows
from test_pipeline import run_once
from warehouse_state import copy_warehouse, drop_copy, fingerprint

from provincial_reports import failpoints

RANDOM_TRIALS = {"duckdb": 16, "postgresql": 6}  # besides one trial per failpoint
SEED = int(os.environ.get("REPORTS_CRASH_SEED", "20250203"))


def run_in_child(failpoint: str | None) -> None:
    if failpoint:
        os.environ["REPORTS_FAILPOINT"] = failpoint
    run_once()


def start_run(failpoint: str | None = None) -> multiprocessing.Process:
    child = multiprocessing.get_context("fork").Process(target=run_in_child, args=(failpoint,))
    child.start()
    return child


def point_at(monkeypatch, lake, warehouse_url: str) -> None:
    monkeypatch.setenv("REPORTS_LAKE", str(lake))
    monkeypatch.setenv("REPORTS_WAREHOUSE", warehouse_url)


@pytest.fixture
def before_and_batch(workspace, tmp_path, monkeypatch):
    """A warehouse holding a first run (two provinces), and a second batch in the landing zone: a
    new province, a resubmission that changes values, a rejected file. Returns the state before."""
    upload(workspace.landing, "360000/2025-01/a.csv", csv_bytes(valid_rows("360000")), minute=0)
    upload(workspace.landing, "320000/2025-01/b.csv", csv_bytes(valid_rows("320000")), minute=1)
    run_once()
    upload(workspace.landing, "110000/2025-01/c.csv", csv_bytes(valid_rows("110000")), minute=10)
    upload(workspace.landing, "360000/2025-01/a2.csv", csv_bytes([province_row("360000", scale=2)]), minute=11)
    bad = province_row("320000")
    bad["job_fairs"] = -1
    upload(workspace.landing, "320000/2025-01/b2.csv", csv_bytes([bad]), minute=12)
    return fingerprint(workspace.warehouse_url)


def test_a_run_killed_anywhere_reruns_to_the_clean_totals(workspace, before_and_batch, tmp_path, monkeypatch):
    before = before_and_batch
    copies = []

    def fresh_copy(name: str) -> tuple:
        lake = tmp_path / name
        shutil.copytree(workspace.lake, lake)
        copies.append(copy_warehouse(workspace.warehouse_url))
        point_at(monkeypatch, lake, copies[-1])
        return lake, copies[-1]

    try:
        _, clean_url = fresh_copy("clean")
        started = time.monotonic()
        clean_run = start_run()
        clean_run.join()
        run_seconds = time.monotonic() - started
        assert clean_run.exitcode == 0
        clean = fingerprint(clean_url)
        assert clean != before and clean["value_changes"] > 0

        rng = random.Random(SEED)
        engine = "duckdb" if workspace.warehouse_url.startswith("duckdb") else "postgresql"
        trials = [(name, None) for name in failpoints.NAMES]
        trials += [(None, rng.uniform(0, run_seconds)) for _ in range(RANDOM_TRIALS[engine])]
        for number, (failpoint, kill_after) in enumerate(trials):
            where = f"trial {number}: failpoint {failpoint}, kill after {kill_after} s (seed {SEED})"
            _, url = fresh_copy(f"trial-{number}")
            child = start_run(failpoint)
            child.join(kill_after)
            if child.is_alive():
                os.kill(child.pid, signal.SIGKILL)
            child.join()
            if failpoint:
                assert child.exitcode == -signal.SIGKILL, f"{where}: the failpoint was never reached"
            assert fingerprint(url) in (before, clean), f"{where}: the crash left a half-done warehouse"
            run_once()
            assert fingerprint(url) == clean, f"{where}: the rerun did not give the clean totals"
            drop_copy(url)
    finally:
        for url in copies:
            drop_copy(url)
