"""Records (relief_disbursements): every rule with a failing example, the formats, and batch validation."""

from __future__ import annotations

import gc
import json
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import KEY
from provincial_reports import pipeline
from provincial_reports.land import arrival_of
from provincial_reports.privacy import MissingPseudonymKey
from provincial_reports.read import batches as read_batches
from provincial_reports.stores.objects import StoredObject
from provincial_reports.tools.builders.files import csv_bytes, parquet_bytes, upload, xlsx_bytes
from provincial_reports.tools.builders.relief_disbursements import RECORDS, identity_number, record, records
from provincial_reports.validate import batch_results, record_pass

SOURCE = "360000/2025-01/records.csv"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A landing zone and lake of the test's own; these tests need no warehouse."""
    (tmp_path / "landing").mkdir()
    monkeypatch.setenv("REPORTS_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("REPORTS_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("REPORTS_PSEUDONYM_KEY", KEY)
    return tmp_path


def answer_for(root: Path, data: bytes, source: str = SOURCE) -> dict:
    path = upload(root / "landing", source, data)
    arrival = arrival_of(StoredObject(source, len(data), datetime.fromtimestamp(path.stat().st_mtime, UTC)), data)
    return pipeline.process(arrival.to_dict())


def failures_of(root: Path, rows: list[dict]) -> list[str]:
    answer = answer_for(root, csv_bytes(RECORDS, rows))
    assert answer["outcome"] == "rejected"
    return answer["failures"]


def test_a_valid_file_is_accepted_with_its_rows(folders):
    answer = answer_for(folders, csv_bytes(RECORDS, records(7)))
    assert answer["outcome"] == "accepted", answer["failures"]
    assert answer["report_type"] == "relief_disbursements"
    assert answer["rows_read"] == 7
    assert (folders / "lake" / answer["parquet_location"]).exists()


def test_cells_are_read_without_the_spaces_around_them(folders):
    """Spaces, tabs and full-width spaces around a cell, as the summary reports' cells are read."""
    rows = records(3)
    rows[0] = {name: f" {value}\t" for name, value in rows[0].items()}
    rows[1] = {name: f"\u3000{value}\u3000" for name, value in rows[1].items()}
    answer = answer_for(folders, csv_bytes(RECORDS, rows))
    assert answer["outcome"] == "accepted", answer["failures"]
    loaded = pq.read_table(folders / "lake" / answer["parquet_location"]).to_pylist()
    assert [r["org_unit_code"] for r in loaded] == ["360102"] * 3
    assert [r["beneficiary_category"] for r in loaded] == [r["beneficiary_category"] for r in records(3)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"beneficiary_id": "36010219800101001"}, "18-character resident identity number"),
        ({"beneficiary_id": "3601021980010100110"}, "18-character resident identity number"),
        ({"beneficiary_id": None}, "公民身份号码 (beneficiary_id): required"),
        ({"beneficiary_category": "retired"}, "must be one of hardship"),
        ({"amount_yuan": "0"}, "must be above 0"),
        ({"amount_yuan": "-50"}, "must be above 0"),
        ({"amount_yuan": "10000.01"}, "at most the declared cap"),
        ({"amount_yuan": "abc"}, "amount in yuan with at most 2 decimals"),
        ({"amount_yuan": "12.345"}, "amount in yuan with at most 2 decimals"),
        ({"paid_on": "2025-02-01"}, "inside the reporting period"),
        ({"paid_on": "2024-12-31"}, "inside the reporting period"),
        ({"paid_on": "31/01/2025"}, "must be a date YYYY-MM-DD"),
        ({"period": "2025-02"}, "reporting period of the upload folder"),
        ({"org_unit_code": "320102"}, "this province or of one of its cities or counties"),
        ({"org_unit_code": None}, "发放单位代码 (org_unit_code): required"),
    ],
)
def test_each_cell_rule_rejects_with_the_row(folders, change, expected):
    rows = records(4)
    rows[2] = record(2, **change)
    failures = failures_of(folders, rows)
    assert any(expected in f for f in failures), failures
    assert any("row 4" in f for f in failures), failures  # the header is row 1


def test_a_wrong_check_digit_is_named_and_masked(folders):
    rows = records(3)
    good = rows[1]["beneficiary_id"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    rows[1]["beneficiary_id"] = wrong
    failures = failures_of(folders, rows)
    assert any("check digit" in f and "MOD 11-2" in f and "row 3" in f for f in failures), failures
    assert wrong not in json.dumps(failures)
    assert any(f"{wrong[:6]}********{wrong[-4:]}" in f for f in failures), failures


def test_a_lower_case_x_check_character_is_accepted(folders):
    n = next(n for n in range(200) if record(n)["beneficiary_id"].endswith("X"))
    rows = [record(n, beneficiary_id=record(n)["beneficiary_id"].lower())]
    assert answer_for(folders, csv_bytes(RECORDS, rows))["outcome"] == "accepted"


@pytest.mark.parametrize(
    ("born", "why"),
    [("19800230", "not a real date"), ("20150101", "too young"), ("18900101", "too old")],
)
def test_an_implausible_birth_date_rejects(folders, born, why):
    rows = records(3)
    rows[0]["beneficiary_id"] = identity_number(0, born=born)
    failures = failures_of(folders, rows)
    assert any("real birth date" in f and "row 2" in f for f in failures), (why, failures)


def test_the_same_payment_twice_is_a_duplicate(folders):
    rows = records(4)
    rows.append(dict(rows[1]))
    failures = failures_of(folders, rows)
    assert any("same amount on the same day twice" in f and "rows 3, 6" in f for f in failures), failures


def test_many_repeated_payments_are_counted_and_the_first_ones_listed(folders):
    rows = records(15)
    rows += [dict(r) for r in rows[:12]]  # rows 2-13 repeated as rows 17-28
    failures = [f for f in failures_of(folders, rows) if "same amount on the same day twice" in f]
    assert len(failures) == 1, failures
    assert "rows 2, 17" in failures[0] and "rows 10, 25" in failures[0], failures
    assert "rows 11, 26" not in failures[0] and "12 repeated payments in all" in failures[0], failures


def test_a_rule_broken_on_many_rows_says_how_many_in_all(folders):
    rows = records(15)
    for row in rows:
        row["paid_on"] = "2024-12-31"
    failures = [f for f in failures_of(folders, rows) if "inside the reporting period" in f]
    assert len(failures) == 1 and "row 10:" in failures[0] and "row 11:" not in failures[0], failures
    assert "15 rows in all" in failures[0], failures


def test_same_person_paid_on_two_days_is_not_a_duplicate(folders):
    rows = records(3)
    rows.append({**rows[0], "paid_on": "2025-01-20"})
    assert answer_for(folders, csv_bytes(RECORDS, rows))["outcome"] == "accepted"


def test_a_header_only_file_has_no_rows(folders):
    failures = failures_of(folders, [])
    assert any("at least one data row" in f for f in failures), failures


def test_a_missing_column_and_a_short_row_are_named(folders):
    data = csv_bytes(RECORDS, records(3)).replace("发放日期".encode(), "备注".encode())
    data += b"2025-01,360102\n"
    answer = answer_for(folders, data)
    text = "\n".join(answer["failures"])
    assert "missing column 发放日期 (paid_on)" in text
    assert "unrecognised column '备注'" in text
    assert "has 2 cells, the header 6" in text


def test_chinese_category_labels_are_read_as_codes(folders):
    rows = [record(0, beneficiary_category="农民工"), record(1, beneficiary_category=" Model ")]
    assert answer_for(folders, csv_bytes(RECORDS, rows))["outcome"] == "accepted"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_csv_are_read(folders, encoding):
    answer = answer_for(folders, csv_bytes(RECORDS, records(4), encoding=encoding))
    assert answer["outcome"] == "accepted", answer["failures"]


def test_a_parquet_upload_is_read_and_checked(folders):
    good = answer_for(folders, parquet_bytes(RECORDS, records(4)), "360000/2025-01/records.parquet")
    assert good["outcome"] == "accepted", good["failures"]
    rows = records(4)
    rows[3]["amount_yuan"] = "20000"
    bad = answer_for(folders, parquet_bytes(RECORDS, rows), "360000/2025-01/records-2.parquet")
    assert bad["outcome"] == "rejected"
    assert any("at most the declared cap" in f and "row 4" in f for f in bad["failures"]), bad["failures"]


def test_a_damaged_parquet_file_is_answered(folders):
    answer = answer_for(folders, b"PAR1 this is not parquet", "360000/2025-01/broken.parquet")
    assert answer["outcome"] == "rejected"
    assert any("not a readable Parquet file" in f for f in answer["failures"]), answer["failures"]


def test_records_sent_as_xlsx_are_refused_and_not_copied(folders):
    answer = answer_for(folders, xlsx_bytes(RECORDS, [record(0)]), "360000/2025-01/records.xlsx")
    assert answer["outcome"] == "rejected"
    assert any("CSV (UTF-8 or GBK) or Parquet only" in f for f in answer["failures"]), answer["failures"]
    assert not [p for p in (folders / "lake").rglob("*.xlsx")]


def test_a_bad_row_in_the_last_batch_rejects_the_file(folders, monkeypatch):
    monkeypatch.setattr(record_pass, "BATCH_ROWS", 10)
    rows = records(45)
    rows[44]["amount_yuan"] = "0"
    answer = answer_for(folders, csv_bytes(RECORDS, rows))
    assert answer["outcome"] == "rejected"
    assert any("must be above 0" in f and "row 46" in f for f in answer["failures"]), answer["failures"]
    assert not list((folders / "lake").rglob("*.parquet"))  # nothing of the file reaches the lake
    document = json.loads((folders / "lake" / answer["result_location"]).read_text())
    assert document["meta"]["batches"] == 5
    between = next(r for r in document["results"] if r["expectation_config"]["type"].endswith("to_be_between"))
    assert between["result"]["element_count"] == 45  # one result for the file, not per batch
    assert between["result"]["unexpected_count"] == 1


def test_counts_and_listed_rows_add_up_across_batches(folders, monkeypatch):
    monkeypatch.setattr(record_pass, "BATCH_ROWS", 10)
    rows = records(30)
    for n in (3, 15, 27):
        rows[n]["beneficiary_category"] = "retired"
    answer = answer_for(folders, csv_bytes(RECORDS, rows))
    document = json.loads((folders / "lake" / answer["result_location"]).read_text())
    in_set = next(
        r
        for r in document["results"]
        if r["expectation_config"]["type"] == "expect_column_values_to_be_in_set"
        and r["expectation_config"]["kwargs"]["column"] == "beneficiary_category"
    )
    assert in_set["success"] is False
    assert in_set["result"]["unexpected_count"] == 3
    assert [r["source_row"] for r in in_set["result"]["partial_unexpected_index_list"]] == [5, 17, 29]


def test_a_file_whose_every_row_is_wrong_quotes_the_first_rows_and_counts_the_rest(folders, monkeypatch):
    monkeypatch.setattr(record_pass, "BATCH_ROWS", 10)
    rows = records(45)
    for row in rows:
        row["beneficiary_category"] = "retired"
    answer = answer_for(folders, csv_bytes(RECORDS, rows))
    failure = next(f for f in answer["failures"] if "beneficiary_category" in f)
    assert "row 2: 'retired'" in failure and "row 11: 'retired'" in failure, failure
    assert "row 12" not in failure and failure.endswith("; 45 rows in all (共45行)"), failure
    document = json.loads((folders / "lake" / answer["result_location"]).read_text())
    in_set = next(
        r for r in document["results"] if r["expectation_config"]["kwargs"].get("column") == "beneficiary_category"
    )
    assert in_set["result"]["unexpected_count"] == 45
    assert in_set["result"]["partial_unexpected_index_list"][0] == {"source_row": 2, "beneficiary_category": "retired"}
    assert len(in_set["result"]["partial_unexpected_index_list"]) == 10


def test_without_a_key_identity_numbers_are_not_processed(folders, monkeypatch):
    monkeypatch.delenv("REPORTS_PSEUDONYM_KEY")
    rows = records(2)
    with pytest.raises(MissingPseudonymKey, match="refusing"):
        answer_for(folders, csv_bytes(RECORDS, rows))
    # Only the note of why the file is left unanswered (issue 18) reaches the lake: nothing of its rows.
    written = [p for p in (folders / "lake").rglob("*") if p.is_file()]
    assert [p.parent.name for p in written] == ["unanswered"]
    note = written[0].read_text()
    assert "REPORTS_PSEUDONYM_KEY" in note
    assert not any(row["beneficiary_id"] in note for row in rows)


@pytest.mark.parametrize("block_bytes", [4096, 8 * 1024 * 1024])  # in a later block, or in the first
def test_bytes_that_are_not_text_deep_in_the_file_reject_it(folders, monkeypatch, block_bytes):
    monkeypatch.setattr(read_batches, "CSV_BLOCK_BYTES", block_bytes)
    data = csv_bytes(RECORDS, records(3000)) + b"2025-01,360102,\xff\xfe\xfa,model,800.00,2025-01-02\n"
    answer = answer_for(folders, data)
    assert answer["outcome"] == "rejected"
    assert any("read" in f and "invalid UTF8" in f for f in answer["failures"]), answer["failures"]


def test_a_large_csv_is_read_ahead_only_a_little(tmp_path: Path):
    """Arrow's CSV reader reads ahead of its consumer: with blocks too large, a worker once held
    300 MB of a 5-million-row file at a time. The read-ahead must stay small whatever the size."""
    header, *lines = csv_bytes(RECORDS, records(1000)).splitlines(keepends=True)
    path = tmp_path / "large.csv"
    path.write_bytes(header + b"".join(lines) * 1800)  # 1.8 million rows, about 110 MB
    source = read_batches.open_batches(path, path.name, RECORDS)
    held = []
    for n, _batch in enumerate(source.batches):
        if n % 20 == 0:
            time.sleep(0.2)  # time for the reader to run ahead as far as it will
            held.append(pa.total_allocated_bytes())
    assert path.stat().st_size > 100 * 2**20
    assert max(held) < 48 * 2**20, [h // 2**20 for h in held]


def test_a_validated_batch_is_freed_once_the_next_is_validated():
    """GX leaves reference cycles behind (pyparsing's caught exceptions and their frames), which
    held each batch's frame until Python's cycle collector ran: 200 MB more per worker over 16
    large files. With automatic collection off, only the collection after each GX call frees it.
    (GX itself keeps the last batch it validated.)"""
    n = 1000
    batch = pa.RecordBatch.from_pydict(
        {
            "source_row": pa.array(range(2, n + 2), pa.int64()),
            "period": ["2025-01"] * n,
            "org_unit_code": ["360102"] * n,
            "beneficiary_category": ["model"] * n,
            "amount_value": [800.0] * n,
        }
    )
    parameters = {
        "period": ["2025-01"],
        "records_unit_pattern": r"^36\d{4}$",
        "categories": ["model"],
        "amount_cap_yuan": 5000,
    }
    first = batch_results.gx_frame(batch)
    alive = weakref.ref(first)
    gc.disable()
    try:
        assert batch_results.batch_suite_result(RECORDS, first, parameters)["success"]
        del first
        assert batch_results.batch_suite_result(RECORDS, batch_results.gx_frame(batch), parameters)["success"]
        assert alive() is None
    finally:
        gc.enable()
