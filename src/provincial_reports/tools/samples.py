"""Demo submissions: a realistic month of provincial uploads, good and bad, for `make demo`, and a
few valid files of every other declared report type (tools.declared_samples).

What lands is what the provinces' office software writes: CSV in UTF-8, UTF-8 with BOM and GBK,
Excel sheets with a merged title row, JSON from their own systems, Chinese or English headers,
thousands separators, blank cells. Some files carry the faults the pipeline exists to catch; most
of those are followed by a corrected resubmission, so the national totals end up covering every
province but Tibet, whose January file arrives in April, after the period's lock (`lock_after_days`):
answered `locked`, kept on record, never counted; Guangdong's February funds trip a warning rule and
its explanation file follows the next day (强制上报). Everything is deterministic: the figures come from a
seeded random generator and each file gets a fixed arrival time, because the pipeline orders
files by modification time and a rerun must write byte-identical files. The figures are drawn
in tools.sample_figures, the files written by the builders' writers (tools.builders.files).

    python -m provincial_reports.cli samples LANDING_FOLDER
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from provincial_reports.declarations import provinces
from provincial_reports.tools.builders.explanations import explanation, explanation_csv_bytes
from provincial_reports.tools.builders.files import csv_bytes, json_bytes, upload, xlsx_bytes
from provincial_reports.tools.builders.winter_warmth import FUND_COLUMNS, FUNDS, Row, money, split_funds
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH as REPORT
from provincial_reports.tools.declared_samples import declared_samples
from provincial_reports.tools.sample_figures import figures

TITLE = f"2025年{REPORT.title_zh}"
MINUTES_A_DAY = 24 * 60

# --- what goes wrong --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A change a province makes to its figures before uploading; `reason` is the words of the
    rule the pipeline must reject it with (None: the file is still valid)."""

    change: Callable[[list[Row]], None]
    reason: str | None


def _mistyped_regular(rows: list[Row]) -> None:
    """Jiangxi's 2,386 keyed as 2,300: the parts no longer add up to 4,820."""
    rows[0][FUNDS.parts[1]] -= 86


def _city_pasted_province_figure(rows: list[Row]) -> None:
    """The first city copied the province's migrant-worker figure into its own row."""
    rows[1]["workers_migrant"] = rows[0]["workers_migrant"]


def _province_row_dropped(rows: list[Row]) -> None:
    """Only the cities' sheet was exported."""
    del rows[0]


def _reduction_typed_negative(rows: list[Row]) -> None:
    """A city entered its change since the last file (−5 cases) instead of the figure."""
    rows[-1]["wage_arrears_cases"] = -5


def _last_years_period(rows: list[Row]) -> None:
    """Last year's file reused with new figures and the old period."""
    for row in rows:
        row["period"] = "2024-01"


def _estimate_in_words(rows: list[Row]) -> None:
    """'About 12 thousand' instead of a number."""
    rows[0]["workers_migrant"] = f"约{rows[0]['workers_migrant'] / 10000:.1f}万"


def _late_county_returns(rows: list[Row]) -> None:
    """A valid revision: late county returns add about 3 % to the province's own figures."""
    own = rows[0]
    for metric in REPORT.metrics:
        if metric.name not in FUND_COLUMNS and own[metric.name] is not None:
            own[metric.name] = int(own[metric.name] * 1.03) + 1
    holiday_share = own[FUNDS.parts[0]] / own[FUNDS.total]
    own[FUNDS.total] = money(own[FUNDS.total] * Decimal("1.03"))
    own.update(split_funds(own[FUNDS.total], holiday_share))


def _funds_in_yuan(rows: list[Row]) -> None:
    """The province's own funds typed in yuan rather than 10k yuan: still valid, but 10,000 times
    its history, which the review flags exist to catch."""
    for name in FUND_COLUMNS:
        rows[0][name] *= 10000


def _special_allocation(rows: list[Row]) -> None:
    """The province's own funds raised by a provincial top-up above the warning rule's 50,000 (10k
    yuan): accepted with a warning, and true, which its explanation file says (EXPLANATION_FILES)."""
    own = rows[0]
    holiday_share = own[FUNDS.parts[0]] / own[FUNDS.total]
    own[FUNDS.total] = money(own[FUNDS.total] + SPECIAL_ALLOCATION)
    own.update(split_funds(own[FUNDS.total], holiday_share))


SPECIAL_ALLOCATION = 45000  # 10k yuan: 450 million yuan

EDITS = {
    "parts_do_not_add_up": Edit(_mistyped_regular, "must equal funds_holiday + funds_regular"),
    "cities_above_province": Edit(_city_pasted_province_figure, "the cities' sum must not be above"),
    "province_row_missing": Edit(_province_row_dropped, "the province's own row (code XX0000) is required"),
    "negative_number": Edit(_reduction_typed_negative, "must not be negative"),
    "period_not_folder": Edit(_last_years_period, "must equal the reporting period of the upload folder"),
    "text_in_number": Edit(_estimate_in_words, "cells must hold the column's type"),
    "revised_figures": Edit(_late_county_returns, None),
    "funds_in_yuan": Edit(_funds_in_yuan, None),
    "special_allocation": Edit(_special_allocation, None),
}
UNREADABLE = "not a readable XLSX workbook"

# --- how it is written ----------------------------------------------------------------------------------


def _grouped(rows: list[Row]) -> list[Row]:
    """Thousands separators only in the province's own row, as when someone types its big figures
    by hand and pastes the cities' from a system export."""
    own = {k: f"{v:,}" if isinstance(v, (int, Decimal)) else v for k, v in rows[0].items()}
    return [own, *rows[1:]]


def _csv(rows: list[Row], encoding: str, english: bool, grouped: bool) -> bytes:
    return csv_bytes(REPORT, _grouped(rows) if grouped else rows, "en" if english else "zh", encoding)


def _xlsx(rows: list[Row], typed: bool) -> bytes:
    return xlsx_bytes(REPORT, rows, title=TITLE, typed=typed, creator="provincial_reports.tools.samples")


# format → (file extension, writer). The writer gets the rows and the sample's header options.
Writer = Callable[[list[Row], bool, bool], bytes]
FORMATS: dict[str, tuple[str, Writer]] = {
    "csv": ("csv", lambda rows, en, grouped: _csv(rows, "utf-8", en, grouped)),
    "csv-bom": ("csv", lambda rows, en, grouped: _csv(rows, "utf-8-sig", en, grouped)),  # Excel "CSV UTF-8"
    "csv-gbk": ("csv", lambda rows, en, grouped: _csv(rows, "gbk", en, grouped)),  # Excel's default CSV
    "xlsx": ("xlsx", lambda rows, en, grouped: _xlsx(rows, typed=False)),
    "xlsx-typed": ("xlsx", lambda rows, en, grouped: _xlsx(rows, typed=True)),
    "json": ("json", lambda rows, en, grouped: json_bytes(REPORT, rows)),
    "json-rows": ("json", lambda rows, en, grouped: json_bytes(REPORT, rows, wrapped=True)),
    # a CSV export renamed to .xlsx: the one fault that keeps a file from being read at all
    "text-as-xlsx": ("xlsx", lambda rows, en, grouped: _csv(rows, "utf-8", en, grouped)),
}

# --- the month, in the order the files arrive ----------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One upload. `day` is days after the builders' BASE_TIME; within a day files arrive a minute
    apart in the order of SAMPLES. `version` names a resubmission's file (e.g.
    jiangxi-2025-01-corrected.xlsx)."""

    province: str
    format: str
    period: str = "2025-01"
    edit: str | None = None
    version: str = ""
    day: int = 0
    english: bool = False
    grouped: bool = False
    locked: bool = False  # arrives after its period's lock: kept on record, never counted

    @property
    def source(self) -> str:
        slug = provinces()[self.province].name_en.lower().replace(" ", "-")
        suffix = f"-{self.version}" if self.version else ""
        return f"{self.province}/{self.period}/{slug}-{self.period}{suffix}.{FORMATS[self.format][0]}"

    @property
    def expected(self) -> tuple[str, str | None]:
        """('accepted', None), ('rejected', words of the failed rule) or ('locked', None)."""
        if self.locked:
            return "locked", None
        if self.format == "text-as-xlsx":
            return "rejected", UNREADABLE
        reason = EDITS[self.edit].reason if self.edit else None
        return ("rejected", reason) if reason else ("accepted", None)


SAMPLES = [
    # 2025-01, first submissions: every province but Tibet (540000), which reports too late
    Sample("110000", "csv-bom"),
    Sample("120000", "csv", english=True),
    Sample("130000", "csv-gbk"),
    Sample("140000", "xlsx"),
    Sample("150000", "csv-gbk", grouped=True),
    Sample("210000", "json"),
    Sample("220000", "xlsx"),
    Sample("230000", "csv-bom", grouped=True),
    Sample("310000", "json-rows"),
    Sample("320000", "xlsx"),
    Sample("330000", "json"),
    Sample("340000", "csv-gbk"),
    Sample("350000", "csv"),
    Sample("360000", "xlsx", edit="parts_do_not_add_up"),
    Sample("370000", "csv-bom", edit="province_row_missing"),
    Sample("410000", "csv-gbk"),
    Sample("420000", "json-rows", edit="period_not_folder"),
    Sample("430000", "csv-gbk", edit="text_in_number"),
    Sample("440000", "xlsx-typed", edit="cities_above_province"),
    Sample("450000", "csv", english=True, grouped=True),
    Sample("460000", "xlsx"),
    Sample("500000", "csv-bom"),
    Sample("510000", "text-as-xlsx"),
    Sample("520000", "json"),
    Sample("530000", "csv-gbk"),
    Sample("610000", "xlsx-typed"),
    Sample("620000", "csv-bom"),
    Sample("630000", "csv"),
    Sample("640000", "json-rows"),
    Sample("650000", "csv-gbk"),
    # the next day: corrections of the rejected files
    Sample("360000", "xlsx", version="corrected", day=1),
    Sample("370000", "csv-bom", version="corrected", day=1),
    Sample("420000", "json-rows", version="corrected", day=1),
    Sample("430000", "csv-gbk", version="corrected", day=1),
    Sample("440000", "xlsx-typed", version="corrected", day=1),
    Sample("510000", "csv-gbk", version="corrected", day=1),
    # two days on: a valid revision supersedes Zhejiang's file; Henan's revision is rejected, so
    # its first file stays in force
    Sample("330000", "json", edit="revised_figures", version="revised", day=2),
    Sample("410000", "csv-gbk", edit="negative_number", version="v2", day=2),
    # 2025-02: only a handful so far, so the national totals cover few provinces
    Sample("110000", "csv-bom", period="2025-02", day=28),
    Sample("230000", "csv-bom", period="2025-02", day=28, grouped=True),
    Sample("320000", "xlsx", period="2025-02", day=28, edit="funds_in_yuan"),  # accepted, flagged
    Sample("330000", "json", period="2025-02", day=28),
    Sample("360000", "xlsx", period="2025-02", day=28),
    Sample("440000", "xlsx-typed", period="2025-02", day=28, edit="special_allocation"),  # accepted, warned
    # after the due day (the 5th): Fujian's file is accepted, late
    Sample("350000", "csv", period="2025-02", day=36),
    # April 14th: Tibet's January file, past January's lock (due 5 February + 60 days): locked
    Sample("540000", "csv", day=70, locked=True),
]


# Explanation files (强制上报说明): Guangdong explains its February funds the next day, in GB18030
# with Chinese headings as Excel in China saves a CSV; the reviewer's decision is the central office's.
EXPLANATION_FILES = [
    (
        "440000/2025-02/guangdong-2025-02-explanation.csv",
        explanation_csv_bytes(
            [
                explanation(
                    "440000",
                    "送温暖资金总额（万元）",
                    "省财政追加春节困难职工专项资金4.5亿元，已逐项核实 · a provincial top-up of 450 million yuan"
                    " for workers in hardship, checked item by item",
                    "广东省总工会财务部 李敏",
                )
            ],
            encoding="gb18030",
        ),
        29,
    ),
]


def content(sample: Sample) -> bytes:
    rows = figures(sample.province, sample.period)
    if sample.edit:
        EDITS[sample.edit].change(rows)
    _, writer = FORMATS[sample.format]
    return writer(rows, sample.english, sample.grouped)


def write_samples(landing: Path) -> list[str]:
    """Write every sample under `landing`, arriving a minute apart within its day: this month of
    winter_warmth, then a few files of every other declared type (tools.declared_samples); the
    relative paths written."""
    for position, sample in enumerate(SAMPLES):
        upload(landing, sample.source, content(sample), minute=sample.day * MINUTES_A_DAY + position)
    written = [sample.source for sample in SAMPLES]
    for position, (source, data, day) in enumerate(EXPLANATION_FILES, start=len(SAMPLES)):
        upload(landing, source, data, minute=day * MINUTES_A_DAY + position)
        written.append(source)
    sent = {(REPORT.name, sample.province, sample.period) for sample in SAMPLES}
    for position, (source, data, day) in enumerate(declared_samples(sent), start=len(written)):
        upload(landing, source, data, minute=day * MINUTES_A_DAY + position)
        written.append(source)
    return written
