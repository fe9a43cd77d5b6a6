"""The warehouse connection: DuckDB by default, addressed by REPORTS_WAREHOUSE.

The pipeline talks to the warehouse only through this small surface (a transaction, statements
with bound parameters, bulk insert of an Arrow table, the SQL files in sql/), so that a second
engine is one more class here, not changes across the flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from provincial_reports.config import PROJECT_ROOT

SQL = PROJECT_ROOT / "sql"
# Views are created layer by layer; each layer reads only the layers before it.
VIEW_LAYERS = (("staging", "staging"), ("intermediate", "staging"), ("marts", "mart"))


class DuckDBWarehouse:
    def __init__(self, path: str) -> None:
        import duckdb

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(path)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        self.connection.execute(sql, params)

    def query(self, sql: str, params: tuple | list = ()) -> list[dict]:
        cursor = self.connection.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert_arrow(self, table: str, rows: pa.Table) -> None:
        """`table` is one of our own table names, never text from a submission."""
        columns = ", ".join(rows.column_names)
        self.connection.register("incoming_rows", rows)
        try:
            self.connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_rows")
        finally:
            self.connection.unregister("incoming_rows")

    def close(self) -> None:
        self.connection.close()


def connect(url: str) -> DuckDBWarehouse:
    if url.startswith("duckdb:///"):
        return DuckDBWarehouse(url.removeprefix("duckdb:///"))
    raise ValueError(f"unsupported REPORTS_WAREHOUSE {url!r}: expected duckdb:///path/file.duckdb")


def create_tables(warehouse: DuckDBWarehouse) -> None:
    """The DDL is idempotent (IF NOT EXISTS), so every run may apply it."""
    for path in sorted((SQL / "ddl").glob("*.sql")):
        warehouse.execute(path.read_text(encoding="utf-8"))


def create_views(warehouse: DuckDBWarehouse) -> None:
    """Each file in a layer folder is the SELECT of a view named after the file."""
    for folder, schema in VIEW_LAYERS:
        for path in sorted((SQL / folder).glob("*.sql")):
            warehouse.execute(f"CREATE OR REPLACE VIEW {schema}.{path.stem} AS\n{path.read_text(encoding='utf-8')}")
