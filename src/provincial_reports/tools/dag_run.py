"""One DAG run under `airflow dags test`, as `make run` and `make demo` start it, watched from outside.

`dags test` runs every task in its own process and writes one long log; left alone it says nothing
for a minute or more, and a failed task is retried minutes later in the same silence. So the log
goes to a file of its own per run under runs/ (last.log links to the newest), and while Airflow
works this prints how many files are answered (each process task logs one line per file,
report.terminal.answer_line) with the time elapsed, and the first error as soon as it appears.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.config import settings
from provincial_reports.report.terminal import ANSWER_MARK
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import WarehouseUnavailable, opened_for_reading

POLL_S = 1.0
EVERY_S = 5.0  # a new count at most this often (a file takes about a second: one line each is too many)
QUIET_S = 15.0  # longest silence: with no new answer, the count is printed again after this long
RECORD = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z \[")  # a log record's first line (structlog's console form)
ERROR = re.compile(r"^\S+ \[(error|critical)\s*\] (.*?)\s+\[")
# Logged at error level by Airflow's own client when a task iterates over a mapped task's results
# and asks for the one past the last: the end of the list, not a failure.
NOT_AN_ERROR = ("XCom not found",)
TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(\S+) map_index=(-?\d+)")


def run_dag(dag_id: str, runs: Path, logical_date: str | None = None) -> int:
    """Run `dag_id` once (at `logical_date`, default now); 0 when the run succeeded. Progress and the
    first error go to stdout."""
    total, log, started = files_to_answer(), new_log(runs), time.monotonic()
    files = f" over {total} new file(s)" if total else ""
    print(f"Running {dag_id} under Airflow{files}; log: {log}", flush=True)
    airflow = Path(sys.executable).parent / "airflow"
    with open(log, "wb") as out:
        at = [logical_date] if logical_date else []
        process = subprocess.Popen([str(airflow), "dags", "test", dag_id, *at], stdout=out, stderr=subprocess.STDOUT)
    try:
        error = watch(process, log, total, started)
    except KeyboardInterrupt:  # Ctrl-C reached Airflow too (one process group): wait for it to stop
        process.wait()
        print(f"Stopped; the log so far is in {log}")
        return 130
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    if process.returncode == 0 and any("state=success" in line for line in lines):
        return 0
    if not error:  # Airflow stopped before the next look at its log
        print_error(first_error(lines) or [f"  the log ends: {lines[-1] if lines else '(empty)'}"], log)
    print(f"The DAG run did not succeed; every line of it is in {log}")
    return 1


def watch(process: subprocess.Popen, log: Path, total: int, started: float) -> list[str]:
    """Print the count of answered files as it grows (and again after QUIET_S without a change), if
    any is to be answered, and the first error once, until Airflow exits; that error's lines."""
    shown, shown_at, error = -1, 0.0, []
    while process.poll() is None:
        time.sleep(POLL_S)
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        done, now = sum(line.startswith(ANSWER_MARK) for line in lines), time.monotonic()
        if total and (now - shown_at >= (EVERY_S if done != shown else QUIET_S) or done == total != shown):
            after = "; loading them and drawing the site" if done == total else ""
            print(f"  {done}/{total} files answered · {now - started:.0f} s{after}", flush=True)
            shown, shown_at = done, now
        if not error and (error := first_error(lines)):
            print_error(error, log)
    return error


def print_error(error: list[str], log: Path) -> None:
    print("\n".join([f"  first error (all of it in {log}; Ctrl-C stops the run):", *error]), flush=True)


def files_to_answer() -> int:
    """How many files the run's discover task will find: those the warehouse has no answer for.
    Counted before Airflow starts, without creating a warehouse that is not there yet."""
    from provincial_reports.land import find_new_arrivals
    from provincial_reports.load.ledger import ledger_keys

    config = settings()
    try:
        with opened_for_reading(config.warehouse) as warehouse:
            seen = ledger_keys(warehouse)
    except WarehouseUnavailable:  # nothing loaded yet: every file is new
        seen = set()
    return len(find_new_arrivals(open_store(config.landing), seen))


def new_log(runs: Path) -> Path:
    """A log file of this run's own, named by when it started; last.log points at it."""
    runs.mkdir(parents=True, exist_ok=True)
    log = runs / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.log"
    latest = runs / "last.log"
    latest.unlink(missing_ok=True)
    latest.symlink_to(log.name)
    return log


def first_error(lines: list[str]) -> list[str]:
    """The first error-level record of a `dags test` log, in two lines: which task and what, then
    the exception its traceback ends with. Empty when there is none."""
    task = ""
    for number, line in enumerate(lines):
        if started := TASK_START.search(line):
            name, index = started.groups()
            task = f"task {name}: " if index == "-1" else f"task {name}[{index}]: "
        error = ERROR.match(line)
        if error and error.group(2) not in NOT_AN_ERROR:
            rest = lines[number + 1 :]
            following = rest[: next_record(rest)]
            cause = [following[-1].strip()] if following else []
            return [f"  {task}{error.group(2)}", *(f"  {c}" for c in cause)]
    return []


def next_record(lines: list[str]) -> int:
    """How many lines continue the record before these (a traceback) until the next record starts."""
    return next((i for i, line in enumerate(lines) if RECORD.match(line)), len(lines))
