"""The expectations/ folders read and checked: a wrong declaration is refused when it is first read,
at the start of a run or a command, with every problem named by file and key.

The schema (declarations.py) checks each file on its own: keys, types, ranges. What it cannot
see is checked here: the columns the code relies on (REQUIRED_COLUMNS), rules naming declared
columns, the suite's `$PARAMETER`s being ones the pipeline provides (SUITE_PARAMETERS), and a
records type reconciling with a declared summary. docs/report-types.md explains each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from provincial_reports.declarations import (
    DECLARATION,
    EXPLANATIONS,
    RULES,
    SUITE,
    Province,
    ProvincesFile,
    ReportType,
    RowRulesFile,
)

# The columns the code relies on, with their types, by kind of report type: a summary is keyed by
# its units (load/figures.py, validate/tables.py); records have one shape (validate/record_pass.py).
REQUIRED_COLUMNS = {
    "summary": {"period": "period", "org_unit_code": "code", "org_unit_name": "text"},
    "records": {
        "period": "period",
        "org_unit_code": "code",
        "beneficiary_id": "id_number",
        "beneficiary_category": "category",
        "amount_yuan": "amount",
        "paid_on": "date",
    },
}
SUMMARY_COLUMN_TYPES = ("period", "code", "text", "decimal", "integer")
RESERVED_COLUMNS = ("submission_id", "source_row")  # the lake's own columns beside the declared ones
# What validate/suites.py provides to a suite's {"$PARAMETER": name}, by kind of report type.
SUITE_PARAMETERS = {
    "summary": ("period", "province_row_codes", "org_unit_code_pattern"),
    "records": ("period", "records_unit_pattern", "categories", "amount_cap_yuan"),
}
COLUMN_KWARGS = ("column", "column_A", "column_B")
M = TypeVar("M", bound=BaseModel)


class DeclarationError(ValueError):
    """A declaration file that cannot be used, with each problem as `key: what is wrong`."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: refused, see docs/report-types.md (声明文件有误):\n{lines}")


class RuleWords(BaseModel):
    """The words a province reads when an expectation fails (validate/verdict.py)."""

    rule_en: str = Field(min_length=1)
    rule_zh: str = Field(min_length=1)


class Expectation(BaseModel):
    model_config = ConfigDict(extra="allow")  # GX's own keys (id, notes, ...) may be kept

    type: str = Field(pattern=r"^expect_[a-z_]+$")
    kwargs: dict = {}
    meta: RuleWords
    # GX's own field: a failed `critical` rule rejects the file, a `warning` one is answered beside
    # its acceptance (validate/verdict.py). GX's third, `info`, is refused: a province's answer has two.
    severity: Literal["critical", "warning"] = "critical"


class Suite(BaseModel):
    name: str
    expectations: list[Expectation]
    meta: dict = {}


def checked_report_types(expectations: Path) -> dict[str, ReportType]:
    """Every folder's declaration and suite, checked alone and against the others."""
    types = [read_report_type(p.parent) for p in sorted(expectations.glob(f"*/{DECLARATION}"))]
    by_name = {rt.name: rt for rt in types}
    for rt in types:
        problems = list(reconciliation_problems(rt, by_name)) + list(header_problems(rt, types))
        if rt.name == EXPLANATIONS:
            problems.append(f"name: {EXPLANATIONS!r} is taken by the provinces' explanation files")
        if problems:
            raise DeclarationError(rt.folder / DECLARATION, problems)
    return by_name


def checked_provinces(path: Path) -> dict[str, Province]:
    return {p.code: p for p in validated(ProvincesFile, load(path), path).provinces}


def read_report_type(folder: Path) -> ReportType:
    """One folder's declaration (with its rules.yaml for records) and its suite, checked."""
    path = folder / DECLARATION
    doc = load(path)
    if isinstance(doc, dict) and isinstance(doc.get("records"), dict):
        rules = folder / RULES
        doc["records"]["row_rules"] = validated(RowRulesFile, load(rules), rules).row_rules
    report_type = validated(ReportType, {**doc, "folder": folder} if isinstance(doc, dict) else doc, path)
    problems = list(declaration_problems(report_type))
    if problems:
        raise DeclarationError(path, problems)
    suite_path = folder / SUITE
    problems = list(suite_problems(report_type, validated(Suite, load(suite_path), suite_path)))
    if problems:
        raise DeclarationError(suite_path, problems)
    return report_type


def load(path: Path) -> object:
    """A YAML or JSON file's content (JSON is YAML); DeclarationError if missing or unparsable."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise DeclarationError(path, [f"cannot be read: {exc}"]) from exc


def validated(model: type[M], doc: object, path: Path) -> M:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise DeclarationError(path, [schema_problem(e) for e in exc.errors()]) from exc


def schema_problem(error: dict) -> str:
    """One pydantic error as `key: message (got value)`, the key written as in the file: columns[2].type."""
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    got = "" if error["type"] == "missing" else f" (got {error['input']!r})"
    return f"{key or 'the file'}: {error['msg']}{got}"


def declaration_problems(rt: ReportType) -> Iterator[str]:
    """What the schema cannot see inside one declaration."""
    if rt.name != rt.folder.name:
        yield f"name: {rt.name!r} must be the folder's name, {rt.folder.name!r}"
    names = [c.name for c in rt.columns]
    yield from (f"columns: {n!r} is declared twice" for n in sorted({n for n in names if names.count(n) > 1}))
    labels = [c.label_zh for c in rt.columns]
    yield from (f"columns: label_zh {x!r} is used twice" for x in sorted({x for x in labels if labels.count(x) > 1}))
    yield from (f"columns: {n!r} is the lake's own column, choose another name" for n in names if n in RESERVED_COLUMNS)
    for name, column_type in REQUIRED_COLUMNS[rt.kind].items():
        if name not in names:
            yield f"columns: a {rt.kind} type needs the column {name!r} (type {column_type})"
        elif rt.column(name).type != column_type:
            yield f"columns: {name!r} must have type {column_type!r}"
    if rt.reminders.days_from_due and rt.due_day is None:
        yield "reminders: reminders are counted from the due day; declare due_day"
    if rt.release.propose_after_lock and rt.lock_after_days is None:
        yield "release: propose_after_lock waits for the period's lock; declare lock_after_days"
    if rt.kind == "records":
        yield from records_problems(rt, names)
    else:
        yield from summary_problems(rt)


def summary_problems(rt: ReportType) -> Iterator[str]:
    for i, c in enumerate(rt.columns):
        if c.type not in SUMMARY_COLUMN_TYPES:
            yield f"columns[{i}].type: a summary column is one of {', '.join(SUMMARY_COLUMN_TYPES)} (got {c.type!r})"
    metrics = {c.name for c in rt.metrics}
    if not metrics:
        yield "columns: a summary type needs at least one metric (a decimal or integer column)"
    for i, rule in enumerate(rt.row_rules.parts_sum_to_total):
        for name in (rule.total, *rule.parts):
            if name not in metrics:
                yield f"row_rules.parts_sum_to_total[{i}]: {name!r} is not a declared metric"


def records_problems(rt: ReportType, names: list[str]) -> Iterator[str]:
    extra = [n for n in names if n not in REQUIRED_COLUMNS["records"]]
    if extra:
        yield f"columns: records have exactly the columns {', '.join(REQUIRED_COLUMNS['records'])}; not {extra}"
    if rt.records.min_age >= rt.records.max_age:
        yield "records: min_age must be below max_age"
    for i, rule in enumerate(rt.records.row_rules):
        if rule.column not in names:
            yield f"{RULES} row_rules[{i}].column: {rule.column!r} is not a declared column"
        try:
            rt.records.wording(rule.en + rule.zh)
        except (KeyError, IndexError, ValueError) as exc:
            yield f"{RULES} row_rules[{i}]: the words may use {{min_age}} and {{max_age}} only ({exc!r})"


def suite_problems(rt: ReportType, suite: Suite) -> Iterator[str]:
    if suite.name != rt.name:
        yield f"name: {suite.name!r} must be the report type's name, {rt.name!r}"
    names = {c.name for c in rt.columns}
    provided = SUITE_PARAMETERS[rt.kind]
    for i, expectation in enumerate(suite.expectations):
        for key, value in expectation.kwargs.items():
            where = f"expectations[{i}].kwargs.{key}"
            if key in COLUMN_KWARGS and value not in names:
                yield f"{where}: {value!r} is not a declared column"
            if isinstance(value, dict) and "$PARAMETER" in value and value["$PARAMETER"] not in provided:
                yield (
                    f"{where}: no $PARAMETER {value['$PARAMETER']!r}; a {rt.kind} suite may use " + ", ".join(provided)
                )


def reconciliation_problems(rt: ReportType, by_name: dict[str, ReportType]) -> Iterator[str]:
    """A records type's summary (`reconcile_with`) is declared, with the metrics named."""
    if rt.records is None:
        return
    summary = by_name.get(rt.records.reconcile_with)
    if summary is None or summary.records:
        yield f"records.reconcile_with: {rt.records.reconcile_with!r} is not a declared summary type"
        return
    metrics = {c.name for c in summary.metrics}
    named = [("records.funds_metric", rt.records.funds_metric)] + [
        (f"records.categories[{i}].summary_metric", c.summary_metric) for i, c in enumerate(rt.records.categories)
    ]
    yield from (f"{key}: {name!r} is not a metric of {summary.name}" for key, name in named if name not in metrics)


def header_problems(rt: ReportType, types: list[ReportType]) -> Iterator[str]:
    """A file is recognised by the type whose columns its header names most (read/header.py): a
    type whose columns are all another's would lose every file to it."""
    mine = {c.name for c in rt.columns}
    for other in types:
        if other is not rt and mine <= {c.name for c in other.columns}:
            yield f"columns: every column is also one of {other.name}'s, so no file could be told to be {rt.name}"
