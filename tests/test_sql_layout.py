"""sql/ laid out as dbt lays out models: the tables (sql/ddl) are the sources and only staging reads
them, each through one model of its own; intermediate models and marts read views only; each view
reads only views created before it; every model has its doc beside it; the DDL files run in one
order, without two sharing a number. And a warehouse made under the earlier layout, with the
intermediate views in staging, takes the new one at its next load, on both engines."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from provincial_reports.stores.warehouse import SQL, VIEW_LAYERS, connect, create_tables, create_views

SOURCE = re.compile(r"\b(core|ingest)\.(\w+)", re.IGNORECASE)
TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (core|ingest)\.(\w+)", re.IGNORECASE)
COMMENT = re.compile(r"--[^\n]*")


def models() -> list[tuple[str, Path]]:
    """(schema, file) of every view, in the order create_views creates them."""
    return [(schema, path) for folder, schema in VIEW_LAYERS for path in sorted((SQL / folder).glob("*.sql"))]


def code(path: Path) -> str:
    return COMMENT.sub("", path.read_text(encoding="utf-8"))


def test_intermediate_models_and_marts_never_name_a_source_table():
    named = [
        f"{path.relative_to(SQL)}: {found.group(0)}"
        for folder in ("intermediate", "marts")
        for path in sorted((SQL / folder).glob("*.sql"))
        for found in SOURCE.finditer(path.read_text(encoding="utf-8"))  # comments too: say staging.stg_…
    ]
    assert named == [], "read the staging model instead"


def test_every_source_table_is_read_by_one_staging_model_named_after_it():
    tables = {
        f"{schema}.{name}".lower()
        for path in (SQL / "ddl").glob("*.sql")
        for schema, name in TABLE.findall(path.read_text(encoding="utf-8"))
    }
    readers = defaultdict(set)
    for path in (SQL / "staging").glob("*.sql"):
        for schema, name in SOURCE.findall(code(path)):
            readers[f"{schema}.{name}".lower()].add(path.stem)
    assert set(readers) <= tables, "a staging model reads a table sql/ddl does not create"
    assert {table: readers[table] for table in tables} == {table: {f"stg_{table.split('.')[1]}"} for table in tables}


def test_every_view_reads_only_views_created_before_it():
    order = {(schema, path.stem): n for n, (schema, path) in enumerate(models())}
    wrong = []
    for n, (schema, path) in enumerate(models()):
        for read in re.findall(rf"\b({'|'.join({s for _, s in VIEW_LAYERS})})\.(\w+)", code(path)):
            if order.get(read, n) >= n:
                wrong.append(f"{schema}.{path.stem} reads {'.'.join(read)}")
    assert wrong == []


def test_every_model_has_its_doc_beside_it_and_every_doc_a_model():
    for folder, schema in VIEW_LAYERS:
        sql = {p.stem for p in (SQL / folder).glob("*.sql")}
        docs = {p.stem: p for p in (SQL / folder).glob("*.md")}
        assert sql == set(docs), f"sql/{folder}: models without a doc, or docs without a model"
        for stem, doc in docs.items():
            assert doc.read_text(encoding="utf-8").startswith(f"# {schema}.{stem}\n"), f"{doc} names its view"


def test_ddl_files_are_numbered_without_ties():
    numbers = [re.match(r"(\d+)_", p.name) for p in sorted((SQL / "ddl").glob("*.sql"))]
    assert all(numbers), "every DDL file starts with its number"
    found = [int(n.group(1)) for n in numbers if n]
    assert len(found) == len(set(found)), f"two DDL files share a number: {sorted(found)}"


def test_intermediate_views_left_in_staging_by_the_earlier_layout_are_dropped(warehouse_url):
    warehouse = connect(warehouse_url)
    try:
        create_tables(warehouse)
        create_views(warehouse)
        # As the earlier layout left them: intermediate views in staging, reading staging views,
        # which PostgreSQL would then refuse to drop.
        warehouse.execute("CREATE VIEW staging.int_figures_in_force AS SELECT * FROM staging.stg_submissions")
        warehouse.execute("CREATE VIEW staging.int_outlier_flags AS SELECT * FROM staging.int_figures_in_force")
        create_views(warehouse)
        left = warehouse.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'staging' AND table_name LIKE 'int_%'"
        )
        moved = warehouse.query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'intermediate'"
        )
    finally:
        warehouse.close()
    assert left == []
    assert moved == [{"n": len(list((SQL / "intermediate").glob("*.sql")))}]
