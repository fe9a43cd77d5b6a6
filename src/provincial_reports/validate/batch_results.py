"""Great Expectations on a file read in batches: the suite runs on each batch, and the batches'
results are merged into one result for the file, so that a bad row in the last batch rejects the
file like one in the first, and the result stays small however many batches there are.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from provincial_reports.declarations import ReportType
from provincial_reports.read import SOURCE_ROW
from provincial_reports.validate.suites import run_suite
from provincial_reports.validate.verdict import MAX_LISTED

GX_COLUMNS = ("period", "org_unit_code", "beneficiary_category", "amount_yuan")
# A batch is first checked for counts only (BASIC); only a failing batch is checked again for its
# first offending rows (SUMMARY), named by the frame's index, the row numbers. A COMPLETE result,
# or rows named by unexpected_index_column_names, makes GX look up every offending row one by one,
# which costs minutes and gigabytes on a file whose every row is wrong.
COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": MAX_LISTED}
FIRST_ROWS = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_LISTED}
SUMMED = ("element_count", "unexpected_count", "missing_count")
# Not partial_unexpected_counts: each batch counts only its own most common values, and their
# sum over batches would pass for the file's counts without being them.
LISTED = ("partial_unexpected_list", "partial_unexpected_index_list")


def batch_suite_result(report_type: ReportType, frame: pd.DataFrame, parameters: dict) -> dict:
    """GX's result on one batch, its offending rows quoted as in a whole file's result: the row
    number and the cell's value, the first MAX_LISTED of them."""
    result = run_suite(report_type, frame, parameters, COUNTS_ONLY)
    if result["success"]:
        return result
    result = run_suite(report_type, frame, parameters, FIRST_ROWS)
    for checked in result["results"]:
        found, column = checked["result"], checked["expectation_config"]["kwargs"].get("column")
        if column and "partial_unexpected_index_list" in found:
            rows, values = found["partial_unexpected_index_list"], found["partial_unexpected_list"]
            found["partial_unexpected_index_list"] = [
                {SOURCE_ROW: n, column: v} for n, v in zip(rows, values, strict=True)
            ]
    return result


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in GX_COLUMNS})


def gx_frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """The columns the suite checks, indexed by row number. Text stays in Arrow (pandas'
    ArrowDtype): the same results as object columns, without a Python string per cell, and GX's
    null and set checks run on it faster; numbers become floats, NaN where empty."""
    names = [c if c != "amount_yuan" else "amount_value" for c in GX_COLUMNS]
    frame = pd.DataFrame(
        {column: _gx_series(batch.column(name)) for column, name in zip(GX_COLUMNS, names, strict=True)}
    )
    frame.index = pd.Index(batch.column(SOURCE_ROW).to_numpy())
    return frame


def _gx_series(values: pa.Array) -> pd.Series:
    if pa.types.is_string(values.type):
        return pd.Series(pd.arrays.ArrowExtensionArray(values))
    return pd.Series(values.to_numpy(zero_copy_only=False))


def merge_batch_result(merged: dict | None, batch: dict) -> dict:
    """The file's GX result so far with one more batch's: an expectation succeeds if it did in
    every batch, counts add up, and only the file's first MAX_LISTED rows and values are kept, so
    the result stays small however many batches and broken rows there are."""
    if merged is None:
        merged = {**batch, "results": [{**r, "result": {}} for r in batch["results"]], "meta": {**batch["meta"]}}
        merged["meta"]["batches"] = 0
    for total, part in zip(merged["results"], batch["results"], strict=True):
        total["success"] = total.get("success", True) and part["success"]
        found, new = total["result"], part["result"]
        for name in SUMMED:
            if name in new:
                found[name] = found.get(name, 0) + (new[name] or 0)
        for name in LISTED:
            if name in new:
                found[name] = (found.get(name, []) + (new[name] or []))[:MAX_LISTED]
        if found.get("element_count"):
            found["unexpected_percent"] = 100.0 * found.get("unexpected_count", 0) / found["element_count"]
    merged["success"] = all(r["success"] for r in merged["results"])
    merged["meta"]["batches"] += 1
    return merged
