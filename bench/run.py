"""`make bench`: records (relief_disbursements) at scale, against the hardware floor and the naive way.

Generates N rows across the 31 provinces (one CSV each, as uploaded), then measures, each in a
fresh process so that peak memory is its own:

- pipeline: the DAG's task bodies over those files (discover, process each file: read, validate
  with the GX suite per batch, pseudonymise, Parquet to the lake; load into a DuckDB warehouse);
- floor: DuckDB's own COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet) over the same files;
- naive: per file, pandas read_csv, the same GX suite on the whole frame, to_parquet, insert;
- required: per file, only the work the issue asks of every row whatever the design: read in
  Arrow batches, keyed pseudonyms, the GX suite per batch, Parquet. No typing, no other rule, no
  load: a bound under any pipeline that does all of them, measured beside the floor it is judged by.

Each way is measured --rounds times, the four in turn; the figures are the medians, each ratio
taken within its round. Times exclude starting Python and importing Great Expectations (paid once
per worker process, reported as startup_seconds); peak memory includes everything, the largest of
the rounds. Beside each time, the CPU seconds its processes and threads spent over the same span
(cpu_seconds): the work itself, which other programs on a shared machine slow down far less than
the time. Prints and writes results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from pathlib import Path
from statistics import median

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))  # airflow_harness: the tests' scratch PostgreSQL databases
DEMO_KEY = "bench-pseudonym-key-not-a-secret"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def csv_files(data: Path) -> list[Path]:
    return sorted(data.glob("*/*/*.csv"))


def measure_floor(args: argparse.Namespace) -> dict:
    import duckdb

    files = [str(p) for p in csv_files(args.data)]
    started, cpu = time.perf_counter(), time.process_time()
    duckdb.execute(
        "COPY (SELECT * FROM read_csv($files)) TO '" + str(args.work / "floor.parquet") + "' (FORMAT parquet)",
        {"files": files},
    )
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu, "startup_seconds": 0.0}


def start_worker() -> None:
    """What an Airflow worker has done before its first task: imports (polars' for the pseudonyms
    included), the GX context."""
    import polars_hash  # noqa: F401

    from provincial_reports.validate.suites import batch_definition

    batch_definition()


@contextmanager
def warm_pool(workers: int) -> Iterator[Pool]:
    """Worker processes started and warm before the clock runs, as Airflow's workers are."""
    from multiprocessing import get_context

    with get_context("spawn").Pool(workers, initializer=start_worker) as pool:
        pool.map(abs, range(workers), chunksize=1)
        yield pool


def process_in_worker(arrival: dict) -> tuple[dict, float, float]:
    """The answer, the worker's peak memory so far and the CPU seconds the file took."""
    from provincial_reports import pipeline

    cpu = time.process_time()
    answer = pipeline.process(arrival)
    return answer, peak_rss_mb(), time.process_time() - cpu


def suite_parameters(path: Path) -> dict:
    """The pipeline's own suite parameters for a bench file, <province>/<period>/<file>."""
    from types import SimpleNamespace

    from provincial_reports.declarations import report_types
    from provincial_reports.validate.suites import records_parameters

    upload = SimpleNamespace(province_code=path.parts[-3], period=path.parts[-2])
    return records_parameters(upload, report_types()["relief_disbursements"])


def required_in_worker(path_text: str) -> float:
    """Read, pseudonymise, check with the GX suite and write Parquet, nothing else: each with the
    pipeline's own function, the suite on batches of the pipeline's size. Returns the CPU seconds."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from provincial_reports.declarations import report_types
    from provincial_reports.privacy import pseudonyms
    from provincial_reports.read.batches import BATCH_ROWS, open_batches
    from provincial_reports.validate.batch_results import batch_suite_result, gx_frame

    cpu = time.process_time()
    path, report_type, key = Path(path_text), report_types()["relief_disbursements"], DEMO_KEY.encode()
    parameters = suite_parameters(path)

    def required_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
        kept = batch.drop_columns(["beneficiary_id"])
        kept = kept.append_column("beneficiary_pseudonym", pseudonyms(batch["beneficiary_id"], key))
        return kept.append_column("amount_value", pc.cast(batch["amount_yuan"], pa.float64()))

    with tempfile.TemporaryDirectory(prefix="bench-required-") as work:
        writer = None
        for batch in rebatched(map(required_columns, open_batches(path, path.name, report_type).batches), BATCH_ROWS):
            if not batch_suite_result(report_type, gx_frame(batch), parameters)["success"]:
                raise SystemExit(f"required: {path} failed its suite")
            writer = writer or pq.ParquetWriter(Path(work) / "out.parquet", batch.schema, compression="zstd")
            writer.write_batch(batch)
        writer.close()
    return time.process_time() - cpu


def rebatched(batches: Iterator, rows: int) -> Iterator:
    """The stream in batches of `rows` or more (the last may have fewer), as the pipeline's DuckDB
    pass hands them to GX: the reader's batches are its 1 MiB blocks."""
    import pyarrow as pa

    parts: list = []
    for batch in batches:
        parts.append(batch)
        if sum(p.num_rows for p in parts) >= rows:
            yield pa.Table.from_batches(parts).combine_chunks().to_batches()[0]
            parts = []
    if parts:
        yield pa.Table.from_batches(parts).combine_chunks().to_batches()[0]


def measure_pipeline(args: argparse.Namespace) -> dict:
    """discover, then `process` for each file spread over the worker processes (as Airflow maps
    the task over its workers), then `load`: the DAG's own task bodies."""
    from provincial_reports import pipeline

    with bench_warehouse(args) as warehouse:
        os.environ.update(
            {
                "REPORTS_LANDING": str(args.data),
                "REPORTS_LAKE": str(args.work / "lake"),
                "REPORTS_WAREHOUSE": warehouse,
                "REPORTS_PSEUDONYM_KEY": os.environ.get("REPORTS_PSEUDONYM_KEY", DEMO_KEY),
            }
        )
        started = time.perf_counter()
        with warm_pool(args.workers) as pool:
            ready, cpu = time.perf_counter(), time.process_time()
            arrivals = pipeline.discover()
            discovered = time.perf_counter()
            processed = pool.map(process_in_worker, arrivals, chunksize=1)
            done = time.perf_counter()
        answers = [answer for answer, _, _ in processed]
        pipeline.load(answers)
        finished, cpu = time.perf_counter(), time.process_time() - cpu
    rejected = [a["source"] for a in answers if a["outcome"] != "accepted"]
    if rejected:
        raise SystemExit(f"the benchmark's files must all be accepted; rejected: {rejected}")
    worker_peak = max(rss for _, rss, _ in processed)
    return {
        "seconds": finished - ready,
        "cpu_seconds": cpu + sum(file_cpu for _, _, file_cpu in processed),
        "startup_seconds": ready - started,
        "phase_seconds": {"discover": discovered - ready, "process": done - discovered, "load": finished - done},
        "worker_peak_rss_mb": worker_peak,
        "all_processes_peak_rss_mb": peak_rss_mb() + args.workers * worker_peak,
    }


def measure_naive(args: argparse.Namespace) -> dict:
    """The straightforward way: each whole file in pandas, GX on it, to_parquet, insert."""
    started = time.perf_counter()
    import duckdb
    import pandas as pd

    from provincial_reports.declarations import report_types
    from provincial_reports.validate.suites import batch_definition, run_suite

    report_type = report_types()["relief_disbursements"]
    batch_definition()
    ready, cpu = time.perf_counter(), time.process_time()
    warehouse = duckdb.connect(str(args.work / "naive.duckdb"))
    for n, path in enumerate(csv_files(args.data)):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["amount_yuan"] = pd.to_numeric(frame["amount_yuan"], errors="coerce")
        frame["source_row"] = range(2, len(frame) + 2)
        for column in ("period", "org_unit_code", "beneficiary_category", "paid_on"):
            frame[column] = frame[column].astype(object)
        if not run_suite(report_type, frame, suite_parameters(path))["success"]:
            raise SystemExit(f"naive: {path} failed its suite")
        frame.to_parquet(args.work / f"naive-{n}.parquet")
        if n == 0:
            warehouse.execute("CREATE TABLE disbursements AS SELECT * FROM frame LIMIT 0")
        warehouse.execute("INSERT INTO disbursements SELECT * FROM frame")
    warehouse.close()
    return {
        "seconds": time.perf_counter() - ready,
        "cpu_seconds": time.process_time() - cpu,
        "startup_seconds": ready - started,
    }


def measure_required(args: argparse.Namespace) -> dict:
    with warm_pool(args.workers) as pool:
        started = time.perf_counter()
        cpu = pool.map(required_in_worker, [str(p) for p in csv_files(args.data)], chunksize=1)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": sum(cpu), "startup_seconds": 0.0}


MEASURES = {
    "floor": measure_floor,
    "pipeline": measure_pipeline,
    "naive": measure_naive,
    "required": measure_required,
}


def run_measure(name: str, args: argparse.Namespace) -> dict:
    """One measurement in a fresh interpreter, so that its peak memory is its own."""
    passed = ["--data", str(args.data), "--workers", str(args.workers)]
    passed += ["--postgres", args.postgres] if args.postgres else []
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as work:
        child = subprocess.run(
            [sys.executable, __file__, "--measure", name, "--work", work, *passed], capture_output=True, text=True
        )
    if child.returncode:
        raise SystemExit(f"{name} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


@contextmanager
def bench_warehouse(args: argparse.Namespace) -> Iterator[str]:
    """The pipeline's warehouse: a DuckDB file in the work folder, or with --postgres a database of
    its own on that server, dropped afterwards (a warehouse that has seen the files loads nothing)."""
    if not args.postgres:
        yield f"duckdb:///{args.work / 'warehouse.duckdb'}"
        return
    from airflow_harness import new_database  # the tests' own: a scratch database, dropped after

    with new_database(args.postgres, "reports_bench") as url:
        yield url


def ensure_data(data: Path, rows: int, province_count: int) -> None:
    """Generated once per size; a different ROWS regenerates."""
    marker = data.parent / f"{data.name}.json"  # beside, not in, the landing zone
    wanted = {"rows": rows, "provinces": province_count}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return
    import shutil

    shutil.rmtree(data, ignore_errors=True)
    # In a process of its own: Linux carries a process's peak RSS across exec into the children it
    # starts, so generating in this process would inflate every measurement's peak after it.
    generate = [sys.executable, str(BENCH / "generate.py"), str(data)]
    subprocess.run([*generate, "--rows", str(rows), "--provinces", str(province_count)], check=True)
    os.sync()  # written out now, not by the kernel while the first measurement runs
    marker.write_text(json.dumps(wanted))


def round_figures(measured: dict) -> dict:
    """One round's times, and the ratios between them taken within the round: this machine's speed
    drifts by 15-25 % from minute to minute, less within the minute or so of one round."""
    pipeline, floor, naive, required = (measured[n]["seconds"] for n in ("pipeline", "floor", "naive", "required"))
    cpu = {n: measured[n]["cpu_seconds"] for n in ("pipeline", "floor", "naive", "required")}
    return {
        "seconds": pipeline,
        "floor_seconds": floor,
        "naive_seconds": naive,
        "required_seconds": required,
        "times_floor": pipeline / floor,
        "speedup_over_naive": naive / pipeline,
        "required_times_floor": required / floor,
        "times_required": pipeline / required,
        "cpu_seconds": cpu["pipeline"],
        "floor_cpu_seconds": cpu["floor"],
        "naive_cpu_seconds": cpu["naive"],
        "required_cpu_seconds": cpu["required"],
        "cpu_times_floor": cpu["pipeline"] / cpu["floor"],
        "cpu_speedup_over_naive": cpu["naive"] / cpu["pipeline"],
        "required_cpu_times_floor": cpu["required"] / cpu["floor"],
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GB RAM, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--provinces", type=int, default=31)
    parser.add_argument("--data", type=Path, default=BENCH / "data")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    parser.add_argument("--measure", choices=MEASURES)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="pipeline worker processes")
    parser.add_argument("--rounds", type=int, default=3, help="times each way is measured, in turn")
    parser.add_argument(
        "--postgres", help="load into PostgreSQL on this server (postgresql://user@host:port) instead of DuckDB"
    )
    args = parser.parse_args()
    if args.measure:  # a child: one measurement, one JSON line
        result = MEASURES[args.measure](args)
        print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}))
        return
    ensure_data(args.data, args.rows, args.provinces)
    rounds = [{name: run_measure(name, args) for name in MEASURES} for _ in range(args.rounds)]
    figures = [round_figures(measured) for measured in rounds]
    middle = {name: round(median(f[name] for f in figures), 2) for name in figures[0]}
    pipelines = [measured["pipeline"] for measured in rounds]
    results = {
        "rows": args.rows,
        "files": len(csv_files(args.data)),
        "rounds": args.rounds,
        **middle,
        "peak_rss_mb": round(max(p["all_processes_peak_rss_mb"] for p in pipelines)),
        "worker_peak_rss_mb": round(max(p["worker_peak_rss_mb"] for p in pipelines)),
        "workers": args.workers,
        "warehouse": "postgresql" if args.postgres else "duckdb",
        "naive_peak_rss_mb": round(max(measured["naive"]["peak_rss_mb"] for measured in rounds)),
        "floor_peak_rss_mb": round(max(measured["floor"]["peak_rss_mb"] for measured in rounds)),
        "startup_seconds": round(median(p["startup_seconds"] for p in pipelines), 2),
        "phase_seconds": {
            phase: round(median(p["phase_seconds"][phase] for p in pipelines), 2)
            for phase in pipelines[0]["phase_seconds"]
        },
        "rows_per_second": round(args.rows / middle["seconds"]),
        "per_round": [{name: round(value, 2) for name, value in f.items()} for f in figures],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "machine": machine(),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
