"""Airflow runs a task at least once (issue 18, item 5): after missed heartbeats two copies of the
same task instance may run at the same time. Two copies of a `process` task, and of `load`, started
together on the same input, neither double nor lose anything: lake keys derive from the submission
id and are written by atomic renames, and the load's transaction skips what the ledger holds, behind
the warehouse's one-writer lock."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

from warehouse_state import fingerprint, query

from provincial_reports import pipeline
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

FORK = multiprocessing.get_context("fork")


def twice_at_once(work, *args) -> list:
    """`work(*args)` in two processes released together; both results (or their exceptions)."""
    barrier, results = FORK.Barrier(2), FORK.SimpleQueue()

    def copy() -> None:
        barrier.wait(60)
        try:
            results.put(("ok", work(*args)))
        except BaseException as exc:
            results.put(("error", repr(exc)))

    copies = [FORK.Process(target=copy) for _ in range(2)]
    for process in copies:
        process.start()
    for process in copies:
        process.join(600)
    assert [p.exitcode for p in copies] == [0, 0]
    found = [results.get() for _ in copies]
    assert all(kind == "ok" for kind, _ in found), found
    return [value for _, value in found]


def without_time(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "processed_at"}


def test_two_copies_of_process_and_of_load_at_once_neither_double_nor_lose(workspace):
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, valid_rows("110000")), minute=1)
    broken = province_row("320000")
    broken["funds_regular"] = 1
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [broken]), minute=2)
    arrivals = pipeline.discover()
    assert len(arrivals) == 3

    answers = []
    for arrival in arrivals:
        first, second = twice_at_once(pipeline.process, arrival)
        assert without_time(first) == without_time(second)
        answers.append(second)  # whichever copy's XCom Airflow keeps
    assert twice_at_once(pipeline.load, answers) in ([3, 0], [0, 3])

    state = fingerprint(workspace.warehouse_url)
    assert state["ledger_rows"] == 3
    assert sorted(s["status"] for s in state["statuses"]) == ["accepted", "accepted", "rejected"]
    assert state["figure_rows"] == 2 * 2 * 16  # two accepted files, two rows each, sixteen metrics
    [[funds]] = query(workspace.warehouse_url, "SELECT value FROM mart.national_totals WHERE metric = 'funds_total'")
    assert funds["value"] == Decimal(4820 * 2)
    lake_files = sorted(p.relative_to(workspace.lake).as_posix() for p in workspace.lake.rglob("*") if p.is_file())
    assert not [f for f in lake_files if "/.writing-" in f or f.startswith(".writing-")], lake_files
    assert len([f for f in lake_files if f.endswith(".parquet")]) == 2

    pipeline.load(answers)  # and a third time, later, as a retry would
    assert pipeline.discover() == []
    assert fingerprint(workspace.warehouse_url) == state
