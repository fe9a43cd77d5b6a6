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

from provincial_reports.config import PROJECT_ROOT

EXPECTATIONS = PROJECT_ROOT / "expectations"
DECLARATION = "report_type.yaml"
SUITE = "suite.json"
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
class ReportType:
    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    parts_sum_to_total: tuple[PartsSumToTotal, ...]
    cities_not_above_province: bool
    due_day: int | None = None  # the day of the month after the period by which files are due
    streamed: bool = False  # beneficiary-level records, processed in batches by disbursements.py

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def metrics(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_metric)

    def suite(self) -> dict:
        return json.loads((EXPECTATIONS / self.name / SUITE).read_text(encoding="utf-8"))


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


def _report_type(doc: dict) -> ReportType:
    rules = doc.get("row_rules", {})
    return ReportType(
        name=doc["name"],
        title_zh=doc["title_zh"],
        title_en=doc["title_en"],
        columns=tuple(Column(**c) for c in doc["columns"]),
        parts_sum_to_total=tuple(
            PartsSumToTotal(r["total"], tuple(r["parts"]), float(r["tolerance"]))
            for r in rules.get("parts_sum_to_total", [])
        ),
        cities_not_above_province=bool(rules.get("cities_not_above_province", False)),
        due_day=doc.get("due_day"),
        streamed=bool(doc.get("streamed", False)),
    )


@cache
def report_types() -> dict[str, ReportType]:
    docs = (_load_yaml(p) for p in sorted(EXPECTATIONS.glob(f"*/{DECLARATION}")))
    return {rt.name: rt for rt in map(_report_type, docs)}


@cache
def provinces() -> dict[str, Province]:
    return {p["code"]: Province(**p) for p in _load_yaml(EXPECTATIONS / "provinces.yaml")["provinces"]}


@cache
def records_declaration(name: str) -> dict:
    """The `records:` section of a streamed report type (categories, caps, reconciliation)."""
    return _load_yaml(EXPECTATIONS / name / DECLARATION)["records"]
