"""Explanations into `ingest.explanations`, inside the load's transaction (load/transaction.py), once
the run's submissions, their figures and their locks are in, so an explanation may arrive in the
same run as the file it explains.

An explanation file explains the file in force (`status = 'accepted'` in staging.stg_submissions)
of its province and period whose report type declares the metric a row names; the unit must have
a row in that file. A file with any row that matches none (no file in force reports the metric,
two do, or the unit is not in it) is rejected whole, recording nothing, with every such row named
in its answer (the rule EXPLAINED_FILE, after the rules of its result document). A 说明 sheet
explains its own submission and was checked against it when read. Explanation files keep their
ledger row under the report type `explanations`, which no report counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pyarrow as pa

from provincial_reports.declarations import EXPLANATIONS, report_types
from provincial_reports.load.ledger import insert_ledger_row
from provincial_reports.load.validation_results import result_rows
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse
from provincial_reports.validate.explanations import EXPLAINED_FILE
from provincial_reports.validate.verdict import check_result, explain
from provincial_reports.write import Answer

IN_FORCE = """
SELECT submission_id, report_type, source
FROM staging.stg_submissions
WHERE status = 'accepted' AND province_code = ? AND period = ? AND report_type <> ?
ORDER BY submission_id
"""
UNITS = "SELECT DISTINCT org_unit_code FROM staging.stg_figures WHERE submission_id = ?"
SCHEMA = pa.schema(
    {
        "submission_id": pa.string(),
        "org_unit_code": pa.string(),
        "metric": pa.string(),
        "explanation": pa.string(),
        "explained_by": pa.string(),
        "explained_at": pa.timestamp("us"),
        "source_id": pa.string(),
    }
)


def is_explanation_file(answer: Answer) -> bool:
    return answer.report_type == EXPLANATIONS


def record_explanations(warehouse: Warehouse, lake: Store, answers: list[Answer], counted: list[Answer]) -> None:
    """Each new explanation file with its ledger row and answer, then the 说明 sheets of the files
    counted in this load."""
    for answer in answers:
        if is_explanation_file(answer):
            _record_explanation_file(warehouse, lake, answer)
    for answer in counted:
        if answer.explanations:
            _insert(
                warehouse,
                answer,
                [{**row, "submission_id": answer.arrival.submission_id} for row in answer.explanations],
            )


def _record_explanation_file(warehouse: Warehouse, lake: Store, answer: Answer) -> None:
    matched, checked = [], []
    if answer.outcome == "accepted":
        matched, problems = _matched(warehouse, answer)
        checked = [check_result(EXPLAINED_FILE, problems)]
        if problems:
            answer = replace(answer, outcome="rejected", failures=[*answer.failures, explain(checked[0], None)])
    insert_ledger_row(warehouse, answer)
    results, findings = result_rows(lake, answer, checked)
    warehouse.insert_arrow("ingest.validation_results", results)
    warehouse.insert_arrow("ingest.findings", findings)
    if answer.outcome == "accepted":
        _insert(warehouse, answer, matched)


def _matched(warehouse: Warehouse, answer: Answer) -> tuple[list[dict], list[str]]:
    """The file's rows, each with the submission it explains, and the rows that explain none."""
    arrival, declared = answer.arrival, report_types()
    in_force = warehouse.query(IN_FORCE, [arrival.province_code, arrival.period, EXPLANATIONS])
    matched, problems = [], []
    for row in answer.explanations:
        files = [f for f in in_force if row["metric"] in {c.name for c in declared[f["report_type"]].metrics}]
        where = f"row {row['source_row']}: {row['metric']} of {row['org_unit_code']}"
        if not files:
            problems.append(
                f"{where}: no file in force for {arrival.province_code} {arrival.period} reports it"
                " (本期没有现行有效的相应报表)"
            )
        elif len(files) > 1:
            problems.append(f"{where}: {len(files)} files in force report it (多个报表均含该指标)")
        elif row["org_unit_code"] not in {
            u["org_unit_code"] for u in warehouse.query(UNITS, [files[0]["submission_id"]])
        }:
            problems.append(f"{where}: the unit is not in {files[0]['source']} (现行文件中没有该单位)")
        else:
            matched.append({**row, "submission_id": files[0]["submission_id"]})
    return matched, problems


def _insert(warehouse: Warehouse, answer: Answer, rows: list[dict]) -> None:
    """`rows` as explained by the file `answer`, at the moment it was received (UTC)."""
    explained_at = datetime.fromisoformat(answer.arrival.received_at).replace(tzinfo=None)
    table = pa.Table.from_pylist(
        [
            {
                **{k: row[k] for k in SCHEMA.names if k in row},
                "explained_at": explained_at,
                "source_id": answer.arrival.submission_id,
            }
            for row in rows
        ],
        schema=SCHEMA,
    )
    warehouse.insert_arrow("ingest.explanations", table)
