"""Synthetic records submissions (relief_disbursements) for the benchmark: N rows across the 31
provinces, one CSV per province as uploaded.

Every row is valid (real check digits, plausible birth dates, no duplicate payment), so the
benchmark measures the whole path of an accepted file. The rows are the records builder's
(provincial_reports.tools.builders.relief_disbursements.province_table), built column-wise with
Arrow compute, so generating ten million rows takes seconds, not the benchmark's time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow.csv as pacsv

from provincial_reports.declarations import provinces
from provincial_reports.tools.builders.relief_disbursements import PERIOD, province_table


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
