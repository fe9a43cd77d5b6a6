"""One page per release: its approval, its official figures, what changed since the previous
release, a download of the release (CSV and XLSX, formula-safe as `cli export`, with their SHA-256),
and the drill-down for auditors from each released figure to the province figures, their files
(SHA-256), validation pages, and the warnings on those files with their states, the provinces'
explanations and the reviewers' decisions (each with who and when).

The warnings are shown as they stand now (mart.review_flags), not frozen with the release: a flag
is keyed to its file, so the flags listed are those of the released files, and a decision taken
after the release instant says so by its date.

A release never changes, so its downloads are written once and never again: the SHA-256 a page
gives is that of the file beside it, whenever the page was drawn.
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

from provincial_reports.report.flags import file_flags, warning_links, warnings_section
from provincial_reports.report.html import box, headers, heading, note, page, period_href, table, validation_href
from provincial_reports.report.releases import revision_name
from provincial_reports.report.site_data import SiteData, beijing_time, province_names
from provincial_reports.stores.local import atomic_write
from provincial_reports.tools.export import as_cell, csv_bytes, neutralised, xlsx_bytes
from provincial_reports.wording import figure_text

DEPTH = 3  # releases/<report type>/<period>/r<n>.html
UNDER_REVIEW_PILL = ' <span class="pill s-flag">under review then · 发布时待复核</span>'
FLAGGED_ROW = ' class="flagged"'
DOWNLOAD_COLUMNS = (
    "release_id",
    "level",
    "province_code",
    "province_name_zh",
    "metric",
    "value",
    "provinces_reported",
    "provinces_missing",
    "under_review",
    "source",
    "sha256",
    "received_at",
    "submission_id",
)


def write_release_pages(data: SiteData, site: Path) -> int:
    """Each release's page and, once, its downloads; how many pages."""
    titles = {rt["report_type"]: rt for rt in data.report_types}
    for release in data.releases:
        folder = site / "releases" / release["report_type"] / release["period"]
        downloads = _write_downloads(data, release, folder)
        html = release_page(data, titles[release["report_type"]], release, downloads)
        atomic_write(folder / f"{revision_name(release)}.html", lambda out, text=html: out.write(text.encode("utf-8")))
    return len(data.releases)


def _write_downloads(data: SiteData, release: dict, folder: Path) -> list[tuple[str, str, int]]:
    """(file name, sha256, size) of the release's CSV and XLSX, written only if not there yet."""
    columns, rows = download_rows(data, release)
    found = []
    for fmt, make in (
        ("csv", lambda: csv_bytes(list(columns), rows)),
        ("xlsx", lambda: xlsx_bytes("release", list(columns), rows)),
    ):
        path = folder / f"{revision_name(release)}.{fmt}"
        if not path.exists():
            content = make()
            atomic_write(path, lambda out, content=content: out.write(content))
        content = path.read_bytes()
        found.append((path.name, hashlib.sha256(content).hexdigest(), len(content)))
    return found


def download_rows(data: SiteData, release: dict) -> tuple[tuple[str, ...], list[list[object]]]:
    """The release as one table, national figures first, every text cell neutralised (tools/export.py)."""
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    national = [
        {"level": "national", "province_code": "", "province_name_zh": "全国", **t}
        for t in data.released_totals
        if t["release_id"] == release["release_id"]
    ]
    provinces = [
        {"level": "province", "province_name_zh": names.get(f["province_code"], ""), **f}
        for f in data.released_figures
        if f["release_id"] == release["release_id"]
    ]
    rows = [[neutralised(as_cell(row.get(c))) for c in DOWNLOAD_COLUMNS] for row in national + provinces]
    return DOWNLOAD_COLUMNS, rows


def release_page(data: SiteData, rt: dict, release: dict, downloads: list[tuple[str, str, int]]) -> str:
    release_id = release["release_id"]
    totals = [t for t in data.released_totals if t["release_id"] == release_id]
    figures = [f for f in data.released_figures if f["release_id"] == release_id]
    changes = [c for c in data.release_changes if c["release_id"] == release_id]
    kinds = {m["metric"]: m for m in data.metrics.get(rt["report_type"], [])}
    body = "".join(
        [
            _approval_section(release),
            _downloads_section(downloads),
            _totals_section(data, totals, kinds),
            _changes_section(data, release, changes, kinds),
            *(_drill_down(data, t, [f for f in figures if f["metric"] == t["metric"]], kinds) for t in totals),
            _files_section(data, figures),
            warnings_section(data, figures),
        ]
    )
    period_page = f"{'../' * DEPTH}{period_href(release['report_type'], release['period'])}"
    subtitle = (
        f"Official release <code>{escape(release_id)}</code> · released {beijing_time(release['released_at'])} "
        f'Beijing time · 正式发布 · <a href="{period_page}">the period\'s live, provisional figures · 当前初步数据</a>'
    )
    title = f"{rt['title_en']}, {release['period']}, release {revision_name(release)}"
    title_zh = f"{rt['title_zh']} {release['period']} 正式发布 {revision_name(release)}"
    return page(title, title_zh, subtitle, body, home=f"{'../' * DEPTH}index.html")


def _approval_section(release: dict) -> str:
    previous = release["previous_release_id"]
    facts = [
        ("Approved by", "审批人", escape(release["approved_by"])),
        ("Approved at", "审批时间", f"{beijing_time(release['approved_at'])} Beijing time"),
        ("Released at", "发布时间", f"{beijing_time(release['released_at'])} Beijing time"),
        ("Comment", "说明", escape(release["comment"]) or "—"),
        (
            "Release conditions",
            "发布条件",
            (
                "all met · 全部满足"
                if release["conditions_met"]
                else '<span class="pill s-late">not met: approved anyway · 未满足，仍批准</span>'
            )
            + "".join(f"<br>{escape(c)}" for c in release["conditions"].split("; ") if c),
        ),
        ("Open review flags then", "发布时待复核", str(release["open_flags"])),
        ("Late files in force", "逾期报表", str(release["late_files"])),
        (
            "Previous release",
            "上一版",
            f'<a href="{revision_href(previous)}">{escape(previous)}</a>' if previous else "— (first · 首次发布)",
        ),
        ("Content SHA-256", "内容校验值", f'<span class="mono">{escape(release["content_sha256"])}</span>'),
        ("Validation rules SHA-256", "校验规则", f'<span class="mono">{escape(release["suite_sha256"])}</span>'),
        ("Validation results", "校验结果位置", f'<span class="mono">{escape(release["validation_location"])}</span>'),
        ("Airflow run", "审批流程", f'<span class="mono">{escape(release["dag_run_id"])}</span>'),
    ]
    rows = "".join(
        f'<tr><th>{escape(en)}<span class="zh">{escape(zh)}</span></th><td>{value}</td></tr>' for en, zh, value in facts
    )
    return f'<section id="approval">{heading("Approval", "审批")}<table>{rows}</table></section>'


def revision_href(release_id: str) -> str:
    """Another release of the same report type and period: a page beside this one."""
    return f"{escape(release_id.rsplit('/', 1)[1])}.html"


def _downloads_section(downloads: list[tuple[str, str, int]]) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(name)}" download>{escape(name)}</a></td><td class="num">{size:,}</td>'
        f'<td><span class="mono">{sha}</span></td></tr>'
        for name, sha, size in downloads
    )
    return (
        f'<section id="downloads">{heading("Download this release", "下载本版数据")}'
        + note(
            "The national and province figures of this release with each figure's file. Cells a spreadsheet would "
            "take for a formula are written as text. "
            "本版全国及分省数据及其来源文件；可能被当作公式的单元格均按文本写出。"
        )
        + table(headers(("File", "文件"), ("Bytes", "字节", "num"), ("SHA-256", "校验值")), rows)
        + "</section>"
    )


def _totals_section(data: SiteData, totals: list[dict], kinds: dict[str, dict]) -> str:
    rows = "".join(
        f'<tr><td><a href="#metric-{escape(t["metric"])}">{escape(t["metric_label_zh"])}</a><br>'
        f'<span class="note">{escape(t["metric"])}</span></td>'
        f'<td class="num"><a href="#metric-{escape(t["metric"])}">{figure_text(t["value"], t["value_type"])}</a></td>'
        f'<td>{escape(t["unit"])}</td><td class="num">{t["provinces_reported"]} / {len(data.provinces)}</td>'
        f"<td>{missing_text(data, t['provinces_missing'])}</td></tr>"
        for t in totals
        if t["metric"] in kinds
    )
    head = headers(
        ("Metric", "指标"),
        ("Official figure", "正式数据", "num"),
        ("Unit", "单位"),
        ("Coverage", "覆盖", "num"),
        ("Missing", "缺报"),
    )
    return (
        f'<section id="figures">{heading("Official national figures", "全国正式数据")}'
        + note("Each figure links to the province figures behind it. 点击数字查看各省明细及来源文件。")
        + table(head, rows)
        + "</section>"
    )


def missing_text(data: SiteData, missing: list[str]) -> str:
    """The provinces a figure does not cover; when most are missing, the few it does cover instead."""
    if not missing:
        return "—"
    if len(missing) <= len(data.provinces) // 2:
        return escape(province_names(data, missing))
    covered = [p["province_code"] for p in data.provinces if p["province_code"] not in missing]
    return f"{len(missing)}: all but · 除 {escape(province_names(data, covered))} 外均缺报"


def _changes_section(data: SiteData, release: dict, changes: list[dict], kinds: dict[str, dict]) -> str:
    previous = release["previous_release_id"]
    if previous is None:
        return box("changes", "Changes", "变化", note("The first release of this period. 本期首次发布。"))
    if not changes:
        return box("changes", "Changes", "变化", note(f"No figure differs from {escape(previous)}. 与上一版相同。"))
    rows = "".join(
        f"<tr><td>{escape(c['province_name_zh'] or '全国 national')}</td><td>{escape(c['metric'])}</td>"
        f'<td class="num">{figure_text(c["old_value"], kinds[c["metric"]]["value_type"])}</td>'
        f'<td class="num">{figure_text(c["new_value"], kinds[c["metric"]]["value_type"])}</td></tr>'
        for c in changes
    )
    return (
        f'<section id="changes">{heading(f"Changes since {previous}", "与上一版相比的变化")}'
        + table(
            headers(("Where", "范围"), ("Metric", "指标"), ("Before", "上一版", "num"), ("Now", "本版", "num")), rows
        )
        + "</section>"
    )


def _drill_down(data: SiteData, total: dict, figures: list[dict], kinds: dict[str, dict]) -> str:
    kind = total["value_type"]
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    rows = "".join(
        f"<tr{FLAGGED_ROW if f['under_review'] else ''}><td>{escape(names.get(f['province_code'], ''))}</td>"
        f'<td class="num">{figure_text(f["value"], kind)}{UNDER_REVIEW_PILL if f["under_review"] else ""}</td>'
        f'<td><a href="#file-{escape(f["submission_id"])}">source file · 源文件</a></td>'
        f'<td><a href="{validation_href(f["submission_id"], DEPTH)}">validation · 校验</a></td>'
        f"<td>{warning_links(file_flags(data, f['submission_id'], f['province_code'], f['metric']))}</td></tr>"
        for f in figures
    )
    key = escape(total["metric"])
    title = f"{total['metric_label_zh']} · {total['metric']}"
    return (
        f'<section id="metric-{key}">{heading(title, "分省明细")}'
        + note(
            f"National figure {figure_text(total['value'], kind)} {escape(total['unit'])}: the sum of these "
            f"province figures. 全国数据为下列各省数据之和。"
        )
        + table(headers(("Province", "省份"), ("Value", "数值", "num"), ("",), ("",), ("Warnings", "复核提示")), rows)
        + "</section>"
    )


def _files_section(data: SiteData, figures: list[dict]) -> str:
    files = {f["submission_id"]: f for f in figures}
    rows = "".join(
        f'<tr id="file-{escape(f["submission_id"])}"><td>{escape(f["province_name_zh"] or f["province_code"])}</td>'
        f'<td><code>{escape(f["source"])}</code><br><span class="note">sha256 '
        f'<span class="mono">{escape(f["sha256"])}</span></span></td>'
        f'<td class="num">{beijing_time(f["received_at"])}</td>'
        f"<td>{'on time · 按时' if f['on_time'] else ('late · 逾期' if f['on_time'] is False else '—')}</td>"
        f'<td><a href="{validation_href(f["submission_id"], DEPTH)}">validation · 校验结果</a></td>'
        f"<td>{warning_links(file_flags(data, f['submission_id'])) or '—'}</td></tr>"
        for f in sorted(files.values(), key=lambda f: f["province_code"])
    )
    return (
        f'<section id="files">{heading("The files behind this release", "本版数据的来源文件")}'
        + table(
            headers(
                ("Province", "省份"),
                ("File", "文件"),
                ("Received", "接收时间（北京）"),
                ("", ""),
                ("Validation", "校验"),
                ("Warnings", "复核提示"),
            ),
            rows,
        )
        + "</section>"
    )
