"""A file's validation result document as rows for mart.validation_results, for BI tools, and its
failed rules in words for mart.findings, which its receipt lists.

The document in the lake stays the full record; the rows keep what a data-quality chart needs:
which rule, which column, passed or not, how many offending values and a sample of them; the
findings keep each failed rule's words as the file's answer gave them (validate/verdict.py).
"""

from __future__ import annotations

import json

import pyarrow as pa

from provincial_reports.declarations import ReportType, report_types
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse
from provincial_reports.validate.verdict import finding, severity_of
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


FINDINGS = pa.schema(
    {
        "submission_id": pa.string(),
        "position": pa.int32(),
        "rule": pa.string(),
        "severity": pa.string(),
        "column_name": pa.string(),
        "source_rows": pa.string(),
        "zh": pa.string(),
        "en": pa.string(),
    }
)
# Rejected files loaded before their findings were kept (ingest.findings came with issue 15).
WITHOUT_FINDINGS = """
SELECT s.submission_id, s.report_type, s.result_location
FROM ingest.submissions AS s
WHERE s.outcome = 'rejected'
    AND NOT EXISTS (SELECT 1 FROM ingest.findings AS f WHERE f.submission_id = s.submission_id)
ORDER BY s.submission_id
"""


def result_rows(lake: Store, answer: Answer, checked_in_load: list[dict] = ()) -> tuple[pa.Table, pa.Table]:
    """The rows of mart.validation_results and of mart.findings, from one read of the document, and
    of the results of rules checked in the load itself, after the document's (an explanation
    file's match, load/explanations.py: the document keeps what the file alone showed)."""
    document = json.loads(lake.read(answer.result_location))
    document["results"] += checked_in_load
    submission_id = answer.arrival.submission_id
    rows = [_row(submission_id, position, r) for position, r in enumerate(document["results"])]
    return pa.Table.from_pylist(rows, schema=SCHEMA), finding_rows(document, submission_id, answer.report_type)


def finding_rows(document: dict, submission_id: str, report_type: str | None) -> pa.Table:
    declared = report_types().get(report_type) if report_type else None
    findings = [
        _finding_row(submission_id, position, r, declared)
        for position, r in enumerate(document["results"])
        if not r["success"]
    ]
    return pa.Table.from_pylist(findings, schema=FINDINGS)


def missing_findings(warehouse: Warehouse, lake: Store) -> list[pa.Table]:
    """The findings of rejected files a warehouse made before they were kept, from their result
    documents in the lake, so that every rejected file's receipt lists why: once per warehouse,
    since a load keeps each new file's findings with it."""
    return [
        finding_rows(json.loads(lake.read(r["result_location"])), r["submission_id"], r["report_type"])
        for r in warehouse.query(WITHOUT_FINDINGS)
    ]


def _finding_row(submission_id: str, position: int, result: dict, report_type: ReportType | None) -> dict:
    words = finding(result, report_type)
    return {
        **words,
        "submission_id": submission_id,
        "position": position,
        "severity": severity_of(result),
        "source_rows": json.dumps(words["source_rows"]),
    }


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
