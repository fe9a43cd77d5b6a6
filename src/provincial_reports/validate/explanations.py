"""The answer to an explanation (read/explanations.py), all or nothing: an explanation file with
any problem is rejected and records nothing, its receipt saying why; a 说明 sheet with any problem
records nothing either, and its submission is accepted or rejected on its figures alone, with the
sheet's problems as a warning beside the answer. Whether a file matches a file in force is only
known in the warehouse: EXPLAINED_FILE is checked when it is loaded (load/explanations.py).
"""

from __future__ import annotations

from provincial_reports.land import Arrival
from provincial_reports.read.explanations import Explanations
from provincial_reports.read.tables import ReadTable
from provincial_reports.validate.verdict import WARNING, Rule, Verdict, check_result, verdict

EXPLANATION_COLUMNS = Rule(
    "explanation_columns",
    "the header must name 单位代码 (org_unit_code), 指标 (metric), 说明 (explanation) and 填报人 (explained_by)",
    "表头应包含单位代码、指标、说明、填报人四列",
)
EXPLANATION_ROWS = Rule(
    "explanation_rows",
    "each row must name a unit of this province, a metric of the report, the explanation and who wrote it",
    "每行应填写本省单位代码、报表指标、说明内容和填报人",
)
EXPLAINED_FILE = Rule(
    "explained_file",
    "each row must explain a figure of a file in force for this province and period",
    "每行说明应对应本省本报告期现行有效文件中的数据",
)
EXPLANATION_SHEET = Rule(
    "explanation_sheet",
    "the sheet 说明 must explain units and metrics of this file; nothing in it was recorded",
    "“说明”工作表应针对本文件中的单位和指标；其中说明均未记录",
    WARNING,
)


def explanation_file_verdict(arrival: Arrival, found: Explanations) -> Verdict:
    """An explanation file's answer from what the file alone shows."""
    columns = [f"missing column {c} (缺少列)" for c in found.missing_columns]
    results = [check_result(EXPLANATION_COLUMNS, columns)]
    if not columns:
        results.append(check_result(EXPLANATION_ROWS, found.problems))
    return verdict(arrival, None, results, {"explanations": len(found.rows)})


def sheet_result(found: Explanations, table: ReadTable) -> dict:
    """A submission's 说明 sheet, checked against the file itself: each unit must be one of its rows.
    Its rows are recorded only when this succeeds."""
    units = set(table.frame["org_unit_code"].dropna())
    strangers = [
        f"row {r['source_row']}: unit {r['org_unit_code']} is not in this file (本文件中没有该单位)"
        for r in found.rows
        if r["org_unit_code"] not in units
    ]
    columns = [f"missing column {c} (缺少列)" for c in found.missing_columns]
    return check_result(EXPLANATION_SHEET, columns + found.problems + strangers)
