"""The declared report types and provinces: the contract with the provinces, as data.

Each report type is a folder under expectations/: its declaration (report_type.yaml), its Great
Expectations suite (suite.json) and a README for the provinces; provinces.yaml sits beside them.
Adding a report type means adding a folder: nothing here names a particular report type.

The classes below are the schema of those files (pydantic), so a declaration with a mistyped key,
a wrong type or a rule naming a column that is not declared is refused when it is first read, with
the file and the key named (declaration_checks.DeclarationError), rather than failing a run later
on some province's file. docs/report-types.md describes every key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from provincial_reports.config import settings

DECLARATION = "report_type.yaml"
SUITE = "suite.json"
RULES = "rules.yaml"
PROVINCES = "provinces.yaml"
NUMERIC_TYPES = ("decimal", "integer")
# The report type an explanation file is recorded under in the ledger (read/explanations.py): no
# declared type may take the name, so that it is in no report's deadlines, completeness or totals.
EXPLANATIONS = "explanations"
IDENTIFIER = r"^[a-z][a-z0-9_]*$"  # a name that is also a Parquet column, a partition and a file name
ReminderDay = Annotated[int, Field(ge=1, le=28)]  # days before or after the due day: less than a month
ColumnType = Literal["period", "code", "text", "decimal", "integer", "id_number", "category", "amount", "date"]


class Declared(BaseModel):
    """What every declared thing shares: immutable (report types are cached and hashed) and strict
    about keys, so that a misspelt key is an error, not a silently ignored line."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Column(Declared):
    name: str = Field(pattern=IDENTIFIER)
    label_zh: str = Field(min_length=1)
    type: ColumnType
    unit: str = ""

    @property
    def is_metric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def heading(self) -> str:
        """How a province official recognises the column: the template's Chinese label, then the name."""
        return f"{self.label_zh} ({self.name})"


class PartsSumToTotal(Declared):
    total: str
    parts: tuple[str, ...] = Field(min_length=1)
    tolerance: float = Field(ge=0)
    severity: Literal["error", "warning"] = "error"  # error rejects the file; warning is answered beside it


class TableRules(Declared):
    """A summary's rules across columns and rows (`row_rules:`), applied by validate/tables.py."""

    parts_sum_to_total: tuple[PartsSumToTotal, ...] = ()
    cities_not_above_province: bool = False


class Category(Declared):
    """A beneficiary category, and the summary metric that counts its beneficiaries."""

    code: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    summary_metric: str


class RowRule(Declared):
    """A rule checked on every row of a records file: `flag` names the column of the records pass
    that is true where a row breaks it; `shown` the value quoted beside the row number."""

    flag: str
    check: str
    column: str
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    shown: str | None = None


class RowRulesFile(Declared):
    """rules.yaml beside a records type's declaration."""

    row_rules: tuple[RowRule, ...] = Field(min_length=1)


class RecordsRules(Declared):
    """What a records type declares (`records:` in its report_type.yaml, its rules.yaml)."""

    amount_cap_yuan: float = Field(gt=0)
    min_age: int = Field(ge=0)
    max_age: int = Field(gt=0)
    categories: tuple[Category, ...] = Field(min_length=1)
    reconcile_with: str
    funds_metric: str
    count_tolerance: float = Field(ge=0)
    row_rules: tuple[RowRule, ...] = ()  # from rules.yaml

    def wording(self, text: str) -> str:
        """A rule's words with the declared ages filled in."""
        return text.format(min_age=self.min_age, max_age=self.max_age)


# Review rules (DHIS2-style outlier analysis, int_outlier_flags.sql) and their settings where a
# report type's `review:` section leaves a rule or a setting out.
REVIEW_DEFAULTS = {
    "factor_of_10": {"threshold": 10.0, "min_previous_periods": 1},
    "robust_z": {"threshold": 3.5, "min_previous_periods": 3},
}


class ReviewSetting(Declared):
    """One rule's settings under `review:`; a setting left out keeps its default."""

    threshold: float | None = Field(default=None, gt=0)
    min_previous_periods: int | None = Field(default=None, ge=1)


class Review(Declared):
    """The `review:` section, for instance `review: {robust_z: {threshold: 5, min_previous_periods: 4}}`."""

    factor_of_10: ReviewSetting = ReviewSetting()
    robust_z: ReviewSetting = ReviewSetting()


class ReviewRule(Declared):
    """A review rule's settings for one report type: a figure is flagged beyond `threshold`, once it
    has `min_previous_periods` of history."""

    rule: str
    threshold: float
    min_previous_periods: int


class Messages(Declared):
    """`messages:`: whether a plain acceptance is written to the province's contacts too
    (reply/messages.py); a rejection and an acceptance with warnings always are."""

    on_accept: bool = False


class Reminders(Declared):
    """`reminders:`, e.g. `{before_due: [3, 1], after_due: [1, 5]}`: the days before the due day on
    which a province with no accepted file is reminded, and the days after it on which it gets an
    overdue notice (reply/reminders.py)."""

    before_due: tuple[ReminderDay, ...] = ()
    after_due: tuple[ReminderDay, ...] = ()

    @property
    def days_from_due(self) -> tuple[int, ...]:
        """Every declared day counted from the due day: -3 three days before it, 1 the day after."""
        return tuple(sorted({-d for d in self.before_due} | set(self.after_due)))


class ReleaseConditions(Declared):
    """The `release:` section: what must hold for a reviewer's approval to publish the national
    figures without a comment (publish/candidate.py), e.g. `release: {min_provinces: 25, no_open_flags: true}`.
    A reviewer may approve anyway, with a comment, recorded as such."""

    min_provinces: int | None = Field(default=None, ge=1)  # every metric covers at least this many provinces
    no_open_flags: bool = False  # no review flag on the period's figures is open or explained (not yet cleared)
    after_deadline: bool = False  # the period's deadline (due_day) has passed
    # a publication is started for a period once it locks (lock_after_days), if none was (dags/propose_releases.py)
    propose_after_lock: bool = False


class ReportType(Declared):
    name: str = Field(pattern=IDENTIFIER)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    folder: Path  # where it was declared, not a key of the file
    columns: tuple[Column, ...] = Field(min_length=1)
    row_rules: TableRules = TableRules()
    due_day: int | None = Field(default=None, ge=1, le=28)  # files are due by the end of this day of the next month
    # files arriving this many days after the deadline are answered `locked` (DHIS2's expiry days)
    lock_after_days: int | None = Field(default=None, ge=0)
    records: RecordsRules | None = None  # a records type: payment records, read in batches
    review: Review = Review()
    messages: Messages = Messages()
    reminders: Reminders = Reminders()
    release: ReleaseConditions = ReleaseConditions()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def kind(self) -> Literal["summary", "records"]:
        return "records" if self.records else "summary"

    @property
    def metrics(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_metric)

    @property
    def review_rules(self) -> tuple[ReviewRule, ...]:
        """Every review rule, with what `review:` declares over REVIEW_DEFAULTS."""
        return tuple(
            ReviewRule(rule=rule, **{**default, **getattr(self.review, rule).model_dump(exclude_none=True)})
            for rule, default in REVIEW_DEFAULTS.items()
        )

    def suite(self) -> dict:
        return json.loads((self.folder / SUITE).read_text(encoding="utf-8"))


class Province(Declared):
    code: str = Field(pattern=r"^\d{2}0000$")
    name_zh: str
    name_en: str

    @property
    def prefix(self) -> str:
        """The two digits every org_unit_code of this province starts with."""
        return self.code[:2]


class ProvincesFile(Declared):
    provinces: tuple[Province, ...] = Field(min_length=1)


def report_types() -> dict[str, ReportType]:
    """Every report type declared under REPORTS_EXPECTATIONS, by name; DeclarationError naming the
    file and the key if any declaration is wrong."""
    return _report_types_in(Path(settings().expectations))


def provinces() -> dict[str, Province]:
    return _provinces_in(Path(settings().expectations))


@cache
def _report_types_in(expectations: Path) -> dict[str, ReportType]:
    from provincial_reports.declaration_checks import checked_report_types

    return checked_report_types(expectations)


@cache
def _provinces_in(expectations: Path) -> dict[str, Province]:
    from provincial_reports.declaration_checks import checked_provinces

    return checked_provinces(expectations / PROVINCES)
