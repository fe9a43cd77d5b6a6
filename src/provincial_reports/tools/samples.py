"""Demo submissions: a realistic month of provincial uploads, good and bad, for `make demo`.

What lands is what the provinces' office software writes: CSV in UTF-8, UTF-8 with BOM and GBK,
Excel sheets with a merged title row, JSON from their own systems, Chinese or English headers,
thousands separators, blank cells. Some files carry the faults the pipeline exists to catch; most
of those are followed by a corrected resubmission, so the national totals end up covering every
province but Tibet, which never reports. Everything is deterministic: the figures come from a
seeded random generator and each file gets a fixed arrival time, because the pipeline orders
files by modification time and a rerun must write byte-identical files.

    python -m provincial_reports.tools.samples [landing folder]   # default: $REPORTS_LANDING
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from provincial_reports.declarations import provinces, report_types

REPORT = report_types()["winter_warmth"]
TITLE = f"2025年{REPORT.title_zh}"
SEED = "winter-warmth-demo"
BASE_TIME = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
CENT = Decimal("0.01")

# --- who the provinces are ------------------------------------------------------------------------

# Residents in millions (2020 census, rounded): every figure is drawn per million residents so
# that Guangdong's numbers dwarf Qinghai's, as they would.
POPULATION = {
    "110000": 22, "120000": 14, "130000": 75, "140000": 35, "150000": 24, "210000": 43,
    "220000": 24, "230000": 32, "310000": 25, "320000": 85, "330000": 65, "340000": 61,
    "350000": 41, "360000": 45, "370000": 102, "410000": 99, "420000": 58, "430000": 66,
    "440000": 126, "450000": 50, "460000": 10, "500000": 32, "510000": 84, "520000": 39,
    "530000": 47, "540000": 4, "610000": 40, "620000": 25, "630000": 6, "640000": 7, "650000": 26,
}  # fmt: skip

# The city rows each province breaks out (GB/T 2260 prefecture-level codes). The municipalities
# have no prefecture-level cities; their only XXYY00 unit is the 市辖区 (urban districts).
CITIES = {
    "110000": {"110100": "北京市市辖区"},
    "120000": {"120100": "天津市市辖区"},
    "130000": {"130100": "石家庄市", "130200": "唐山市", "130600": "保定市"},
    "140000": {"140100": "太原市", "140200": "大同市"},
    "150000": {"150100": "呼和浩特市", "150200": "包头市"},
    "210000": {"210100": "沈阳市", "210200": "大连市"},
    "220000": {"220100": "长春市"},
    "230000": {"230100": "哈尔滨市", "230200": "齐齐哈尔市", "230600": "大庆市"},
    "310000": {"310100": "上海市市辖区"},
    "320000": {"320100": "南京市", "320500": "苏州市", "320600": "南通市"},
    "330000": {"330100": "杭州市", "330200": "宁波市", "330300": "温州市"},
    "340000": {"340100": "合肥市", "340200": "芜湖市"},
    "350000": {"350100": "福州市", "350200": "厦门市"},
    "360000": {"360100": "南昌市", "360400": "九江市", "360700": "赣州市"},
    "370000": {"370100": "济南市", "370200": "青岛市", "370600": "烟台市"},
    "410000": {"410100": "郑州市", "410300": "洛阳市"},
    "420000": {"420100": "武汉市", "420500": "宜昌市"},
    "430000": {"430100": "长沙市", "430200": "株洲市"},
    "440000": {"440100": "广州市", "440300": "深圳市", "441900": "东莞市"},
    "450000": {"450100": "南宁市", "450200": "柳州市"},
    "460000": {"460100": "海口市", "460200": "三亚市"},
    "500000": {"500100": "重庆市市辖区"},
    "510000": {"510100": "成都市", "510700": "绵阳市"},
    "520000": {"520100": "贵阳市", "520300": "遵义市"},
    "530000": {"530100": "昆明市", "530300": "曲靖市"},
    "540000": {"540100": "拉萨市"},
    "610000": {"610100": "西安市", "610300": "宝鸡市"},
    "620000": {"620100": "兰州市"},
    "630000": {"630100": "西宁市"},
    "640000": {"640100": "银川市", "640200": "石嘴山市"},
    "650000": {"650100": "乌鲁木齐市", "650200": "克拉玛依市"},
}

# --- what they report -----------------------------------------------------------------------------

# Per million residents, calibrated on the press figures below (Jiangxi: 4,820 of 10k yuan for
# 45 million people; Heilongjiang: 100 job fairs, 10,000 jobs, 4,000 trainees for 32 million).
# funds_holiday and funds_regular are not drawn: they split funds_total, to the cent.
PER_MILLION = {
    "funds_total": 107,
    "visiting_teams": 0.25,
    "enterprises_visited": 28,
    "workers_hardship": 1400,
    "workers_migrant": 900,
    "workers_new_forms": 450,
    "workers_frontline": 1800,
    "model_workers": 55,
    "wage_arrears_cases": 9,
    "legal_aid_cases": 16,
    "job_fairs": 3.2,
    "jobs_offered": 320,
    "trainees": 130,
    "recuperation_participants": 1000,
}
FUNDS = REPORT.parts_sum_to_total[0]  # funds_total = funds_holiday + funds_regular

# The 2025 campaign as the press reported it (shared/spec/submission-template.md), by unit code.
PRESS = {
    "360000": {"funds_total": 4820, "funds_holiday": 2434, "funds_regular": 2386, "visiting_teams": 11},
    "320600": {"recuperation_participants": 7600},
    "230000": {"trainees": 4000, "job_fairs": 100, "jobs_offered": 10000},
}
PRESS_PERIOD = "2025-01"

# Cells left blank on purpose: not reported is not zero, and the totals must say so.
NOT_REPORTED = {
    "630000": ("model_workers", "workers_new_forms"),  # Qinghai's own row
    "460000": ("jobs_offered",),  # Hainan's own row
    "460200": ("legal_aid_cases",),  # Sanya only
    "640000": ("funds_holiday", "funds_regular"),  # Ningxia gives the total without the split
}

Row = dict[str, object]


def figures(province: str, period: str) -> list[Row]:
    """The province's own row then its cities, consistent by construction: funds split exactly,
    every city well under its province (each city takes 8–22 % of it, at most three cities)."""
    rng = random.Random(f"{SEED}/{province}/{period}")
    people = POPULATION[province]
    own: Row = {name: rate * people * rng.uniform(0.75, 1.25) for name, rate in PER_MILLION.items()}
    own = {name: _money(value) if name == FUNDS.total else max(1, int(value)) for name, value in own.items()}
    own.update(_split(own[FUNDS.total], rng.uniform(0.45, 0.6)))
    if period == PRESS_PERIOD:
        own.update({k: _money(v) if k in _fund_columns() else v for k, v in PRESS.get(province, {}).items()})
    rows = [_unit_row(period, province, _union_name(provinces()[province].name_zh), own)]
    for code, name in CITIES[province].items():
        share = rng.uniform(0.08, 0.22)
        city: Row = {m: int(v * share * rng.uniform(0.85, 1.15)) for m, v in own.items() if m not in _fund_columns()}
        city_total = _money(own[FUNDS.total] * Decimal(share))
        holiday_share = own[FUNDS.parts[0]] / own[FUNDS.total] + Decimal(rng.uniform(-0.04, 0.04))
        city.update({FUNDS.total: city_total, **_split(city_total, holiday_share)})
        if period == PRESS_PERIOD:
            city.update(PRESS.get(code, {}))
        rows.append(_unit_row(period, code, _union_name(name), city))
    return rows


def _fund_columns() -> tuple[str, ...]:
    return (FUNDS.total, *FUNDS.parts)


def _money(value: float | Decimal) -> Decimal:
    """10k yuan to the cent, written the way people type it: 4820, 2434.5, 1193.27."""
    cents = Decimal(value).quantize(CENT, rounding=ROUND_DOWN)
    return cents.quantize(Decimal(1)) if cents == cents.to_integral_value() else cents.normalize()


def _split(total: Decimal, holiday_share: float | Decimal) -> Row:
    """funds_holiday + funds_regular = funds_total exactly: the regular part is the remainder."""
    holiday = _money(total * Decimal(holiday_share))
    return {FUNDS.parts[0]: holiday, FUNDS.parts[1]: _money(total - holiday)}


def _union_name(region: str) -> str:
    return f"{region}总工会"


def _unit_row(period: str, code: str, name: str, metrics: Row) -> Row:
    row: Row = {"period": period, "org_unit_code": code, "org_unit_name": name}
    row.update({m.name: metrics[m.name] for m in REPORT.metrics})
    for blank in NOT_REPORTED.get(code, ()):
        row[blank] = None
    return row


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
        if metric.name not in _fund_columns() and own[metric.name] is not None:
            own[metric.name] = int(own[metric.name] * 1.03) + 1
    holiday_share = own[FUNDS.parts[0]] / own[FUNDS.total]
    own[FUNDS.total] = _money(own[FUNDS.total] * Decimal("1.03"))
    own.update(_split(own[FUNDS.total], holiday_share))


def _funds_in_yuan(rows: list[Row]) -> None:
    """The province's own funds typed in yuan rather than 10k yuan: still valid, but 10,000 times
    its history, which the review flags exist to catch."""
    for name in _fund_columns():
        rows[0][name] *= 10000


EDITS = {
    "parts_do_not_add_up": Edit(_mistyped_regular, "must equal funds_holiday + funds_regular"),
    "cities_above_province": Edit(_city_pasted_province_figure, "the cities' sum must not be above"),
    "province_row_missing": Edit(_province_row_dropped, "the province's own row (code XX0000) is required"),
    "negative_number": Edit(_reduction_typed_negative, "must not be negative"),
    "period_not_folder": Edit(_last_years_period, "must equal the reporting period of the upload folder"),
    "text_in_number": Edit(_estimate_in_words, "cells must hold the column's type"),
    "revised_figures": Edit(_late_county_returns, None),
    "funds_in_yuan": Edit(_funds_in_yuan, None),
}
UNREADABLE = "not a readable XLSX workbook"

# --- how it is written ----------------------------------------------------------------------------------


def _heading(name: str, english: bool) -> str:
    return name if english else REPORT.column(name).label_zh


def _csv_cell(value: object, grouped: bool) -> str:
    if value is None:
        return ""
    return f"{value:,}" if grouped and isinstance(value, (int, Decimal)) else str(value)


def _csv(rows: list[Row], encoding: str, english: bool, grouped: bool) -> bytes:
    """Thousands separators, when asked for, only in the province's own row, as when someone
    types its big figures by hand and pastes the cities' from a system export."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_heading(c.name, english) for c in REPORT.columns])
    for i, row in enumerate(rows):
        writer.writerow([_csv_cell(row[c.name], grouped and i == 0) for c in REPORT.columns])
    return out.getvalue().encode(encoding)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _json(rows: list[Row], wrapped: bool) -> bytes:
    records = [{c.name: _json_value(row[c.name]) for c in REPORT.columns} for row in rows]
    return json.dumps({"rows": records} if wrapped else records, ensure_ascii=False, indent=2).encode("utf-8")


def _xlsx(rows: list[Row], typed: bool) -> bytes:
    """The template as an Excel sheet: merged title, a blank row, then the header. `typed` is a
    sheet someone typed into: codes became numbers and the period became a date cell."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = REPORT.title_zh
    width = len(REPORT.columns)
    sheet.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for j, column in enumerate(REPORT.columns, start=1):
        sheet.cell(row=3, column=j, value=column.label_zh).font = Font(bold=True)
    for i, row in enumerate(rows, start=4):
        for j, column in enumerate(REPORT.columns, start=1):
            value = row[column.name]
            if typed and column.name == "org_unit_code" and str(value).isdigit():
                value = int(value)
            if typed and column.name == "period":
                value = datetime.strptime(str(value), "%Y-%m")
                sheet.cell(row=i, column=j).number_format = "yyyy-mm"
            sheet.cell(row=i, column=j, value=_json_value(value))
    workbook.properties.creator = "provincial_reports.tools.samples"
    return _pinned(workbook)


def _pinned(workbook) -> bytes:
    """The workbook's bytes with fixed timestamps (document properties and zip entries), so that a
    rerun writes identical files and the ledger sees no new versions."""
    from openpyxl.writer.excel import ExcelWriter

    moment = BASE_TIME.replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = moment
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    pinned = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(pinned, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            stamped = zipfile.ZipInfo(entry.filename, date_time=moment.timetuple()[:6])
            target.writestr(stamped, source.read(entry), compress_type=zipfile.ZIP_DEFLATED)
    return pinned.getvalue()


# format → (file extension, writer). The writer gets the rows and the sample's header options.
Writer = Callable[[list[Row], bool, bool], bytes]
FORMATS: dict[str, tuple[str, Writer]] = {
    "csv": ("csv", lambda rows, en, grouped: _csv(rows, "utf-8", en, grouped)),
    "csv-bom": ("csv", lambda rows, en, grouped: _csv(rows, "utf-8-sig", en, grouped)),  # Excel "CSV UTF-8"
    "csv-gbk": ("csv", lambda rows, en, grouped: _csv(rows, "gbk", en, grouped)),  # Excel's default CSV
    "xlsx": ("xlsx", lambda rows, en, grouped: _xlsx(rows, typed=False)),
    "xlsx-typed": ("xlsx", lambda rows, en, grouped: _xlsx(rows, typed=True)),
    "json": ("json", lambda rows, en, grouped: _json(rows, wrapped=False)),
    "json-rows": ("json", lambda rows, en, grouped: _json(rows, wrapped=True)),
    # a CSV export renamed to .xlsx: the one fault that keeps a file from being read at all
    "text-as-xlsx": ("xlsx", lambda rows, en, grouped: _csv(rows, "utf-8", en, grouped)),
}

# --- the month, in the order the files arrive ----------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One upload. `day` is days after BASE_TIME; within a day files arrive a minute apart in
    the order of SAMPLES. `version` names a resubmission's file (e.g. jiangxi-2025-01-corrected.xlsx)."""

    province: str
    format: str
    period: str = "2025-01"
    edit: str | None = None
    version: str = ""
    day: int = 0
    english: bool = False
    grouped: bool = False

    @property
    def source(self) -> str:
        slug = provinces()[self.province].name_en.lower().replace(" ", "-")
        suffix = f"-{self.version}" if self.version else ""
        return f"{self.province}/{self.period}/{slug}-{self.period}{suffix}.{FORMATS[self.format][0]}"

    @property
    def expected(self) -> tuple[str, str | None]:
        """('accepted', None) or ('rejected', words of the failed rule)."""
        if self.format == "text-as-xlsx":
            return "rejected", UNREADABLE
        reason = EDITS[self.edit].reason if self.edit else None
        return ("rejected", reason) if reason else ("accepted", None)


SAMPLES = [
    # 2025-01, first submissions: every province but Tibet (540000), which never reports
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
    Sample("440000", "xlsx-typed", period="2025-02", day=28),
    # after the due day (the 5th): Fujian's file is accepted, late
    Sample("350000", "csv", period="2025-02", day=36),
]


def content(sample: Sample) -> bytes:
    rows = figures(sample.province, sample.period)
    if sample.edit:
        EDITS[sample.edit].change(rows)
    _, writer = FORMATS[sample.format]
    return writer(rows, sample.english, sample.grouped)


def arrival_time(position: int, sample: Sample) -> datetime:
    return BASE_TIME + timedelta(days=sample.day, minutes=position)


def write_samples(landing: Path) -> list[str]:
    """Write every sample under `landing` with its arrival time as modification time; the
    relative paths written, in arrival order."""
    landing = Path(landing)
    written = []
    for position, sample in enumerate(SAMPLES):
        path = landing / sample.source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content(sample))
        moment = arrival_time(position, sample).timestamp()
        os.utime(path, (moment, moment))
        written.append(sample.source)
    return written
