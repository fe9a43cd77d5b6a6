"""The warehouse connection: DuckDB by default, PostgreSQL in production, by REPORTS_WAREHOUSE.

The pipeline talks to the warehouse only through this small surface (a transaction, statements
with `?` parameters, bulk insert of an Arrow table, the SQL files in sql/). The two engines agree
on all of sql/ except sql/roles, which only PostgreSQL has; values always travel as bound
parameters, never pasted into SQL.

One writer at a time, on both engines. DuckDB lets one process open a database file for writing
and fails every other at once; so a process first takes an exclusive lock on `<file>.lock` and
holds it while connected, and a second run waits its turn instead of failing. PostgreSQL allows
many writers; a write transaction takes an advisory lock first, so two loads never interleave.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from provincial_reports.config import PROJECT_ROOT, redacted
from provincial_reports.stores.model_docs import comment_statements, read_model_doc

if TYPE_CHECKING:  # Arrow is imported when rows are inserted, not to list the ledger
    import pyarrow as pa

SQL = PROJECT_ROOT / "sql"
MARTS_LOADED = "SELECT 1 FROM information_schema.tables WHERE table_schema = 'mart' AND table_name = 'submissions'"
DEMO_HINT = (
    " (`make demo` writes data/demo/warehouse.duckdb; `make show` and `make report` read it when ./data has"
    " no warehouse, or set REPORTS_WAREHOUSE, REPORTS_LAKE and REPORTS_SITE)"
)
# Views are created layer by layer; each layer reads only the layers before it.
VIEW_LAYERS = (("staging", "staging"), ("intermediate", "intermediate"), ("marts", "mart"))
# Intermediate views were created in `staging` before they had a schema of their own; a warehouse
# made then still has them there, and PostgreSQL refuses to drop a staging view they read.
FORMER_SCHEMAS = {"intermediate": "staging"}
# The views BI tools read carry their docs as comments (stores/model_docs.py).
COMMENTED_SCHEMA = "mart"
# Any constant: the key of the PostgreSQL advisory lock that write transactions take.
WRITER_LOCK_KEY = 5_240_119
CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL host is said so within seconds, not after TCP's minutes
COPY_BATCH_ROWS = 50_000  # rows of CSV held at once for PostgreSQL's COPY: a few MB
# Whoever logs in (reports_loader, or an administrator such as postgres), the pipeline acts as
# reports_loader once sql/roles has made it for this database (roles are the server's, so the
# role may exist before its grants here do): every table and view then has the one owner that
# sql/roles' default privileges are declared for, so BI and auditors keep their grants on the
# views each load re-creates, and the next load, as anyone, may drop them again. A login that may
# not (a BI user reading the marts through `cli show`) stays itself.
ACT_AS_LOADER = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reports_loader')
        AND has_database_privilege('reports_loader', current_database(), 'CREATE')
        AND pg_has_role(current_user, 'reports_loader', 'MEMBER') THEN
        SET ROLE reports_loader;
    END IF;
END
$$"""


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be reached, or a read found none to read: the message is one line that
    names it and REPORTS_WAREHOUSE, for the operator rather than a traceback."""


class Warehouse(Protocol):
    def transaction(self) -> AbstractContextManager[None]: ...
    def execute(self, sql: str, params: tuple | list = ()) -> None: ...
    def query(self, sql: str, params: tuple | list = ()) -> list[dict]: ...
    def insert_arrow(self, table: str, rows: pa.Table) -> None: ...
    def close(self) -> None: ...


class _ProcessFileLock:
    """An exclusive flock on a file, shared by the connections of one process: DuckDB serves
    several connections to one file within a process, and flock would make the second wait on
    the first forever. The lock goes when the process's last connection closes (or it dies)."""

    _guard = threading.Lock()
    _held: ClassVar[dict[str, tuple[int, int]]] = {}  # lock file -> (descriptor, connections using it)

    def __init__(self, path: str) -> None:
        self.path = os.path.realpath(path)

    def acquire(self) -> None:
        with self._guard:
            fd, users = self._held.get(self.path, (-1, 0))
            if not users:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX)  # waits while another process holds it
            self._held[self.path] = (fd, users + 1)

    def release(self) -> None:
        with self._guard:
            fd, users = self._held.pop(self.path)
            if users > 1:
                self._held[self.path] = (fd, users - 1)
            else:
                os.close(fd)  # closing the descriptor releases the lock


# DuckDB draws a progress bar on stderr for any query over two seconds: in a task's log, a line
# of block characters rewritten by carriage returns.
NO_PROGRESS_BAR = "SET enable_progress_bar = false"
# The marts' timestamps are timestamptz; every connection of ours reads them in UTC, on both engines.
IN_UTC = "SET TimeZone = 'UTC'"


class DuckDBWarehouse:
    def __init__(self, path: str) -> None:
        import duckdb

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = _ProcessFileLock(f"{path}.lock")
        self.lock.acquire()
        try:
            self.connection = duckdb.connect(path)
            self.connection.execute(NO_PROGRESS_BAR)
            self.connection.execute(IN_UTC)
        except BaseException:
            self.lock.release()
            raise

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
        self.lock.release()


class PostgresWarehouse:
    """psycopg 3; bulk loads go through COPY, never row-by-row INSERTs."""

    def __init__(self, url: str) -> None:
        import psycopg

        try:
            self.connection = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:  # libpq says why (no database, login refused...) over lines
            why = " ".join(line.strip() for line in str(exc).splitlines()).rpartition("FATAL:")[2].strip()
            raise WarehouseUnavailable(f"REPORTS_WAREHOUSE={redacted(url)}: {why}") from exc
        self.connection.execute(ACT_AS_LOADER)
        self.connection.execute(IN_UTC)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Waits for any other write transaction to end first (the lock goes with the transaction)."""
        with self.connection.transaction():
            self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK_KEY,))
            yield

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        self.connection.execute(_pyformat(sql) if params else sql, params or None)

    def query(self, sql: str, params: tuple | list = ()) -> list[dict]:
        from psycopg.rows import dict_row

        with self.connection.cursor(row_factory=dict_row) as cursor:
            cursor.execute(_pyformat(sql) if params else sql, params or None)
            return cursor.fetchall()

    def insert_arrow(self, table: str, rows: pa.Table) -> None:
        """`table` is one of our own table names, never text from a submission. The rows travel as
        CSV that Arrow writes a batch at a time, in C++, much faster than handing psycopg each
        row's Python values (README, Performance). Arrow quotes every
        text, so an empty text stays empty and only a null is left blank, which COPY reads as NULL."""
        columns = ", ".join(rows.column_names)
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            for batch in rows.to_batches(max_chunksize=COPY_BATCH_ROWS):
                copy.write(_as_csv(batch))

    def close(self) -> None:
        self.connection.close()


def _as_csv(batch: pa.RecordBatch) -> memoryview:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
    return memoryview(sink.getvalue())


def _pyformat(sql: str) -> str:
    """Our SQL marks parameters with `?` (DuckDB's style); psycopg wants `%s`."""
    return sql.replace("%", "%%").replace("?", "%s")


def connect(url: str) -> Warehouse:
    if url.startswith("duckdb:///"):
        return DuckDBWarehouse(url.removeprefix("duckdb:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresWarehouse(url)
    raise ValueError(
        f"unsupported REPORTS_WAREHOUSE {redacted(url)!r}: "
        "expected duckdb:///path/file.duckdb or postgresql://user@host:port/db"
    )


@contextmanager
def opened(url: str) -> Iterator[Warehouse]:
    """A connection for the duration of the block, closed whatever happens in it."""
    warehouse = connect(url)
    try:
        yield warehouse
    finally:
        warehouse.close()


@contextmanager
def opened_for_reading(url: str) -> Iterator[Warehouse]:
    """Like `opened`, for commands that only read: a warehouse that does not exist, or that no run
    has loaded, is WarehouseUnavailable, and reading never creates one (DuckDB would create the file)."""
    if url.startswith("duckdb:///") and not Path(url.removeprefix("duckdb:///")).is_file():
        raise WarehouseUnavailable(f"REPORTS_WAREHOUSE={url}: no such warehouse file{DEMO_HINT}")
    with opened(url) as warehouse:
        if not warehouse.query(MARTS_LOADED):
            raise WarehouseUnavailable(f"REPORTS_WAREHOUSE={redacted(url)}: no run has loaded this warehouse yet")
        yield warehouse


def create_tables(warehouse: Warehouse) -> None:
    """The DDL is idempotent (IF NOT EXISTS), so every run may apply it; then, on PostgreSQL, what
    only PostgreSQL has (sql/ddl/postgresql: the triggers that keep releases immutable)."""
    for path in sorted((SQL / "ddl").glob("*.sql")):
        warehouse.execute(path.read_text(encoding="utf-8"))
    if isinstance(warehouse, PostgresWarehouse):
        for path in sorted((SQL / "ddl" / "postgresql").glob("*.sql")):
            warehouse.execute(path.read_text(encoding="utf-8"))


def create_views(warehouse: Warehouse) -> None:
    """Each file in a layer folder is the SELECT of a view named after the file. Views are dropped
    (last layer first) and created again, since PostgreSQL cannot replace a view whose columns changed;
    each mart gets its doc's comments again with it."""
    views = [(folder, schema, path) for folder, schema in VIEW_LAYERS for path in sorted((SQL / folder).glob("*.sql"))]
    for folder, schema, path in reversed(views):
        warehouse.execute(f"DROP VIEW IF EXISTS {schema}.{path.stem}")
        if folder in FORMER_SCHEMAS:
            warehouse.execute(f"DROP VIEW IF EXISTS {FORMER_SCHEMAS[folder]}.{path.stem}")
    for _, schema, path in views:
        warehouse.execute(f"CREATE VIEW {schema}.{path.stem} AS\n{path.read_text(encoding='utf-8')}")
        if schema == COMMENTED_SCHEMA:
            for statement in comment_statements(f"{schema}.{path.stem}", read_model_doc(path.with_suffix(".md"))):
                warehouse.execute(statement)
