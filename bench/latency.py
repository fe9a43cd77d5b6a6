"""`make bench-latency`: how long a province waits for its answer, under the real scheduler.

Starts the compose stack's Airflow on this machine (tests/airflow_harness.celery_airflow: api-server,
scheduler, dag-processor, triggerer and two Celery workers; Redis as broker; PostgreSQL as
metadata, result backend and warehouse, databases of the bench's own), unpauses the DAG, and:

- idle: the CPU time of every Airflow process (components and whatever they start) over a window
  with nothing arriving, plus one hourly sweep run over a landing zone with nothing new (a run
  the schedule makes every hour whatever happens), as CPU seconds per hour;
- uploads: 31 summary files, one per province, at random moments over --minutes, each written
  whole under a dot-name and renamed (as upload tools do); upload → answer is until its ledger row
  is committed, upload → receipt until its receipt is in the outbox (the bench polls both every
  half second); where each file's time went, between the moments the task instances, the runs and
  the asset events record (the watch fired, the run before ended, its run queued and started, its
  discover, its process and every process of the run, its load);
- mapped task overhead: per `process` task instance, its own start → end time (fork, imports, the
  task's work, XCom) and queued → start (scheduler and Celery), against the same work done in this
  warm process (pipeline.process on copies of the same files).

Prints and writes latency.json. Needs PostgreSQL (--postgres) and Redis (REPORTS_TEST_REDIS, default
redis://127.0.0.1:6379/7), as `.ci/run` starts them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median, quantiles

import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))

from airflow_harness import REDIS, celery_airflow, logged_in_client, new_database, wait_for  # noqa: E402

DAG_ID = "consolidate_provincial_reports"
PERIOD = "2025-01"


def cpu_seconds(root: int) -> float:
    """User and system CPU of the process `root` and everything under it, the children it has
    reaped included (a finished task's process counts once its parent has waited for it)."""
    total = 0.0
    try:
        tree = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    except psutil.NoSuchProcess:
        return total
    for process in tree:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def component_name(args: list[str]) -> str:
    """scheduler, dag-processor, triggerer, api-server, or a worker's name."""
    return args[args.index("--celery-hostname") + 1] if "--celery-hostname" in args else args[1]


def redis_cpu_seconds() -> float:
    import redis

    info = redis.Redis.from_url(REDIS).info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


def upload_whole(landing: Path, source: str, data: bytes) -> None:
    path = landing / source
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    partial.rename(path)


def answered(warehouse_url: str) -> dict[str, str]:
    """The ledger's sources and their submission ids: each one's answer is committed."""
    from provincial_reports.stores.warehouse import connect

    warehouse = connect(warehouse_url)
    try:
        return {row["source"]: row["submission_id"] for row in warehouse.query("SELECT * FROM ingest.submissions")}
    except Exception:  # before the first load the ledger does not exist
        return {}
    finally:
        warehouse.close()


def receipts(outbox: Path) -> set[str]:
    """The submission ids whose receipt is in the outbox."""
    return {path.stem for path in outbox.glob("*/*/receipts/*.json")}


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    cuts = quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return {
        "median": round(median(values), 2),
        "p95": round(cuts[18], 2),
        "max": round(max(values), 2),
        "mean": round(sum(values) / len(values), 2),  # the means of where_the_time_goes add up to the whole
    }


def summaries(period: str) -> dict[str, bytes]:
    """One valid summary file per province for `period`, by landing key."""
    from provincial_reports.declarations import provinces
    from provincial_reports.tools.builders.files import csv_bytes
    from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows

    return {f"{code}/{period}/{code}.csv": csv_bytes(WINTER_WARMTH, valid_rows(code, period)) for code in provinces()}


class Stack:
    """The running stack as the bench drives it: the REST API, the landing zone, the ledger."""

    def __init__(self, airflow, landing: Path, warehouse: str, outbox: Path) -> None:
        self.airflow, self.landing, self.warehouse, self.outbox = airflow, landing, warehouse, outbox
        self.api = logged_in_client(airflow)
        self.components = {component_name(p.args): p.pid for p in airflow.processes}

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.components.items()}

    def runs(self) -> list[dict]:
        return self.api.get(f"/dags/{DAG_ID}/dagRuns", params={"limit": 500}).json()["dag_runs"]

    def settled(self, what: str) -> None:
        """Wait until every run has finished (a run the watch is about to make counts once made)."""
        time.sleep(3)
        done = lambda: all(r["state"] in ("success", "failed") for r in self.runs())  # noqa: E731
        wait_for(what, done, self.airflow.logs, timeout=900)

    def instances_since(self, moment: datetime) -> tuple[list[dict], list[dict]]:
        """(the runs queued since `moment`, their task instances)."""
        runs = [r for r in self.runs() if datetime.fromisoformat(r["queued_at"]) >= moment]
        path = f"/dags/{DAG_ID}/dagRuns/{{}}/taskInstances"
        return runs, [ti for r in runs for ti in self.api.get(path.format(r["dag_run_id"])).json()["task_instances"]]

    def upload_and_time(self, files: dict[str, bytes], window: float) -> dict[str, dict]:
        """Upload each file at a random moment within `window` seconds; per file, when it was
        uploaded, its ledger row committed and its receipt written (datetimes, UTC)."""
        moments = sorted(random.uniform(0, window) for _ in files)
        pending, timed = list(zip(moments, files.items(), strict=True)), {}
        start = time.monotonic()
        while not all("receipt" in t for t in timed.values()) or pending:
            if time.monotonic() - start > window + 900:
                break
            while pending and pending[0][0] <= time.monotonic() - start:
                _, (source, data) = pending.pop(0)
                upload_whole(self.landing, source, data)
                timed[source] = {"uploaded": datetime.now(UTC)}
            ledger, written = answered(self.warehouse), receipts(self.outbox)
            for source, times in timed.items():
                if source in ledger and "answer" not in times:
                    times["answer"] = datetime.now(UTC)
                if ledger.get(source) in written and "receipt" not in times:
                    times["receipt"] = datetime.now(UTC)
            time.sleep(0.5)
        return timed

    def worker_rss_mb(self) -> dict[str, float]:
        """Each Celery worker's resident memory now: its processes and the tasks they run."""
        sizes = {}
        for process in self.airflow.processes:
            if "worker" in process.args:
                tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
                sizes[process.args[process.args.index("--celery-hostname") + 1]] = (
                    sum(member.memory_info().rss for member in tree if member.is_running()) / 2**20
                )
        return sizes


def idle_cost(stack: Stack, minutes: float) -> dict:
    """CPU over `minutes` with nothing arriving, by component, and one sweep run over nothing new."""
    cpu, redis_cpu, started = stack.cpu(), redis_cpu_seconds(), time.monotonic()
    time.sleep(minutes * 60)
    window = time.monotonic() - started
    by_component = {name: round(seconds - cpu[name], 2) for name, seconds in stack.cpu().items()}
    by_component["redis"] = round(redis_cpu_seconds() - redis_cpu, 2)
    before = sum(stack.cpu().values())
    stack.api.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None}).raise_for_status()
    stack.settled("the sweep run")
    sweep = sum(stack.cpu().values()) - before
    per_hour = sum(by_component.values()) / window * 3600 + sweep
    return {
        "window_seconds": round(window, 1),
        "cpu_seconds_by_component": by_component,
        "sweep_run_cpu_seconds": round(sweep, 2),
        "cpu_seconds_per_hour": round(per_hour, 1),
        "share_of_one_core": round(per_hour / 3600, 4),
    }


def spread_uploads(stack: Stack, files: dict[str, bytes], minutes: float) -> dict:
    """The files at random moments over `minutes`: upload → answer and → receipt, the runs they
    took, and where each file's time went."""
    start = datetime.now(UTC)
    timed = stack.upload_and_time(files, minutes * 60)
    stack.settled("the last runs")
    runs, instances = stack.instances_since(start)
    processed = {ti["dag_run_id"] for ti in instances if ti["task_id"] == "process" and ti["map_index"] >= 0}
    events = stack.api.get("/assets/events", params={"limit": 500, "order_by": "timestamp"}).json()["asset_events"]
    answers = [(t["answer"] - t["uploaded"]).total_seconds() for t in timed.values() if "answer" in t]
    receipts_ = [(t["receipt"] - t["uploaded"]).total_seconds() for t in timed.values() if "receipt" in t]
    return {
        "upload_to_answer_seconds": {**percentiles(answers), "files": len(files), "answered": len(answers)},
        "upload_to_receipt_seconds": {**percentiles(receipts_), "receipts": len(receipts_)},
        "runs": {"runs": len(runs), "without_a_file": len({r["dag_run_id"] for r in runs} - processed)},
        "where_the_time_goes": where_the_time_goes(timed, runs, instances, events),
        "tasks": task_timings(runs, instances),
        "instances": instances,
    }


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def milestones(uploaded: datetime, run: dict, previous: dict | None, tasks: dict, events: list[datetime]) -> dict:
    """A file's way to its answer as moments, in the order they happen."""
    process, loads = tasks["process"], tasks["load"]
    return {
        "watch_fired": next((e for e in events if e >= uploaded), None),
        "previous_run_ended": moment(previous["end_date"]) if previous else None,
        "run_queued": moment(run["queued_at"]),
        "run_started": moment(run["start_date"]),
        "discover_started": moment(tasks["discover"]["start_date"]),
        "discover_ended": moment(tasks["discover"]["end_date"]),
        "process_started": moment(process["start_date"]),
        "process_ended": moment(process["end_date"]),
        "every_process_ended": max(moment(ti["end_date"]) for ti in tasks["every_process"]),
        "load_started": moment(loads["start_date"]),
        "load_ended": moment(loads["end_date"]),
    }


def where_the_time_goes(timed: dict[str, dict], runs: list[dict], instances: list[dict], events: list[dict]) -> dict:
    """Per file, upload → committed answer split between consecutive milestones (each step counted
    from the latest moment before it, so the steps add up to the whole), medians and p95 over files."""
    watch_fired = sorted(moment(e["timestamp"]) for e in events if e["source_dag_id"] is None)
    by_run = sorted(runs, key=lambda r: r["queued_at"])
    steps: dict[str, list[float]] = {}
    for source, times in timed.items():
        mine = [ti for ti in instances if ti["task_id"] == "process" and ti["rendered_map_index"] == source]
        if "answer" not in times or len(mine) != 1:
            continue
        run_id = mine[0]["dag_run_id"]
        run = next(r for r in by_run if r["dag_run_id"] == run_id)
        earlier = [r for r in by_run if r["queued_at"] < run["queued_at"] and r["end_date"]]
        of_run = [ti for ti in instances if ti["dag_run_id"] == run_id]
        tasks = {ti["task_id"]: ti for ti in of_run if ti["map_index"] < 0}
        tasks |= {"process": mine[0], "every_process": [ti for ti in of_run if ti["task_id"] == "process"]}
        marks = milestones(times["uploaded"], run, earlier[-1] if earlier else None, tasks, watch_fired)
        marks["answer_seen"] = times["answer"]
        latest = times["uploaded"]
        for name, at in marks.items():
            steps.setdefault(name, []).append(max(0.0, (at - latest).total_seconds()) if at else 0.0)
            latest = max(latest, at) if at else latest
    return {name: percentiles(values) for name, values in steps.items()}


def task_timings(runs: list[dict], instances: list[dict]) -> dict:
    """Per task, start → end and queued → start, medians over the runs; and the runs' own length."""
    timings = {}
    for task_id in dict.fromkeys(ti["task_id"] for ti in instances):
        mine = [ti for ti in instances if ti["task_id"] == task_id]
        took = [d for ti in mine if (d := seconds_between(ti["start_date"], ti["end_date"])) is not None]
        waited = [d for ti in mine if (d := seconds_between(ti["queued_when"], ti["start_date"])) is not None]
        timings[task_id] = {"start_to_end": percentiles(took), "queued_to_start": percentiles(waited)}
    lengths = [d for r in runs if (d := seconds_between(r["start_date"], r["end_date"])) is not None]
    timings["run_start_to_end"] = percentiles(lengths)
    return timings


def burst(stack: Stack, files: dict[str, bytes]) -> dict:
    """Every file at once: per worker, tasks per minute while busy and peak resident memory."""
    start, peaks = datetime.now(UTC), {}
    for source, data in files.items():
        upload_whole(stack.landing, source, data)
    deadline = time.monotonic() + 900
    while not answered(stack.warehouse).keys() >= files.keys() and time.monotonic() < deadline:
        for name, mb in stack.worker_rss_mb().items():
            peaks[name] = max(peaks.get(name, 0.0), mb)
        time.sleep(0.5)
    stack.settled("the burst's runs")
    _, instances = stack.instances_since(start)
    per_worker = {}
    for name in sorted({ti["hostname"] for ti in instances if ti["hostname"]}):
        mine = [ti for ti in instances if ti["hostname"] == name and ti["start_date"] and ti["end_date"]]
        busy = seconds_between(min(ti["start_date"] for ti in mine), max(ti["end_date"] for ti in mine))
        per_worker[name] = {
            "tasks": len(mine),
            "tasks_per_minute": round(len(mine) / busy * 60, 1),
            "peak_rss_mb": round(peaks.get(name, 0.0)),
        }
    return per_worker


def work_in_process(files: dict[str, bytes], root: Path) -> list[float]:
    """pipeline.process on each file in this warm process: a task's work without its start-up."""
    from provincial_reports import pipeline

    landing = root / "warm-landing"
    for source, data in files.items():
        upload_whole(landing, source, data)
    os.environ.update(
        REPORTS_LANDING=str(landing),
        REPORTS_LAKE=str(root / "warm-lake"),
        REPORTS_WAREHOUSE=f"duckdb:///{root / 'warm.duckdb'}",
    )
    arrivals = pipeline.discover()
    pipeline.process(arrivals[0])  # the imports and the GX context, which every task pays again
    took = []
    for arrival in arrivals:
        started = time.perf_counter()
        pipeline.process(arrival)
        took.append(time.perf_counter() - started)
    return took


def mapped_task(instances: list[dict], work: list[float]) -> dict:
    processes = [ti for ti in instances if ti["task_id"] == "process" and ti["map_index"] >= 0]
    durations = [d for ti in processes if (d := seconds_between(ti["start_date"], ti["end_date"])) is not None]
    waits = [d for ti in processes if (d := seconds_between(ti["queued_when"], ti["start_date"])) is not None]
    return {
        "instance_seconds": percentiles(durations),
        "queued_to_start_seconds": percentiles(waits),
        "work_in_a_warm_process_seconds": percentiles(work),
        "overhead_seconds_median": round(median(durations) - median(work), 2),
    }


def measure(args: argparse.Namespace, root: Path) -> dict:
    random.seed(args.seed)
    with new_database(args.postgres) as metadata, new_database(args.postgres, "reports_bench") as warehouse:
        landing = root / "landing"
        landing.mkdir()
        settings = {
            "REPORTS_OUTBOX": str(root / "outbox"),
            "REPORTS_LANDING": str(landing),
            "REPORTS_LAKE": str(root / "lake"),
            "REPORTS_WAREHOUSE": warehouse,
            "REPORTS_SITE": str(root / "site"),
        }
        with celery_airflow(root / "airflow", metadata, **settings) as airflow:
            stack = Stack(airflow, landing, warehouse, root / "outbox")
            wait_for("the DAG to be parsed", lambda: stack.api.get(f"/dags/{DAG_ID}").is_success, airflow.logs)
            stack.api.patch(f"/dags/{DAG_ID}", json={"is_paused": False}).raise_for_status()
            print("warming up: one file through the watch", flush=True)
            stack.upload_and_time(dict(list(summaries("2024-12").items())[:1]), 0)
            stack.settled("the warm-up runs")
            print(f"idle: {args.idle_minutes} min with nothing arriving, then one sweep", flush=True)
            idle = idle_cost(stack, args.idle_minutes)
            print(f"uploads: 31 files at random moments over {args.minutes} min", flush=True)
            spread = spread_uploads(stack, summaries(PERIOD), args.minutes)
            print("burst: 31 files at once", flush=True)
            workers = burst(stack, summaries("2025-02"))
    return {
        "upload_to_answer_seconds": spread["upload_to_answer_seconds"],
        "upload_to_receipt_seconds": spread["upload_to_receipt_seconds"],
        "where_the_time_goes_seconds": spread["where_the_time_goes"],
        "tasks_seconds": spread["tasks"],
        "runs_for_the_uploads": spread["runs"],
        "idle": idle,
        "mapped_task": mapped_task(spread["instances"], work_in_process(summaries(PERIOD), root)),
        "burst_per_worker": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="the window the 31 uploads fall in")
    parser.add_argument("--idle-minutes", type=float, default=5.0, help="the idle window measured")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--postgres", default=os.environ.get("REPORTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--out", type=Path, default=BENCH / "latency.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as work:
        results = measure(args, Path(work))
    results["machine"] = {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["bench/latency.py", *sys.argv[1:]]),
    }
    text = json.dumps(results, indent=2)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
