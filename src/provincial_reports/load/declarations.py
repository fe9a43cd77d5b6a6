"""The declarations in the warehouse: report types, provinces, metrics and beneficiary categories
made equal to the expectations/ folders on every load, so the marts' dimensions never drift from
what the provinces were asked for.
"""

from __future__ import annotations

import pyarrow as pa

from provincial_reports.declarations import Category, ReportType, provinces, report_types
from provincial_reports.stores.warehouse import Warehouse

REVIEW_RULES = pa.schema(
    [
        ("report_type", pa.string()),
        ("rule", pa.string()),
        ("threshold", pa.float64()),
        ("min_previous_periods", pa.int32()),
    ]
)
LOCK_RULES = pa.schema([("report_type", pa.string()), ("lock_after_days", pa.int32())])
CATEGORIES = pa.schema(
    [(name, pa.string()) for name in ("report_type", "category", "label_zh", "summary_report_type", "summary_metric")]
    + [("funds_metric", pa.string()), ("count_tolerance", pa.float64())]
)


def refresh_declarations(warehouse: Warehouse) -> None:
    """The warehouse's report types, provinces, metrics, beneficiary categories, review rules and
    locks made equal to the declarations."""
    for table, rows in (
        ("core.report_types", _report_type_rows()),
        ("core.provinces", _province_rows()),
        ("core.metrics", _metric_rows()),
        ("core.beneficiary_categories", _category_rows()),
        ("core.review_rules", _review_rule_rows()),
        ("core.lock_rules", _lock_rule_rows()),
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


def _category_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [_category_row(rt, c) for rt in report_types().values() if rt.records for c in rt.records.categories],
        schema=CATEGORIES,
    )


def _category_row(report_type: ReportType, category: Category) -> dict:
    rules = report_type.records
    return {
        "report_type": report_type.name,
        "category": category.code,
        "label_zh": category.label_zh,
        "summary_report_type": rules.reconcile_with,
        "summary_metric": category.summary_metric,
        "funds_metric": rules.funds_metric,
        "count_tolerance": rules.count_tolerance,
    }


def _review_rule_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [{"report_type": rt.name, **rule.model_dump()} for rt in report_types().values() for rule in rt.review_rules],
        schema=REVIEW_RULES,
    )


def _lock_rule_rows() -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"report_type": rt.name, "lock_after_days": rt.lock_after_days}
            for rt in report_types().values()
            if rt.lock_after_days is not None
        ],
        schema=LOCK_RULES,
    )
