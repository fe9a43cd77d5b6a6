"""Bulk inserts keep every value as it was, on both engines: the texts provinces write (empty,
quoted, on several lines, Chinese, COPY's own end marker), nulls, decimals, dates and booleans."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa

from provincial_reports.stores import warehouse as warehouses

ROWS = pa.table(
    {
        "label": pa.array(["", None, 'say "hi"', "two\nlines", "\\.", "北京市, 东城区", "a\\nb", " padded "]),
        "amount": pa.array(
            [Decimal("1.50"), None, Decimal("-2.00"), Decimal("0.01"), Decimal("999999999999.99")] + [Decimal(0)] * 3,
            pa.decimal128(14, 2),
        ),
        "paid_on": pa.array([datetime.date(2025, 1, 5), None, *[datetime.date(1999, 12, 31)] * 6], pa.date32()),
        "flag": pa.array([True, False, None, True, True, False, True, True]),
        "n": pa.array([1, None, -3, 2**40, 0, 5, 6, 7], pa.int64()),
    }
)


def test_bulk_inserted_values_come_back_unchanged(warehouse_url, monkeypatch):
    monkeypatch.setattr(warehouses, "COPY_BATCH_ROWS", 3)  # several COPY chunks, one row cut across none
    warehouse = warehouses.connect(warehouse_url)
    try:
        columns = "position INTEGER, label VARCHAR, amount DECIMAL(14, 2), paid_on DATE, flag BOOLEAN, n BIGINT"
        warehouse.execute(f"CREATE TABLE t ({columns})")
        with warehouse.transaction():
            warehouse.insert_arrow("t", ROWS.add_column(0, "position", pa.array(range(ROWS.num_rows), pa.int32())))
        back = warehouse.query("SELECT label, amount, paid_on, flag, n FROM t ORDER BY position")
    finally:
        warehouse.close()
    assert back == ROWS.to_pylist()
