"""The declared report types and provinces: the contract with the provinces, as data.

Each report type is a folder under expectations/: its declaration (report_type.yaml), its Great
Expectations suite (suite.json) and a README for the provinces; provinces.yaml sits beside them.
Adding a report type means adding a folder: nothing here names a particular report type or column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from provincial_reports.config import settings

DECLARATION = "report_type.yaml"
SUITE = "suite.json"
RULES = "rules.yaml"
PROVINCES = "provinces.yaml"
NUMERIC_TYPES = ("decimal", "integer")


@dataclass(frozen=True)
class Column:
    name: str
    label_zh: str
    type: str
    unit: str = ""

    @property
    def is_metric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def heading(self) -> str:
        """How a province official recognises the column: the template's Chinese label, then the name."""
        return f"{self.label_zh} ({self.name})"


@dataclass(frozen=True)
class PartsSumToTotal:
    total: str
    parts: tuple[str, ...]
    tolerance: float


@dataclass(frozen=True)
class Category:
    """A beneficiary category, and the summary metric that counts its beneficiaries."""

    code: str
    label_zh: str
    summary_metric: str


@dataclass(frozen=True)
class RowRule:
    """A rule checked on every row of a records file: `flag` names the column of the records pass
    that is true where a row breaks it; `shown` the value quoted beside the row number."""

    flag: str
    check: str
    column: str
    en: str
    zh: str
    shown: str | None = None


@dataclass(frozen=True)
class RecordsRules:
    """What a records type declares (`records:` in its report_type.yaml, its rules.yaml)."""

    amount_cap_yuan: float
    min_age: int
    max_age: int
    categories: tuple[Category, ...]
    reconcile_with: str
    funds_metric: str
    count_tolerance: float
    row_rules: tuple[RowRule, ...]

    def wording(self, text: str) -> str:
        """A rule's words with the declared ages filled in."""
        return text.format(min_age=self.min_age, max_age=self.max_age)


# Review rules (DHIS2-style outlier analysis, int_outlier_flags.sql) and their settings where a
# report type's `review:` section leaves a rule or a setting out.
REVIEW_DEFAULTS = {
    "factor_of_10": {"threshold": 10.0, "min_previous_periods": 1},
    "robust_z": {"threshold": 3.5, "min_previous_periods": 3},
}


@dataclass(frozen=True)
class ReviewRule:
    """A review rule's settings for one report type: a figure is flagged beyond `threshold`, once it
    has `min_previous_periods` of history."""

    rule: str
    threshold: float
    min_previous_periods: int


@dataclass(frozen=True)
class ReportType:
    name: str
    title_zh: str
    title_en: str
    folder: Path
    columns: tuple[Column, ...]
    parts_sum_to_total: tuple[PartsSumToTotal, ...]
    cities_not_above_province: bool
    due_day: int | None = None  # the day of the month after the period by which files are due
    records: RecordsRules | None = None  # a records type: payment records, read in batches
    review: tuple[ReviewRule, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def metrics(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_metric)

    def suite(self) -> dict:
        return json.loads((self.folder / SUITE).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Province:
    code: str
    name_zh: str
    name_en: str

    @property
    def prefix(self) -> str:
        """The two digits every org_unit_code of this province starts with."""
        return self.code[:2]


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _records_rules(folder: Path, doc: dict) -> RecordsRules:
    return RecordsRules(
        **{k: v for k, v in doc.items() if k != "categories"},
        categories=tuple(Category(**c) for c in doc["categories"]),
        row_rules=tuple(RowRule(**r) for r in _load_yaml(folder / RULES)["row_rules"]),
    )


def _review_rules(name: str, declared: dict) -> tuple[ReviewRule, ...]:
    """The `review:` section, for instance `review: {robust_z: {threshold: 5, min_previous_periods: 4}}`,
    over REVIEW_DEFAULTS. An unknown rule or setting, a threshold not above zero or fewer than one
    previous period is refused, not ignored."""
    unknown = {r for r in declared if r not in REVIEW_DEFAULTS} | {
        f"{r}.{k}"
        for r in declared.keys() & REVIEW_DEFAULTS.keys()
        for k in declared[r] or {}
        if k not in REVIEW_DEFAULTS[r]
    }
    if unknown:
        raise ValueError(f"{name}: unknown in review: {sorted(unknown)}; known: {REVIEW_DEFAULTS}")
    rules = []
    for rule, default in REVIEW_DEFAULTS.items():
        setting = {**default, **(declared.get(rule) or {})}
        found = ReviewRule(rule, float(setting["threshold"]), int(setting["min_previous_periods"]))
        if found.threshold <= 0 or found.min_previous_periods < 1:
            raise ValueError(f"{name}: review: {rule}: {setting} (threshold > 0, min_previous_periods >= 1)")
        rules.append(found)
    return tuple(rules)


def _report_type(folder: Path) -> ReportType:
    doc = _load_yaml(folder / DECLARATION)
    rules = doc.get("row_rules", {})
    return ReportType(
        name=doc["name"],
        title_zh=doc["title_zh"],
        title_en=doc["title_en"],
        folder=folder,
        columns=tuple(Column(**c) for c in doc["columns"]),
        parts_sum_to_total=tuple(
            PartsSumToTotal(r["total"], tuple(r["parts"]), float(r["tolerance"]))
            for r in rules.get("parts_sum_to_total", [])
        ),
        cities_not_above_province=bool(rules.get("cities_not_above_province", False)),
        due_day=doc.get("due_day"),
        records=_records_rules(folder, doc["records"]) if "records" in doc else None,
        review=_review_rules(doc["name"], doc.get("review") or {}),
    )


def report_types() -> dict[str, ReportType]:
    """Every report type declared under REPORTS_EXPECTATIONS, by name."""
    return _report_types_in(Path(settings().expectations))


def provinces() -> dict[str, Province]:
    return _provinces_in(Path(settings().expectations))


@cache
def _report_types_in(expectations: Path) -> dict[str, ReportType]:
    types = (_report_type(p.parent) for p in sorted(expectations.glob(f"*/{DECLARATION}")))
    return {rt.name: rt for rt in types}


@cache
def _provinces_in(expectations: Path) -> dict[str, Province]:
    return {p["code"]: Province(**p) for p in _load_yaml(expectations / PROVINCES)["provinces"]}
