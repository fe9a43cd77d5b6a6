"""A summary table checked: the report type's suite, then the rules a single-column expectation
cannot state (columns as in the template, cell types, parts summing to their total, cities not
above their province), all in one result document.
"""

from __future__ import annotations

import math

from provincial_reports.declarations import PartsSumToTotal, ReportType
from provincial_reports.land import Arrival
from provincial_reports.read import SOURCE_ROW
from provincial_reports.read.batches import BatchSource
from provincial_reports.read.tables import ReadTable
from provincial_reports.validate.suites import run_suite, summary_parameters
from provincial_reports.validate.verdict import READABLE, Rule, Verdict, check_result, rule_config, verdict
from provincial_reports.wording import figure_text

COLUMNS_AS_TEMPLATE = Rule(
    "columns_as_template", "the header row must have exactly the template's columns", "表头应与模板列一致"
)
CELL_TYPE = Rule("cell_type", "cells must hold the column's type", "单元格内容应符合该列类型")
CITIES_NOT_ABOVE_PROVINCE = Rule(
    "cities_not_above_province", "the cities' sum must not be above the province's own figure", "各市合计不能大于全省数"
)


def validate_submission(table: ReadTable, arrival: Arrival, more: list[dict] = ()) -> Verdict:
    """The suite and our rules, and `more` results checked elsewhere (a 说明 sheet's), in one verdict."""
    gx_results = run_suite(table.report_type, table.frame, summary_parameters(arrival))
    results = gx_results["results"] + _contract_checks(table) + list(more)
    return verdict(arrival, table.report_type, results, gx_results["meta"])


def _contract_checks(table: ReadTable) -> list[dict]:
    return [
        columns_as_template(table),
        *_cell_types(table),
        *_parts_sum_to_total(table),
        *_cities_not_above_province(table),
    ]


def columns_as_template(table: ReadTable | BatchSource) -> dict:
    """The header's fit to the template, for a table read whole or a file read in batches."""
    rt = table.report_type
    findings = (
        [f"missing column {rt.column(c).heading} (缺少列)" for c in table.missing_columns]
        + [f"unrecognised column '{h}' (无法识别的列)" for h in table.unknown_headers]
        + [f"column '{h}' appears twice (列重复)" for h in table.duplicate_headers]
    )
    return check_result(COLUMNS_AS_TEMPLATE, findings)


def summary_rules(rt: ReportType) -> list[dict]:
    """Every rule of ours a summary file of this type is checked against, beside its suite's, as
    expectation configurations: what its suite page lists."""
    cities = rt.metrics if rt.row_rules.cities_not_above_province else ()
    return [
        rule_config(READABLE),
        rule_config(COLUMNS_AS_TEMPLATE),
        rule_config(CELL_TYPE),
        *[rule_config(parts_rule(rt, rule), rule.total) for rule in rt.row_rules.parts_sum_to_total],
        *[rule_config(CITIES_NOT_ABOVE_PROVINCE, column.name) for column in cities],
    ]


def parts_rule(rt: ReportType, rule: PartsSumToTotal) -> Rule:
    parts_en = " + ".join(rule.parts)
    parts_zh = "与".join(rt.column(p).label_zh for p in rule.parts)
    return Rule(
        "parts_sum_to_total",
        f"must equal {parts_en} (within {rule.tolerance}) when all are reported",
        f"应等于{parts_zh}之和（误差不超过{rule.tolerance}）",
        rule.severity,
    )


def _cell_types(table: ReadTable) -> list[dict]:
    by_column: dict[str, list[str]] = {}
    for p in table.cell_problems:
        by_column.setdefault(p.column, []).append(f"row {p.source_row}: '{p.value}' is not {p.expected}")
    return [check_result(CELL_TYPE, found, column) for column, found in by_column.items()]


def _parts_sum_to_total(table: ReadTable) -> list[dict]:
    frame, rt = table.frame, table.report_type
    results = []
    for rule in rt.row_rules.parts_sum_to_total:
        reported = frame.dropna(subset=[rule.total, *rule.parts])
        gap = (reported[rule.total] - reported[list(rule.parts)].sum(axis=1)).abs()
        bad = reported[gap > rule.tolerance + 1e-9]
        findings = [
            f"row {r[SOURCE_ROW]}: {figure_text(r[rule.total])} ≠ " + " + ".join(figure_text(r[p]) for p in rule.parts)
            for _, r in bad.iterrows()
        ]
        results.append(check_result(parts_rule(rt, rule), findings, rule.total))
    return results


def _cities_not_above_province(table: ReadTable) -> list[dict]:
    """Compared against the first row ending in 0000; a missing or repeated one is reported by the suite."""
    frame, rt = table.frame, table.report_type
    if not rt.row_rules.cities_not_above_province:
        return []
    is_province = frame["org_unit_code"].fillna("").str.endswith("0000")
    if not is_province.any():
        return []
    province_row, cities = frame[is_province].iloc[0], frame[~is_province]
    results = []
    for column in rt.metrics:
        province_value, city_sum = province_row[column.name], cities[column.name].sum(min_count=1)
        above = not math.isnan(province_value) and not math.isnan(city_sum) and city_sum > province_value + 1e-9
        findings = (
            [f"cities add up to {figure_text(city_sum)}, the province reports {figure_text(province_value)}"]
            if above
            else []
        )
        results.append(check_result(CITIES_NOT_ABOVE_PROVINCE, findings, column.name))
    return results
