"""Synthetic relief_disbursements submissions for the benchmark: N rows across the 31 provinces.

Every row is valid (real check digits, plausible birth dates, no duplicate payment), so the
benchmark measures the whole path of an accepted file. Built column-wise with Arrow compute, so
generating ten million rows takes seconds, not the benchmark's time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from provincial_reports.declarations import provinces
from provincial_reports.validate.resident_id import check_characters

PERIOD = "2025-01"
CATEGORIES = np.array(["hardship", "migrant", "new_forms", "frontline", "model"])
AMOUNTS = np.array(["300.00", "500.00", "800.00", "1000.00", "1500.50", "2000.00"])
UNITS = 400  # county-level codes per province: XX + city 01-20 + county 01-20
BIRTH_DAYS = 18_000  # births spread over 1955-01-01 .. 2004-04
MAX_ROWS_PER_PROVINCE = UNITS * BIRTH_DAYS * 1000  # distinct identity numbers per province


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def province_table(prefix: str, rows: int) -> pa.Table:
    """`rows` distinct beneficiaries of one province, one payment each, in January 2025."""
    if rows > MAX_ROWS_PER_PROVINCE:
        raise ValueError(f"at most {MAX_ROWS_PER_PROVINCE} rows per province")
    i = np.arange(rows, dtype=np.int64)
    unit = i % UNITS
    units = pc.binary_join_element_wise(prefix, _digits(unit // 20 + 1, 2), _digits(unit % 20 + 1, 2), "")
    births = np.datetime64("1955-01-01") + ((i // UNITS) % BIRTH_DAYS).astype("timedelta64[D]")
    birth_text = pc.strftime(pa.array(births), "%Y%m%d")
    body = pc.binary_join_element_wise(units, birth_text, _digits(i // (UNITS * BIRTH_DAYS), 3), "")
    ids = pc.binary_join_element_wise(body, check_characters(pc.binary_join_element_wise(body, "0", "")), "")
    paid = np.datetime64(f"{PERIOD}-01") + (i % 31).astype("timedelta64[D]")
    return pa.table(
        {
            "period": pa.array(np.full(rows, PERIOD)),
            "org_unit_code": units,
            "beneficiary_id": ids,
            "beneficiary_category": pa.array(CATEGORIES[i % len(CATEGORIES)]),
            "amount_yuan": pa.array(AMOUNTS[(i // 7) % len(AMOUNTS)]),
            "paid_on": pc.strftime(pa.array(paid), "%Y-%m-%d"),
        }
    )


def generate(root: Path, total_rows: int, province_count: int = 31) -> list[Path]:
    """One CSV per province under <root>/<province>/<period>/, as provinces upload them."""
    codes = sorted(provinces())[:province_count]
    files = []
    for n, code in enumerate(codes):
        rows = total_rows // len(codes) + (1 if n < total_rows % len(codes) else 0)
        path = root / code / PERIOD / f"relief-{code}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(province_table(code[:2], rows), path, pacsv.WriteOptions(quoting_style="none"))
        files.append(path)
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--provinces", type=int, default=31)
    args = parser.parse_args()
    print(f"{len(generate(args.root, args.rows, args.provinces))} files written under {args.root}")
