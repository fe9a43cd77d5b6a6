"""`cli new-report-type NAME`: a new summary report type's folder, written so that it runs as it is.

Adding a report type is adding a folder (docs/report-types.md); the scaffold writes the folder a
summary type needs, from its metrics: the declaration with the columns every summary has, a suite
with the usual rules (required cells, the folder's period, this province's codes, one row per
unit, the province's own row, no negative figure), a README for the provinces and a sample file
that passes. Everything written is read back through the same checks as at the start of a run, so
a scaffold never leaves a folder the pipeline would refuse.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from provincial_reports.declaration_checks import (
    REQUIRED_COLUMNS,
    DeclarationError,
    checked_report_types,
    declaration_problems,
    header_problems,
    read_report_type,
    validated,
)
from provincial_reports.declarations import DECLARATION, SUITE, Column, ReportType, provinces
from provincial_reports.tools.builders.files import Row, csv_bytes

README = "README.md"
SAMPLE = "sample.csv"
SAMPLE_PERIOD = "2025-01"
# The columns every summary has (declaration_checks.REQUIRED_COLUMNS), with the template's labels.
UNIT_COLUMNS = (
    Column(name="period", label_zh="报告期", type="period"),
    Column(name="org_unit_code", label_zh="单位代码", type="code"),
    Column(name="org_unit_name", label_zh="单位名称", type="text"),
)
NOT_EMPTY = ("required: must not be empty", "必填项，不能为空")
NOT_NEGATIVE = ("must not be negative", "不能为负数")


def metric_from_text(text: str) -> Column:
    """`name:中文列名:type[:unit]`, e.g. `funds_cooling:清凉资金（万元）:decimal:10k yuan`."""
    parts = text.split(":", 3)
    if len(parts) < 3:
        raise ValueError(f"{text!r}: a metric is name:中文列名:decimal|integer[:unit]")
    name, label_zh, column_type, *unit = parts
    if column_type not in ("decimal", "integer"):
        raise ValueError(f"{text!r}: a metric's type is decimal or integer")
    return Column(name=name, label_zh=label_zh, type=column_type, unit=unit[0] if unit else "")


def new_report_type(
    expectations: Path, name: str, title_zh: str, title_en: str, metrics: list[Column], due_day: int | None = None
) -> list[Path]:
    """The folder expectations/NAME with its declaration, suite, README and sample; the files written.
    DeclarationError (nothing written) if the type would be refused."""
    folder = expectations / name
    if folder.exists():
        raise FileExistsError(f"{folder} exists already; a new report type needs a new folder")
    doc = declaration(name, title_zh, title_en, metrics, due_day)
    report_type = validated(ReportType, {**doc, "folder": folder}, folder / DECLARATION)
    types = [*checked_report_types(expectations).values(), report_type]
    problems = [*declaration_problems(report_type), *(p for t in types for p in header_problems(t, types))]
    if problems:
        raise DeclarationError(folder / DECLARATION, problems)
    suite = suite_for(report_type)
    folder.mkdir(parents=True)
    written = {
        DECLARATION: declaration_text(doc),
        SUITE: json.dumps(suite, ensure_ascii=False, indent=2) + "\n",
        README: readme(report_type, suite),
    }
    for filename, text in written.items():
        (folder / filename).write_text(text, encoding="utf-8")
    read_report_type(folder)  # what was written, read back as a run will read it
    (folder / SAMPLE).write_bytes(csv_bytes(report_type, sample_rows(report_type)))
    return [folder / f for f in (*written, SAMPLE)]


def declaration(name: str, title_zh: str, title_en: str, metrics: list[Column], due_day: int | None) -> dict:
    columns = [c.model_dump(exclude_defaults=True) for c in (*UNIT_COLUMNS, *metrics)]
    doc = {"name": name, "title_zh": title_zh, "title_en": title_en, "due_day": due_day, "columns": columns}
    return {k: v for k, v in doc.items() if v is not None}


def declaration_text(doc: dict) -> str:
    header = (
        f"# {doc['title_zh']} ({doc['name']}), written by `cli new-report-type`. Every key: docs/report-types.md.\n"
        "# One row per unit: the province's own row (XX0000) and optional city rows (XXYY00).\n"
    )
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)


def rule(expectation_type: str, words: tuple[str, str], **kwargs: object) -> dict:
    return {"type": expectation_type, "kwargs": kwargs, "meta": {"rule_en": words[0], "rule_zh": words[1]}}


def suite_for(report_type: ReportType) -> dict:
    """The rules every summary type starts with; edit suite.json to add the type's own."""
    code = "org_unit_code"
    required = [rule("expect_column_values_to_not_be_null", NOT_EMPTY, column=c) for c in REQUIRED_COLUMNS["summary"]]
    expectations = [
        rule(
            "expect_table_row_count_to_be_between",
            ("the file must contain at least one data row", "文件中至少应有一行数据"),
            min_value=1,
        ),
        *required,
        rule(
            "expect_column_values_to_be_in_set",
            ("must equal the reporting period of the upload folder", "应与上传目录中的报告期一致"),
            column="period",
            value_set={"$PARAMETER": "period"},
        ),
        rule(
            "expect_column_values_to_match_regex",
            (
                "must be the 6-digit code of this province (XX0000) or one of its cities (XXYY00)",
                "应为本省（XX0000）或本省所辖城市（XXYY00）的6位代码",
            ),
            column=code,
            regex={"$PARAMETER": "org_unit_code_pattern"},
        ),
        rule(
            "expect_column_values_to_be_unique",
            ("each unit may appear only once", "同一单位代码只能出现一次"),
            column=code,
        ),
        rule(
            "expect_column_distinct_values_to_contain_set",
            ("the province's own row (code XX0000) is required", "必须包含本省汇总行（代码XX0000）"),
            column=code,
            value_set={"$PARAMETER": "province_row_codes"},
        ),
        *[
            rule("expect_column_values_to_be_between", NOT_NEGATIVE, column=m.name, min_value=0)
            for m in report_type.metrics
        ],
    ]
    notes = "Written by `cli new-report-type`; $PARAMETERs: docs/report-types.md."
    return {
        "name": report_type.name,
        "expectations": expectations,
        "meta": {"report_type": report_type.name, "notes": notes},
    }


def readme(report_type: ReportType, suite: dict) -> str:
    """What a province reads about this type: its columns and rules, in Chinese and English."""
    rt = report_type
    columns = [f"| `{c.name}` | {c.label_zh} | {c.type} | {c.unit or '—'} |" for c in rt.columns]
    rules = [
        f"- {'`' + e['kwargs']['column'] + '`: ' if 'column' in e['kwargs'] else ''}"
        f"{e['meta']['rule_en']}（{e['meta']['rule_zh']}）"
        for e in suite["expectations"]
    ]
    due = f"报告期次月{rt.due_day}日（北京时间）结束前 · by the end of day {rt.due_day} of the next month, Beijing time"
    return "\n".join(
        [
            f"# {rt.title_zh} · {rt.title_en} (`{rt.name}`)",
            "",
            "本文件夹是这一报表对各省的全部要求；报送方法见 `docs/submission-guide.md`。",
            "This folder is everything the consolidation expects of a province's file; how to submit: "
            "`docs/submission-guide.md`.",
            "",
            "- 上传路径 Upload to: `<省级代码 province code>/<YYYY-MM>/<文件名 file>`, CSV (UTF-8/GBK), XLSX or JSON.",
            f"- 截止 Due: {due}." if rt.due_day else "- 截止 Due: 未规定 · not declared.",
            "- 一行一个单位：全省行（XX0000）及各市行（XXYY00）· one row per unit: the province's own row (XX0000) "
            "and city rows (XXYY00).",
            f"- 示例 Sample: `{SAMPLE}`（上传为 upload as `<code>/{SAMPLE_PERIOD}/{SAMPLE}`）.",
            "",
            "## 列 · Columns",
            "",
            "| name | 中文列名 label | type | unit |",
            "|---|---|---|---|",
            *columns,
            "",
            "表头可用中文列名或英文名 · the header may use the Chinese labels or the English names.",
            "",
            "## 逐列规则 · Column rules (`suite.json`)",
            "",
            *rules,
            "",
        ]
    )


def sample_rows(report_type: ReportType) -> list[Row]:
    """The first declared province's own row, every metric reported."""
    province = next(iter(provinces().values()))
    row: Row = {"period": SAMPLE_PERIOD, "org_unit_code": province.code, "org_unit_name": f"{province.name_zh}总工会"}
    return [row | {m.name: "12.5" if m.type == "decimal" else "12" for m in report_type.metrics}]
