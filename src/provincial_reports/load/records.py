"""Accepted records files' rows in core.disbursements.

On DuckDB with a local lake the rows are not copied: core.disbursements is a view over the lake's
Parquet of every accepted records file in the ledger, re-pointed in the load's one transaction (so
a crash, or a reader, sees the view before the load or after it, never between). Inserting them
cost more than all the rest of the load (README, Performance); the warehouse file then needs the
lake beside it. With an S3 lake, or on PostgreSQL, the rows are inserted, all of a run's files in
one statement on DuckDB, through COPY on PostgreSQL.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import pyarrow as pa
import pyarrow.parquet as pq

from provincial_reports.declarations import report_types
from provincial_reports.read.batches import BATCH_ROWS
from provincial_reports.stores.local import LocalStore
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import DuckDBWarehouse, Warehouse
from provincial_reports.write import RECORDS_SCHEMA, Answer

TABLE = "core.disbursements"
# DuckDB spills to disk beyond this: a large insert goes to disk, not RAM (the README's
# Performance section gives the measurements behind the figure).
LOAD_DUCKDB_MEMORY = "128MB"
# read_parquet reads a path with any of these as a pattern: a lake under such a folder is copied in.
GLOB_CHARACTERS = frozenset("*?[]{}")
IS_TABLE = (
    "SELECT 1 FROM information_schema.tables"
    " WHERE table_schema = 'core' AND table_name = 'disbursements' AND table_type = 'BASE TABLE'"
)


def load_records(warehouse: Warehouse, lake: Store, answers: list[Answer]) -> None:
    """`answers` are the run's new accepted records files."""
    if reads_lake_in_place(warehouse, lake):
        point_at_lake(warehouse, lake)
        return
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


def reads_lake_in_place(warehouse: Warehouse, lake: Store) -> bool:
    return (
        isinstance(warehouse, DuckDBWarehouse)
        and isinstance(lake, LocalStore)
        and not GLOB_CHARACTERS & set(os.path.abspath(lake.root))
    )


def point_at_lake(warehouse: Warehouse, lake: LocalStore) -> None:
    """core.disbursements as a view over the Parquet of every accepted records file the ledger
    holds (the run's new ones included), in force or superseded, as the table holds them on
    PostgreSQL. The paths are the lake's own keys under its folder, from the ledger, written into
    the view as quoted literals. Before any records file there is nothing to point at: the empty
    table stays. A warehouse loaded before the view has the table, with rows from the same files:
    it is dropped for the view."""
    types = [name for name, rt in report_types().items() if rt.records]
    rows = warehouse.query(
        "SELECT parquet_location FROM ingest.submissions WHERE outcome = 'accepted' AND parquet_location IS NOT NULL"
        f" AND report_type IN ({', '.join('?' for _ in types)}) ORDER BY submission_id",
        types,
    )
    if not rows:
        return
    paths = ", ".join(_literal(os.path.abspath(lake.location(r["parquet_location"]))) for r in rows)
    if warehouse.query(IS_TABLE):
        warehouse.execute(f"DROP TABLE {TABLE}")
    warehouse.execute(
        f"CREATE OR REPLACE VIEW {TABLE} AS SELECT {', '.join(RECORDS_SCHEMA.names)}"
        f" FROM read_parquet([{paths}], hive_partitioning = false)"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
