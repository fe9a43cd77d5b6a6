"""Records (relief_disbursements) end to end on both engines: the load, the pseudonyms (no identity number
in clear anywhere under the lake or in the warehouse), and the reconciliation flags."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from test_pipeline import query, run_once

from conftest import KEY
from provincial_reports import privacy
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, identity_number, record, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row

SCHEMAS = ("ingest", "core", "staging", "intermediate", "mart")


@pytest.fixture
def keyed(workspace, monkeypatch):
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)
    return workspace


def test_accepted_records_are_loaded_pseudonymised(keyed):
    rows = records(6)
    rows[1]["beneficiary_id"] = identity_number(1, born="19671231", female=True)
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, rows))
    run_once()
    loaded = query(keyed, "SELECT * FROM core.disbursements ORDER BY source_row")
    assert len(loaded) == 6
    assert loaded[1]["beneficiary_pseudonym"] == privacy.pseudonym(rows[1]["beneficiary_id"], KEY.encode())
    assert (loaded[1]["birth_year"], loaded[1]["sex"]) == (1967, "female")
    assert (loaded[0]["birth_year"], loaded[0]["sex"]) == (1980, "male")
    assert loaded[0]["amount_yuan"] == Decimal("800.00")
    totals = query(keyed, "SELECT sum(payments) AS n, sum(amount_yuan) AS paid FROM mart.disbursement_totals")
    assert totals == [{"n": 6, "paid": Decimal("4800.00")}]
    status = query(keyed, "SELECT status, report_type, rows_read FROM mart.submissions")
    assert status == [{"status": "accepted", "report_type": "relief_disbursements", "rows_read": 6}]


def test_a_resubmission_replaces_the_records_in_force(keyed):
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, records(6)), minute=0)
    run_once()
    upload(keyed.landing, "360000/2025-01/records-v2.csv", csv_bytes(RECORDS, records(4)), minute=5)
    run_once()
    assert query(keyed, "SELECT count(*) AS n FROM intermediate.int_disbursements_in_force") == [{"n": 4}]
    assert query(keyed, "SELECT count(*) AS n FROM core.disbursements") == [{"n": 10}]


RELATION_KIND = (
    "SELECT table_type FROM information_schema.tables WHERE table_schema = 'core' AND table_name = 'disbursements'"
)


def test_on_duckdb_with_a_local_lake_the_records_are_read_in_place_and_an_inserted_table_gives_way(keyed):
    """DuckDB reads the lake's Parquet through a view that each load re-points from the ledger;
    PostgreSQL holds the rows in a table. A DuckDB warehouse loaded when the rows were inserted
    has the table: its next load drops it for the view, with the same rows and the new file's."""
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, records(6)), minute=0)
    run_once()
    on_duckdb = keyed.warehouse_url.startswith("duckdb")
    assert query(keyed, RELATION_KIND) == [{"table_type": "VIEW" if on_duckdb else "BASE TABLE"}]
    if not on_duckdb:
        return
    warehouse = connect(keyed.warehouse_url)
    try:
        [view] = warehouse.query("SELECT sql FROM duckdb_views() WHERE schema_name = 'core'")
        assert str(keyed.lake / "parquet") in view["sql"]
        for statement in (
            "CREATE TABLE core.inserted AS SELECT * FROM core.disbursements",
            "DROP VIEW core.disbursements",
            "ALTER TABLE core.inserted RENAME TO disbursements",
        ):
            warehouse.execute(statement)
    finally:
        warehouse.close()
    assert query(keyed, RELATION_KIND) == [{"table_type": "BASE TABLE"}]
    upload(keyed.landing, "320000/2025-01/records.csv", csv_bytes(RECORDS, records(5, province="320000")), minute=5)
    run_once()
    assert query(keyed, RELATION_KIND) == [{"table_type": "VIEW"}]
    counts = query(
        keyed, "SELECT left(org_unit_code, 2) AS p, count(*) AS n FROM core.disbursements GROUP BY 1 ORDER BY 1"
    )
    assert counts == [{"p": "32", "n": 5}, {"p": "36", "n": 6}]


def every_text_in_warehouse(workspace) -> str:
    warehouse = connect(workspace.warehouse_url)
    try:
        relations = warehouse.query(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN (?, ?, ?, ?, ?)",
            list(SCHEMAS),
        )
        assert any(r["table_name"] == "disbursements" for r in relations)
        return "\n".join(
            str(warehouse.query(f"SELECT * FROM {r['table_schema']}.{r['table_name']}")) for r in relations
        )
    finally:
        warehouse.close()


def every_text_in_lake(workspace) -> str:
    texts = []
    for path in workspace.lake.rglob("*"):
        if path.suffix == ".parquet":
            texts.append(str(pq.read_table(path).to_pylist()))
        elif path.is_file():
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    assert texts
    return "\n".join(texts)


def test_no_identity_number_in_clear_in_the_lake_or_the_warehouse(keyed):
    good = records(8)
    bad = records(5, province="320000")
    bad[2]["beneficiary_id"] = bad[2]["beneficiary_id"][:17] + ("1" if bad[2]["beneficiary_id"][17] == "0" else "0")
    bad[3]["amount_yuan"] = "-5"
    bad.append(dict(bad[0]))  # a duplicate: its rows are quoted in the answer
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, good))
    upload(keyed.landing, "320000/2025-01/records.csv", csv_bytes(RECORDS, bad))
    answers = run_once()
    assert sorted(a["outcome"] for a in answers) == ["accepted", "rejected"]
    numbers = {r["beneficiary_id"] for r in good + bad}
    lake, warehouse = every_text_in_lake(keyed), every_text_in_warehouse(keyed)
    assert "beneficiary_pseudonym" in lake and "********" in warehouse  # what is there instead
    for number in numbers:
        for text in (lake, warehouse):
            assert number not in text and number.lower() not in text and number[:14] not in text
    assert not list(keyed.lake.rglob("*.csv")), "the raw file stays in the landing zone only"
    raw = query(keyed, "SELECT raw_location FROM mart.submissions WHERE status = 'accepted'")[0]["raw_location"]
    assert raw.startswith(str(keyed.landing))


def summary(province: str, funds_total: float, counts: dict[str, int]) -> bytes:
    row = province_row(province)
    row.update(funds_total=funds_total, funds_holiday=funds_total, funds_regular=0, **counts)
    return csv_bytes(WINTER_WARMTH, [row])


def flags(workspace) -> list[dict]:
    return query(
        workspace,
        "SELECT report_type, period, province_code, org_unit_code, metric, value, reference_value, rule, "
        "detail_en, detail_zh, submission_id FROM intermediate.int_reconciliation_flags ORDER BY rule, metric",
    )


def test_reconciliation_flags_overspending_and_counts_more_than_5_percent_apart(keyed):
    # 20 payments of 800 yuan = 1.6 (10k yuan); 4 distinct beneficiaries per category.
    rows = [record(n, amount_yuan="800.00") for n in range(20)]
    counts = {
        "workers_hardship": 4,
        "workers_migrant": 100,
        "workers_new_forms": 4,
        "workers_frontline": 4,
        "model_workers": 4,
    }
    upload(keyed.landing, "360000/2025-01/summary.csv", summary("360000", 1.5, counts))
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, rows))
    answers = run_once()
    assert all(a["outcome"] == "accepted" for a in answers), [a["failures"] for a in answers]
    found = flags(keyed)
    assert [(f["rule"], f["metric"]) for f in found] == [
        ("beneficiaries_match_count", "workers_migrant"),
        ("paid_not_above_funds", "funds_total"),
    ]
    count, funds = found
    assert (count["value"], count["reference_value"]) == (Decimal(4), Decimal(100))
    assert (funds["value"], funds["reference_value"]) == (Decimal("1.6"), Decimal("1.5"))
    records_id = next(a["submission_id"] for a in answers if a["report_type"] == "relief_disbursements")
    assert {f["submission_id"] for f in found} == {records_id}
    assert {(f["province_code"], f["org_unit_code"], f["period"]) for f in found} == {("360000", "360000", "2025-01")}
    assert "above the summary's funds_total" in funds["detail_en"] and "万元" in funds["detail_zh"]
    assert "migrant" in count["detail_en"] and "5%" in count["detail_zh"]


def test_within_5_percent_and_within_funds_is_no_flag(keyed):
    rows = [record(n) for n in range(100)]  # 20 per category (1 of 21 is under 5%), 8 (10k yuan) in all
    counts = {
        "workers_hardship": 21,
        "workers_migrant": 20,
        "workers_new_forms": 21,
        "workers_frontline": 20,
        "model_workers": 20,
    }
    upload(keyed.landing, "360000/2025-01/summary.csv", summary("360000", 8, counts))
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, rows))
    run_once()
    assert flags(keyed) == [], [f["detail_en"] for f in flags(keyed)]


def test_a_category_without_any_payment_is_flagged_against_its_count(keyed):
    rows = [record(n) for n in range(10) if n % 5 != 4]  # nobody in category "model"
    counts = {
        "workers_hardship": 2,
        "workers_migrant": 2,
        "workers_new_forms": 2,
        "workers_frontline": 2,
        "model_workers": 2,
    }
    upload(keyed.landing, "360000/2025-01/summary.csv", summary("360000", 100, counts))
    upload(keyed.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, rows))
    run_once()
    assert [(f["metric"], f["value"]) for f in flags(keyed)] == [("model_workers", Decimal(0))]


def test_the_key_may_come_from_an_airflow_connection(monkeypatch):
    monkeypatch.delenv("REPORTS_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_REPORTS_PSEUDONYM_KEY", json.dumps({"conn_type": "generic", "password": KEY}))
    assert privacy.pseudonym_key() == KEY.encode()


def test_a_short_key_is_refused(monkeypatch):
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", "short")
    with pytest.raises(privacy.MissingPseudonymKey, match="shorter"):
        privacy.pseudonym_key()


def test_duckdb_draws_no_progress_bar_into_task_logs(tmp_path):
    """DuckDB's progress bar, drawn on stderr for any query over two seconds (a large file's), is
    a line of block characters rewritten by carriage returns in an Airflow task log. In a child
    process: under pytest, DuckDB leaves its bar off by itself."""
    check = f"""
from provincial_reports.validate.record_pass import worker_duckdb
from provincial_reports.stores.warehouse import connect
SHOWN = "SELECT current_setting('enable_progress_bar')"
warehouse = connect("duckdb:///{tmp_path / "warehouse.duckdb"}")
print(warehouse.connection.execute(SHOWN).fetchone()[0], worker_duckdb().execute(SHOWN).fetchone()[0])
"""
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "False"]
