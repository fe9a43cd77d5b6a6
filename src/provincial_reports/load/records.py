"""Accepted records files' rows into core.disbursements, all of a run's files in one statement."""

from __future__ import annotations

from contextlib import ExitStack

import pyarrow as pa
import pyarrow.parquet as pq

from provincial_reports.read.batches import BATCH_ROWS
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import DuckDBWarehouse, Warehouse
from provincial_reports.write import RECORDS_SCHEMA, Answer

TABLE = "core.disbursements"
# DuckDB spills to disk beyond this: a large insert goes to disk, not RAM (the README's
# Performance section gives the measurements behind the figure).
LOAD_DUCKDB_MEMORY = "128MB"


def load_records(warehouse: Warehouse, lake: Store, answers: list[Answer]) -> None:
    """DuckDB reads all the files' Parquet in one statement (in parallel, out of core); other
    engines take them one batch at a time."""
    columns = ", ".join(RECORDS_SCHEMA.names)
    with ExitStack() as held:
        paths = [str(held.enter_context(lake.local_file(a.parquet_location))) for a in answers]
        if paths and isinstance(warehouse, DuckDBWarehouse):
            warehouse.execute(f"SET memory_limit = '{LOAD_DUCKDB_MEMORY}'")
            # Rows are found by submission and source row, never by their order in the table; not
            # keeping the files' order lets DuckDB insert in parallel.
            warehouse.execute("SET preserve_insertion_order = false")
            warehouse.execute(
                f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM read_parquet(?, hive_partitioning = false)",
                [paths],
            )
            return
        for path in paths:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
                warehouse.insert_arrow(TABLE, pa.Table.from_batches([batch]))
