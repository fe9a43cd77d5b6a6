"""Explanations of warnings (强制上报说明): a province's words on a figure a warning rule or a review
flag questioned, keyed by unit and metric (docs/submission-guide.md, section 7).

They come in two ways. An explanation file, uploaded beside the submission (CSV in UTF-8, GBK or
GB18030, XLSX or JSON), is recognised by its header: a row naming 指标/metric and 说明/explanation;
it is matched to the file in force when it is loaded (load/explanations.py). A sheet named 说明 in
an XLSX submission, with the same columns, explains that very submission. Here both are read and
checked for what can be told from the file alone: the columns, a unit of the province, a metric
some report type declares, the words and who wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from provincial_reports.declarations import ReportType, provinces, report_types
from provincial_reports.read.formats import Rows
from provincial_reports.read.header import is_blank, normalise_header

SHEET = "说明"
# field → its English and Chinese headings, as a province may write either.
FIELDS = {
    "org_unit_code": "单位代码",
    "metric": "指标",
    "explanation": "说明",
    "explained_by": "填报人",
}
# A header is an explanation header when it names these two: no report type has either column.
RECOGNISED_BY = ("metric", "explanation")
MAX_EXPLANATION_CHARS = 2_000
HEADER_ROWS_SEARCHED = 10  # title rows above the header, as in a report's own XLSX


@dataclass
class Explanations:
    """An explanation file's or sheet's rows (each with its file row, unit, metric by its English
    name, words and author) and every problem found in them, in the province's words."""

    rows: list[dict] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _heading_index() -> dict[str, str]:
    return {normalise_header(h): name for name, zh in FIELDS.items() for h in (name, zh)}


def explanation_header(rows: Rows) -> int | None:
    """The position of the explanation header among the first rows, or None: not an explanation."""
    index = _heading_index()
    for position, (_, cells) in enumerate(rows[:HEADER_ROWS_SEARCHED]):
        named = {index.get(normalise_header(c)) for c in cells if not is_blank(c)}
        if all(name in named for name in RECOGNISED_BY):
            return position
    return None


def read_explanations(rows: Rows, province_code: str, metrics_of: dict[str, str]) -> Explanations:
    """The rows below the header found by `explanation_header`, checked (a 说明 sheet without that
    header misses every column). `metrics_of` maps each folded way of naming an explainable metric
    to its English name."""
    position = explanation_header(rows)
    index, found = _heading_index(), Explanations()
    places = {}
    for at, cell in enumerate(rows[position][1] if position is not None else []):
        name = index.get(normalise_header(cell)) if not is_blank(cell) else None
        if name is not None and name not in places:
            places[name] = at
    found.missing_columns = [f"{FIELDS[n]} ({n})" for n in FIELDS if n not in places]
    if found.missing_columns:
        return found
    for number, cells in rows[position + 1 :]:
        values = {name: _text(cells[at] if at < len(cells) else None) for name, at in places.items()}
        if not any(values.values()):
            continue
        problem = _row_problem(values, province_code, metrics_of)
        if problem:
            found.problems.append(f"row {number}: {problem}")
        else:
            found.rows.append(
                {**values, "metric": metrics_of[normalise_header(values["metric"])], "source_row": number}
            )
    if not found.rows and not found.problems:
        found.problems.append("no explanation below the header (表头下没有说明)")
    found.problems.extend(_repeated(found.rows))
    return found


def metrics_of_any_type() -> dict[str, str]:
    """Every metric some report type declares, by its name and Chinese label: an explanation file
    names no report type, the file in force it is matched to does (load/explanations.py)."""
    return {k: v for rt in report_types().values() for k, v in metrics_of_type(rt).items()}


def metrics_of_type(report_type: ReportType) -> dict[str, str]:
    return {normalise_header(label): c.name for c in report_type.metrics for label in (c.name, c.label_zh)}


def _row_problem(values: dict, province_code: str, metrics_of: dict[str, str]) -> str | None:
    blank = [f"{FIELDS[n]} ({n})" for n, v in values.items() if not v]
    if blank:
        return f"empty {', '.join(blank)} (未填写)"
    code, metric = values["org_unit_code"], values["metric"]
    prefix = provinces()[province_code].prefix
    if not (len(code) == 6 and code.isdigit() and code.startswith(prefix) and code.endswith("00")):
        return f"'{code}' is not a unit code of this province (“{code}”不是本省单位代码)"
    if normalise_header(metric) not in metrics_of:
        return f"'{metric}' is not a metric of the report (“{metric}”不是报表指标)"
    if len(values["explanation"]) > MAX_EXPLANATION_CHARS:
        return f"the explanation is longer than {MAX_EXPLANATION_CHARS} characters (说明超过{MAX_EXPLANATION_CHARS}字)"
    return None


def _repeated(rows: list[dict]) -> list[str]:
    """A unit and metric explained twice in one file: which words are meant cannot be told."""
    seen, problems = {}, []
    for row in rows:
        key = (row["org_unit_code"], row["metric"])
        if key in seen:
            problems.append(
                f"row {row['source_row']}: {row['metric']} of {key[0]} is already explained in row {seen[key]} "
                f"(与第{seen[key]}行重复)"
            )
        seen.setdefault(key, row["source_row"])
    return problems


def _text(value: object) -> str:
    """A cell as text: a code typed as a number in Excel (440000 or 440000.0) is its digits."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
