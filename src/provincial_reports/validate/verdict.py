"""A file's verdict: every rule's result in one Great Expectations result document, which auditors
read, and its `meta.answer`, which the province reads: every failed rule in plain words, with the
column's Chinese label and English name, the rows and the values.

Each rule has a severity, GX's own field on an expectation's configuration (`severity`, default
`critical`): a failed `critical` rule is an `error` and rejects the file; a failed `warning` rule
is a `warning`, listed in the answer, and the file is accepted with it (issue 15, 强制上报).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from provincial_reports.declarations import ReportType
from provincial_reports.land import Arrival
from provincial_reports.read import SOURCE_ROW
from provincial_reports.wording import figure_text

MAX_LISTED = 10


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    document: dict
    failures: list[str]


ERROR, WARNING = "error", "warning"
# GX's severities (FailureSeverity) as a province reads them: only `critical` rejects.
GX_SEVERITY = {ERROR: "critical", WARNING: "warning"}


class Rule(NamedTuple):
    """A rule of ours, beside the suite's expectations: its name in results, its words and its severity."""

    check: str
    en: str
    zh: str
    severity: str = ERROR


READABLE = Rule("readable", "the file must be readable as the template", "文件应能按模板读取")


def rule_config(rule: Rule, column: str | None = None) -> dict:
    """A rule of ours in the shape of a GX expectation configuration: in the result documents and
    on the suite pages beside the suite's own."""
    kwargs = {"column": column} if column else {}
    return {
        "type": f"contract:{rule.check}",
        "kwargs": kwargs,
        "meta": {"rule_en": rule.en, "rule_zh": rule.zh},
        "severity": GX_SEVERITY[rule.severity],
    }


def severity_of(result: dict) -> str:
    """`error` or `warning`: result documents written before severities were declared have none,
    and every rule then rejected."""
    return WARNING if result["expectation_config"].get("severity") == GX_SEVERITY[WARNING] else ERROR


def check_result(rule: Rule, findings: list[str], column: str | None = None) -> dict:
    """A rule of ours in the shape of a GX expectation result, so one document holds all."""
    return {
        "success": not findings,
        "expectation_config": rule_config(rule, column),
        "result": {"unexpected_count": len(findings), "partial_unexpected_list": findings[:MAX_LISTED]},
        "exception_info": {"raised_exception": False},
    }


def listed_with_total(examples: list[str], total: int, what_en: str, what_zh: str) -> list[str]:
    """The first examples and, when there are more than those, how many in all: at most
    MAX_LISTED lines, so that the total is never the line cut off."""
    if total <= len(examples):
        return examples
    return [*examples[: MAX_LISTED - 1], f"{total} {what_en} in all (共{total}{what_zh})"]


def reject_unread(arrival: Arrival, check: str, message: str) -> Verdict:
    """A file that never became a table still gets a result document, with the one rule it failed."""
    result = check_result(READABLE._replace(check=check), [message])
    return verdict(arrival, None, [result], {})


def verdict(arrival: Arrival, report_type: ReportType | None, results: list[dict], meta: dict) -> Verdict:
    """Rejected when an error rule failed; the failed warning rules are listed beside the answer."""
    failed = [r for r in results if not r["success"]]
    failures = [explain(r, report_type) for r in failed if severity_of(r) == ERROR]
    warnings = [explain(r, report_type) for r in failed if severity_of(r) == WARNING]
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
            "answer": {"status": "rejected" if failures else "accepted", "failures": failures, "warnings": warnings},
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


def finding(result: dict, report_type: ReportType | None) -> dict:
    """One failed rule as a receipt lists it (ingest.findings): the rule, its column, the rows it
    names, and the sentence of `explain` in each language, Chinese with the column's Chinese label."""
    config = result["expectation_config"]
    column = config["kwargs"].get("column")
    label_zh, name = (report_type.column(column).label_zh, column) if column and report_type else ("文件", "the file")
    found = result["result"]
    return {
        "rule": config["type"],
        "column_name": column,
        "source_rows": _rows_named(found),
        "zh": f"{label_zh}：{config['meta']['rule_zh']}" + _where(found, ROW_ZH),
        "en": f"{name}: {config['meta']['rule_en']}" + _where(found),
    }


ROW_EN, ROW_ZH = "row {}", "第{}行"
# Our own checks name a row at the start of a finding: "row 3: '十二' is not a whole number".
NAMED_ROW = re.compile(r"^row (\d+):")


def _rows_named(found: dict) -> list[int]:
    """The file's row numbers a failed rule names: its index list's, or those our checks' findings start with."""
    rows = found.get("unexpected_index_list") or found.get("partial_unexpected_index_list")
    if rows:
        return [int(r[SOURCE_ROW]) for r in rows[:MAX_LISTED]]
    listed = (NAMED_ROW.match(str(f)) for f in found.get("partial_unexpected_list") or [])
    return [int(m.group(1)) for m in listed if m]


def _where(found: dict, row: str = ROW_EN) -> str:
    """The rows a rule found, with their values: all of a small file's (COMPLETE results), the
    first few of a large one's (SUMMARY), and how many there were in all when not all are shown."""
    rows = found.get("unexpected_index_list") or found.get("partial_unexpected_index_list")
    if rows:
        shown = rows[:MAX_LISTED]
        listed = ", ".join(
            f"{row.format(r[SOURCE_ROW])}: {_shown(v)}" for r in shown for k, v in r.items() if k != SOURCE_ROW
        )
        total = max(found.get("unexpected_count") or 0, len(rows))
        return f" — {listed}" + (f"; {total} rows in all (共{total}行)" if total > len(shown) else "")
    listed = found.get("partial_unexpected_list") or found.get("details", {}).get("value_counts") or []
    listed = [NAMED_ROW.sub(lambda m: f"{row.format(m.group(1))}:", str(f)) for f in listed]
    if found.get("missing_count") and "partial_missing_list" in found:
        listed = [f"missing {', '.join(map(str, found['partial_missing_list']))}"]
    if "observed_value" in found and not listed:
        return f" — found {found['observed_value']}"
    return f" — {'; '.join(map(str, listed))}" if listed else ""


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    return figure_text(value) if isinstance(value, (int, float)) else repr(value)
