"""What the report site shows, read from the marts in one go: the pages are drawn from this alone,
so `make report` rebuilds the site from the warehouse without touching a file or the lake."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from provincial_reports.stores.warehouse import Warehouse

BEIJING = timezone(timedelta(hours=8))
# Every file with its deadline (due_at, on_time: the warehouse's, never worked out here), from the
# marts only, so that a BI or auditor login can build the site.
FILES = "SELECT * FROM mart.submissions ORDER BY province_code, received_at, source"


@dataclass(frozen=True)
class SiteData:
    as_of: datetime  # a moment (timezone-aware), like the marts' timestamps
    report_types: list[dict]
    metrics: dict[str, list[dict]]  # by report type, in template order
    provinces: list[dict]
    completeness: list[dict]
    totals: list[dict]
    figures: list[dict]
    flags: list[dict]
    files: list[dict]
    releases: list[dict] = field(default_factory=list)  # past their release instant (mart.releases)
    released_totals: list[dict] = field(default_factory=list)
    released_figures: list[dict] = field(default_factory=list)
    release_changes: list[dict] = field(default_factory=list)
    official: list[dict] = field(default_factory=list)
    by_period: dict[tuple[str, str], dict[str, list[dict]]] = field(default_factory=dict)

    def periods(self, report_type: str) -> list[str]:
        return sorted({r["period"] for r in self.completeness if r["report_type"] == report_type})

    def of(self, kind: str, report_type: str, period: str) -> list[dict]:
        """The rows of one kind (completeness, totals, figures, flags, files, releases, official) for a period."""
        return self.by_period.get((report_type, period), {}).get(kind, [])

    def pages_of_files(self) -> dict[str, list[tuple[str, str]]]:
        """Each file's period pages (report type, period): the pages that list it (its row #file-<id>)."""
        drawn = {(r["report_type"], r["period"]) for r in self.completeness}
        pages: dict[str, list[tuple[str, str]]] = {}
        for page, kinds in sorted(self.by_period.items()):
            for f in kinds.get("files", []) if page in drawn else []:
                pages.setdefault(f["submission_id"], []).append(page)
        return pages

    def unplaced_files(self) -> list[dict]:
        return [f for f in self.files if f["period"] is None]


def read_site_data(warehouse: Warehouse, as_of: datetime) -> SiteData:
    metrics: dict[str, list[dict]] = defaultdict(list)
    for m in warehouse.query("SELECT * FROM mart.dim_metric ORDER BY report_type, position"):
        metrics[m["report_type"]].append(m)
    data = SiteData(
        as_of=as_of,
        report_types=warehouse.query("SELECT * FROM mart.dim_report_type ORDER BY report_type"),
        metrics=dict(metrics),
        provinces=warehouse.query("SELECT * FROM mart.dim_province ORDER BY province_code"),
        completeness=warehouse.query("SELECT * FROM mart.completeness ORDER BY report_type, period, province_code"),
        totals=warehouse.query("SELECT * FROM mart.national_totals ORDER BY report_type, period, metric_position"),
        figures=warehouse.query("SELECT * FROM mart.province_figures ORDER BY report_type, period, metric, value DESC"),
        flags=warehouse.query(
            "SELECT * FROM mart.review_flags ORDER BY report_type, period, province_code, org_unit_code, metric, rule"
        ),
        files=warehouse.query(FILES),
        releases=warehouse.query("SELECT * FROM mart.releases ORDER BY report_type, period, revision"),
        released_totals=warehouse.query("SELECT * FROM mart.released_totals ORDER BY release_id, metric_position"),
        released_figures=warehouse.query(
            "SELECT * FROM mart.released_province_figures ORDER BY release_id, metric, province_code"
        ),
        release_changes=warehouse.query(
            "SELECT * FROM mart.release_changes ORDER BY release_id, level, metric, province_code"
        ),
        official=warehouse.query("SELECT * FROM mart.official_totals ORDER BY report_type, period, metric_position"),
    )
    _group_by_period(data)
    return data


def _group_by_period(data: SiteData) -> None:
    """Rows keyed by (report type, period). A file that names no report type (unreadable) belongs
    to every report type's page of its period, as it does in mart.completeness."""
    kinds = {
        "completeness": data.completeness,
        "totals": data.totals,
        "figures": data.figures,
        "flags": data.flags,
        "releases": data.releases,
        "official": data.official,
    }
    for kind, rows in kinds.items():
        for row in rows:
            data.by_period.setdefault((row["report_type"], row["period"]), {}).setdefault(kind, []).append(row)
    names = [rt["report_type"] for rt in data.report_types]
    for row in data.files:
        for report_type in [row["report_type"]] if row["report_type"] else names:
            if row["period"] is not None:
                data.by_period.setdefault((report_type, row["period"]), {}).setdefault("files", []).append(row)


def province_names(data: SiteData, codes: Iterable[str]) -> str:
    """Provinces by their Chinese names, as the pages list them; an unknown code as itself."""
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    return "、".join(names.get(code, code) for code in codes)


def beijing_time(moment: datetime | None) -> str:
    """The marts' timestamps are moments (UTC); people in the provinces and ministries read Beijing time."""
    return "—" if moment is None else f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M}"


def due_date(due_at: datetime | None) -> str:
    """The due day as people say it: due_at is the first moment after it."""
    return "—" if due_at is None else f"{due_at.astimezone(BEIJING) - timedelta(seconds=1):%Y-%m-%d}"
