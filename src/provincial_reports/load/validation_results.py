"""A file's validation result document as rows for mart.validation_results, for BI tools.

The document in the lake stays the full record; the rows keep what a data-quality chart needs:
which rule, which column, passed or not, how many offending values and a sample of them.
"""

from __future__ import annotations

import json

import pyarrow as pa

from provincial_reports.stores.objects import Store
from provincial_reports.write import Answer

SAMPLE_SIZE = 10
SCHEMA = pa.schema(
    {
        "submission_id": pa.string(),
        "position": pa.int32(),
        "expectation": pa.string(),
        "column_name": pa.string(),
        "success": pa.bool_(),
        "unexpected_count": pa.int64(),
        "offending_sample": pa.string(),
    }
)


def validation_rows(lake: Store, answer: Answer) -> pa.Table:
    document = json.loads(lake.read(answer.result_location))
    return pa.Table.from_pylist(
        [_row(answer.arrival.submission_id, position, r) for position, r in enumerate(document["results"])],
        schema=SCHEMA,
    )


def _row(submission_id: str, position: int, result: dict) -> dict:
    config, found = result["expectation_config"], result.get("result") or {}
    kwargs = config.get("kwargs") or {}
    column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or []) or None
    return {
        "submission_id": submission_id,
        "position": position,
        "expectation": config["type"],
        "column_name": column,
        "success": bool(result["success"]),
        "unexpected_count": found.get("unexpected_count"),
        "offending_sample": _sample(found) if not result["success"] else None,
    }


def _sample(found: dict) -> str | None:
    """What the rule found wrong: offending values, rows with their values, values missing, or what GX observed."""
    listed = found.get("partial_unexpected_list") or found.get("unexpected_index_list") or []
    if not listed and found.get("partial_missing_list"):
        listed = [f"missing {value}" for value in found["partial_missing_list"]]
    if not listed and found.get("observed_value") is not None:
        listed = [found["observed_value"]]
    return json.dumps(listed[:SAMPLE_SIZE], ensure_ascii=False, default=str) if listed else None
