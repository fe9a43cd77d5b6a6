"""Which row is the header, which report type it belongs to, and where each declared column is.

Provinces write headers in Chinese or English, with full-width brackets, stray spaces and title
rows above; a header cell names a declared column when it equals the column's name or Chinese
label once folded (NFKC, no white space, any case). A row is the header when it names at least
MIN_HEADER_MATCHES columns of one report type, and the type it names most columns of wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from provincial_reports.declarations import ReportType, report_types

MIN_HEADER_MATCHES = 2


def normalise_header(text: object) -> str:
    """Full-width forms folded (NFKC), white space dropped, case ignored: '单位代码 ' == '单位代码'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


@cache
def column_index(report_type: ReportType) -> dict[str, str]:
    """Every folded way of naming a declared column → the column's name."""
    return {normalise_header(label): c.name for c in report_type.columns for label in (c.name, c.label_zh)}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def matches(report_type: ReportType, cells: list[object]) -> int:
    """How many cells name a declared column of the report type."""
    index = column_index(report_type)
    return sum(normalise_header(c) in index for c in cells if not is_blank(c))


def ranked_types(cells: list[object]) -> list[tuple[int, ReportType]]:
    """Every report type with how many of the cells name its columns, the best fit first (a tie
    goes to the type declared first)."""
    return sorted(((matches(rt, cells), rt) for rt in report_types().values()), key=lambda m: -m[0])


@dataclass(kw_only=True)
class HeaderFit:
    """How a file's header row fits its report type's template."""

    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)


def fit_header(
    report_type: ReportType,
    names: list[object],
    fit: HeaderFit,
    blank_heading: Callable[[int], str | None] = lambda position: None,
) -> dict[str, int]:
    """Declared column → its position among `names`; unknown, repeated and missing columns are
    recorded in `fit`, in the order of the header. A blank heading is skipped unless
    `blank_heading(position)` names it as a problem (whether one matters depends on the rows below)."""
    index, positions = column_index(report_type), {}
    for position, name in enumerate(names):
        if is_blank(name):
            problem = blank_heading(position)
            if problem:
                fit.unknown_headers.append(problem)
            continue
        declared = index.get(normalise_header(name))
        if declared is None:
            fit.unknown_headers.append(str(name).strip())
        elif declared in positions:
            fit.duplicate_headers.append(str(name).strip())
        else:
            positions[declared] = position
    fit.missing_columns = [c.name for c in report_type.columns if c.name not in positions]
    return positions
