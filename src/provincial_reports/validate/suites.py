"""Step 3, validate: apply the report type's Great Expectations suite, then the rules a
single-column expectation cannot state (columns as in the template, cell types, parts summing to
their total, cities not above their province), and keep all results in one GX result document.

The document is what auditors read; its `meta.answer` is what the province reads: every failed
rule in plain words, with the column's Chinese label and English name, the rows and the values.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass
from functools import cache

import pandas as pd

from provincial_reports.declarations import ReportType, provinces
from provincial_reports.land import Arrival
from provincial_reports.read.tables import SOURCE_ROW, ReadTable

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [SOURCE_ROW]}
MAX_LISTED = 10


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    document: dict
    failures: list[str]


def validate_submission(table: ReadTable, arrival: Arrival) -> Verdict:
    gx_results = _run_suite(table.report_type, table.frame, suite_parameters(arrival))
    results = gx_results["results"] + _contract_checks(table)
    return _verdict(arrival, table.report_type, results, gx_results["meta"])


def reject_unread(arrival: Arrival, check: str, message: str) -> Verdict:
    """A file that never became a table still gets a result document, with the one rule it failed."""
    result = _check_result(check, "the file must be readable as the template", "文件应能按模板读取", [message])
    return _verdict(arrival, None, [result], {})


# --- Great Expectations -----------------------------------------------------------------------


@cache
def _batch_definition():
    """One ephemeral GX context per process: building it costs more than validating a report."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("submissions")
    return source.add_dataframe_asset("submission").add_batch_definition_whole_dataframe("whole file")


@cache
def _suite(report_type: ReportType):
    import great_expectations as gx

    doc = report_type.suite()
    return gx.ExpectationSuite(name=doc["name"], expectations=doc["expectations"], meta=doc.get("meta"))


def suite_parameters(arrival: Arrival) -> dict:
    """What a suite may refer to as {"$PARAMETER": …}: facts of the upload path."""
    prefix = provinces()[arrival.province_code].prefix
    return {
        "period": [arrival.period],
        "province_row_codes": [arrival.province_code],
        "org_unit_code_pattern": rf"^{prefix}\d{{2}}00$",
    }


def _run_suite(
    report_type: ReportType, frame: pd.DataFrame, parameters: dict, result_format: dict = RESULT_FORMAT
) -> dict:
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        _suite(report_type), expectation_parameters=parameters, result_format=result_format
    ).to_json_dict()
    # GX parses suite parameters with pyparsing, which raises and catches exceptions as it goes;
    # their tracebacks form reference cycles with the stack frames, which keep the batch's frame
    # alive until Python's cycle collector gets to them: a worker grew by 200 MB over 16 large
    # files. Collecting the young generations now frees them, in a fraction of a millisecond.
    gc.collect(1)
    broken = [r for r in result["results"] if r["exception_info"].get("raised_exception")]
    if broken:  # an expectation that crashed is our bug, not the province's fault
        raise RuntimeError(f"expectation raised: {broken[0]['exception_info']['exception_message']}")
    return result


# --- rules across columns and rows --------------------------------------------------------------


def _check_result(check: str, rule_en: str, rule_zh: str, findings: list[str], column: str | None = None) -> dict:
    """A contract check in the shape of a GX expectation result, so one document holds all."""
    kwargs = {"column": column} if column else {}
    return {
        "success": not findings,
        "expectation_config": {
            "type": f"contract:{check}",
            "kwargs": kwargs,
            "meta": {"rule_en": rule_en, "rule_zh": rule_zh},
        },
        "result": {"unexpected_count": len(findings), "partial_unexpected_list": findings[:MAX_LISTED]},
        "exception_info": {"raised_exception": False},
    }


def _contract_checks(table: ReadTable) -> list[dict]:
    return [
        _columns_as_template(table),
        *_cell_types(table),
        *_parts_sum_to_total(table),
        *_cities_not_above_province(table),
    ]


def _columns_as_template(table: ReadTable) -> dict:
    rt = table.report_type
    findings = (
        [f"missing column {rt.column(c).heading} (缺少列)" for c in table.missing_columns]
        + [f"unrecognised column '{h}' (无法识别的列)" for h in table.unknown_headers]
        + [f"column '{h}' appears twice (列重复)" for h in table.duplicate_headers]
    )
    return _check_result(
        "columns_as_template",
        "the header row must have exactly the template's columns",
        "表头应与模板列一致",
        findings,
    )


def _cell_types(table: ReadTable) -> list[dict]:
    by_column: dict[str, list[str]] = {}
    for p in table.cell_problems:
        by_column.setdefault(p.column, []).append(f"row {p.source_row}: '{p.value}' is not {p.expected}")
    return [
        _check_result("cell_type", "cells must hold the column's type", "单元格内容应符合该列类型", found, column)
        for column, found in by_column.items()
    ]


def _parts_sum_to_total(table: ReadTable) -> list[dict]:
    frame, rt = table.frame, table.report_type
    results = []
    for rule in rt.parts_sum_to_total:
        reported = frame.dropna(subset=[rule.total, *rule.parts])
        gap = (reported[rule.total] - reported[list(rule.parts)].sum(axis=1)).abs()
        bad = reported[gap > rule.tolerance + 1e-9]
        findings = [
            f"row {r[SOURCE_ROW]}: {_fmt(r[rule.total])} ≠ " + " + ".join(_fmt(r[p]) for p in rule.parts)
            for _, r in bad.iterrows()
        ]
        parts_en = " + ".join(rule.parts)
        parts_zh = "与".join(rt.column(p).label_zh for p in rule.parts)
        results.append(
            _check_result(
                "parts_sum_to_total",
                f"must equal {parts_en} (within {rule.tolerance}) when all are reported",
                f"应等于{parts_zh}之和（误差不超过{rule.tolerance}）",
                findings,
                rule.total,
            )
        )
    return results


def _cities_not_above_province(table: ReadTable) -> list[dict]:
    """Compared against the first row ending in 0000; a missing or repeated one is reported by the suite."""
    frame, rt = table.frame, table.report_type
    if not rt.cities_not_above_province:
        return []
    is_province = frame["org_unit_code"].fillna("").str.endswith("0000")
    if not is_province.any():
        return []
    province_row, cities = frame[is_province].iloc[0], frame[~is_province]
    results = []
    for column in rt.metrics:
        province_value, city_sum = province_row[column.name], cities[column.name].sum(min_count=1)
        above = not math.isnan(province_value) and not math.isnan(city_sum) and city_sum > province_value + 1e-9
        findings = [f"cities add up to {_fmt(city_sum)}, the province reports {_fmt(province_value)}"] if above else []
        results.append(
            _check_result(
                "cities_not_above_province",
                "the cities' sum must not be above the province's own figure",
                "各市合计不能大于全省数",
                findings,
                column.name,
            )
        )
    return results


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# --- the answer ---------------------------------------------------------------------------------


def _verdict(arrival: Arrival, report_type: ReportType | None, results: list[dict], meta: dict) -> Verdict:
    failures = [explain(r, report_type) for r in results if not r["success"]]
    ok = sum(r["success"] for r in results)
    document = {
        "success": not failures,
        "results": results,
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": ok,
            "unsuccessful_expectations": len(results) - ok,
            "success_percent": 100.0 * ok / len(results),
        },
        "suite_name": report_type.name if report_type else None,
        "meta": {
            **meta,
            "submission": arrival.to_dict(),
            "answer": {"status": "rejected" if failures else "accepted", "failures": failures},
        },
    }
    return Verdict(accepted=not failures, document=document, failures=failures)


def explain(result: dict, report_type: ReportType | None) -> str:
    """One failed rule as a sentence a province official can act on."""
    config = result["expectation_config"]
    column = config["kwargs"].get("column")
    subject = report_type.column(column).heading if column and report_type else "the file (文件)"
    rule = f"{config['meta']['rule_en']} ({config['meta']['rule_zh']})"
    return f"{subject}: {rule}" + _where(result["result"])


def _where(found: dict) -> str:
    """The rows a rule found, with their values: all of a small file's (COMPLETE results), the
    first few of a large one's (SUMMARY), and how many there were in all when not all are shown."""
    rows = found.get("unexpected_index_list") or found.get("partial_unexpected_index_list")
    if rows:
        shown = rows[:MAX_LISTED]
        listed = ", ".join(f"row {r[SOURCE_ROW]}: {_shown(v)}" for r in shown for k, v in r.items() if k != SOURCE_ROW)
        total = max(found.get("unexpected_count") or 0, len(rows))
        return f" — {listed}" + (f"; {total} rows in all (共{total}行)" if total > len(shown) else "")
    listed = found.get("partial_unexpected_list") or found.get("details", {}).get("value_counts") or []
    if found.get("missing_count") and "partial_missing_list" in found:
        listed = [f"missing {', '.join(map(str, found['partial_missing_list']))}"]
    if "observed_value" in found and not listed:
        return f" — found {found['observed_value']}"
    return f" — {'; '.join(map(str, listed))}" if listed else ""


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    return _fmt(value) if isinstance(value, (int, float)) else repr(value)
