"""Step 5, load: the run's answers into the warehouse, in one transaction.

The ledger row and the figures of a submission commit together, with the views refreshed in the
same transaction: a crash leaves the warehouse as it was, and a rerun skips what the ledger
already holds, so nothing is counted twice.
"""

from __future__ import annotations

import io
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from provincial_reports import failpoints
from provincial_reports.declarations import DECLARATIONS, ReportType, provinces, report_types
from provincial_reports.disbursements import load_records
from provincial_reports.storage import Store
from provincial_reports.validation_results import validation_rows
from provincial_reports.warehouse import Warehouse, create_tables, create_views

FIGURE_VALUE = pa.decimal128(38, 4)  # wide enough for any int64 count and any decimal(18, 4)
LEDGER_COLUMNS = (
    "submission_id",
    "source",
    "sha256",
    "size_bytes",
    "received_at",
    "processed_at",
    "report_type",
    "province_code",
    "period",
    "outcome",
    "reason",
    "rows_read",
    "raw_location",
    "result_location",
    "parquet_location",
)
# The review rules' thresholds (core.review_rules) where a report type's declaration has no
# `review:` section, or leaves a rule or a setting out: the values the SQL once had written in.
REVIEW_DEFAULTS = {
    "factor_of_10": {"threshold": 10.0, "min_previous_periods": 1},
    "robust_z": {"threshold": 3.5, "min_previous_periods": 3},
}


def ledger_keys(warehouse: Warehouse) -> set[tuple[str, str]]:
    create_tables(warehouse)
    return {(r["source"], r["sha256"]) for r in warehouse.query("SELECT source, sha256 FROM ingest.submissions")}


def load_answers(warehouse: Warehouse, lake: Store, answers: list[dict]) -> int:
    """Returns how many submissions were new to the ledger."""
    with warehouse.transaction():
        create_tables(warehouse)
        _refresh_declarations(warehouse)
        known = {r["submission_id"] for r in warehouse.query("SELECT submission_id FROM ingest.submissions")}
        new = [a for a in answers if a["submission_id"] not in known]
        for number, answer in enumerate(new):
            _insert_ledger_row(warehouse, answer)
            warehouse.insert_arrow("ingest.validation_results", validation_rows(lake, answer))
            if answer["outcome"] == "accepted" and not _is_records(answer):
                warehouse.insert_arrow("core.figures", _figures(lake, answer))
            if number == 0:
                failpoints.hit("mid_load")  # the first submission written, the others not yet
        load_records(warehouse, lake, [a for a in new if a["outcome"] == "accepted" and _is_records(a)])
        create_views(warehouse)
        failpoints.hit("before_commit")
    failpoints.hit("after_commit")
    return len(new)


def _is_records(answer: dict) -> bool:
    return report_types()[answer["report_type"]].streamed


def _refresh_declarations(warehouse: Warehouse) -> None:
    """The warehouse's report types, provinces, metrics and review rules made equal to the YAML declarations."""
    for table, rows in (
        ("core.report_types", _report_type_rows()),
        ("core.provinces", _province_rows()),
        ("core.metrics", _metric_rows()),
        ("core.review_rules", _review_rule_rows()),
    ):
        warehouse.execute(f"DELETE FROM {table}")
        warehouse.insert_arrow(table, rows)


def _report_type_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"report_type": rt.name, "title_zh": rt.title_zh, "title_en": rt.title_en, "due_day": rt.due_day}
            for rt in report_types().values()
        ],
        schema=pa.schema(
            [
                ("report_type", pa.string()),
                ("title_zh", pa.string()),
                ("title_en", pa.string()),
                ("due_day", pa.int32()),
            ]
        ),
    )


def _province_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [{"province_code": p.code, "name_zh": p.name_zh, "name_en": p.name_en} for p in provinces().values()]
    )


def _metric_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "report_type": rt.name,
                "metric": c.name,
                "label_zh": c.label_zh,
                "unit": c.unit,
                "value_type": c.type,
                "position": position,
            }
            for rt in report_types().values()
            for position, c in enumerate(rt.columns)
            if c.is_metric
        ]
    )


def _review_rule_rows() -> pa.Table:
    """One row per report type and review rule: its thresholds from the optional `review:` section
    of the report type's declaration, for instance

        review:
          robust_z: {threshold: 5, min_previous_periods: 4}

    and REVIEW_DEFAULTS for whatever it leaves out. An unknown rule or setting, a threshold not
    above zero or fewer than one previous period is refused, not ignored."""
    rows = []
    for rt in report_types().values():
        declared = _review_section(rt.name)
        unknown = {r for r in declared if r not in REVIEW_DEFAULTS} | {
            f"{r}.{k}"
            for r in declared.keys() & REVIEW_DEFAULTS.keys()
            for k in declared[r] or {}
            if k not in REVIEW_DEFAULTS[r]
        }
        if unknown:
            raise ValueError(f"{rt.name}: unknown in review: {sorted(unknown)}; known: {REVIEW_DEFAULTS}")
        for rule, default in REVIEW_DEFAULTS.items():
            setting = {**default, **(declared.get(rule) or {})}
            row = {
                "report_type": rt.name,
                "rule": rule,
                "threshold": float(setting["threshold"]),
                "min_previous_periods": int(setting["min_previous_periods"]),
            }
            if row["threshold"] <= 0 or row["min_previous_periods"] < 1:
                raise ValueError(f"{rt.name}: review: {rule}: {setting} (threshold > 0, min_previous_periods >= 1)")
            rows.append(row)
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("report_type", pa.string()),
                ("rule", pa.string()),
                ("threshold", pa.float64()),
                ("min_previous_periods", pa.int32()),
            ]
        ),
    )


def _review_section(report_type: str) -> dict:
    """The `review:` section of a report type's declaration; empty when it has none."""
    document = yaml.safe_load((DECLARATIONS / f"{report_type}.yaml").read_text(encoding="utf-8"))
    return document.get("review") or {}


def _insert_ledger_row(warehouse: Warehouse, answer: dict) -> None:
    row = {**answer, "size_bytes": answer["size"], "reason": "\n".join(answer["failures"]) or None}
    for moment in ("received_at", "processed_at"):
        row[moment] = datetime.fromisoformat(row[moment]).replace(tzinfo=None)
    placeholders = ", ".join("?" for _ in LEDGER_COLUMNS)
    warehouse.execute(
        f"INSERT INTO ingest.submissions ({', '.join(LEDGER_COLUMNS)}) VALUES ({placeholders})",
        [row[c] for c in LEDGER_COLUMNS],
    )


def _figures(lake: Store, answer: dict) -> pa.Table:
    """The wide Parquet of one submission as long rows: one per unit and metric."""
    report_type: ReportType = report_types()[answer["report_type"]]
    wide = pq.read_table(io.BytesIO(lake.read(answer["parquet_location"])))
    n = wide.num_rows

    def constant(value: str) -> pa.Array:
        return pa.array([value] * n, pa.string())

    parts = [
        pa.table(
            {
                "submission_id": wide["submission_id"],
                "report_type": constant(report_type.name),
                "period": constant(answer["period"]),
                "province_code": constant(answer["province_code"]),
                "org_unit_code": wide["org_unit_code"],
                "org_unit_name": wide["org_unit_name"],
                "source_row": wide["source_row"],
                "metric": constant(metric.name),
                "value": pc.cast(wide[metric.name], FIGURE_VALUE),
            }
        )
        for metric in report_type.metrics
    ]
    return pa.concat_tables(parts)
