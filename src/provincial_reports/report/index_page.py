"""The report site's index page: every report type with its periods, and who has sent what."""

from __future__ import annotations

from html import escape

from provincial_reports.report.flags import period_flags
from provincial_reports.report.html import (
    headers,
    heading,
    page,
    period_href,
    rule_list,
    status_pill,
    table,
    validation_link,
)
from provincial_reports.report.releases import release_history
from provincial_reports.report.site_data import SiteData, beijing_time

PERIOD_COLUMNS = headers(
    ("Period", "报告期"),
    ("Provinces accepted", "已接收", "num"),
    ("on time", "按时", "num"),
    ("late", "逾期", "num"),
    ("rejected only", "仅被退回", "num"),
    ("missing", "未报送", "num"),
    ("Open review flags", "待复核"),
    ("Overdue provinces", "逾期未报"),
)


def index_page(data: SiteData) -> str:
    parts = [_report_type_section(data, rt) for rt in data.report_types if data.periods(rt["report_type"])]
    if not parts:
        parts = ["<section><p>No files have arrived yet. 尚未收到任何报表。</p></section>"]
    unplaced = data.unplaced_files()
    if unplaced:
        parts.append(_unplaced_section(unplaced))
    built = beijing_time(data.as_of)
    subtitle = f"Built {built} Beijing time from the warehouse · 数据截至北京时间 {built}"
    return page("Provincial reports", "省级报表汇总", subtitle, "".join(parts), home="")


def _report_type_section(data: SiteData, rt: dict) -> str:
    name, periods = rt["report_type"], data.periods(rt["report_type"])
    due = (
        f"due by day {rt['due_day']} of the following month · 次月{rt['due_day']}日前报送"
        if rt["due_day"]
        else "no due day declared"
    )
    rows = "".join(_period_row(data, name, period) for period in periods)
    return (
        f"<section>{heading(rt['title_en'], rt['title_zh'])}"
        f'<p class="note"><code>{escape(name)}</code> · {escape(due)} · '
        f'<a href="suites/{escape(name)}.html">the validation rules (Data Docs) · 校验规则</a></p>'
        + table(PERIOD_COLUMNS, rows)
        + f"</section>{release_history(data, name)}"
        + f"<section>{heading('Completeness and timeliness', '报送完整性与及时性')}"
        f"{_matrix(data, name, periods)}</section>"
    )


def _period_row(data: SiteData, name: str, period: str) -> str:
    cells = data.of("completeness", name, period)
    counted = [c for c in cells if c["status"] in ("accepted", "resubmitted")]
    overdue = overdue_provinces(data, name, period)
    return (
        f'<tr><td><a href="{period_href(name, period)}">{escape(period)}</a></td>'
        f'<td class="num">{len(counted)} / {len(cells)}</td>'
        f'<td class="num">{sum(c["on_time"] is True for c in counted)}</td>'
        f'<td class="num">{sum(c["on_time"] is False for c in counted)}</td>'
        f'<td class="num">{sum(c["status"] == "rejected" for c in cells)}</td>'
        f'<td class="num">{sum(c["status"] == "missing" for c in cells)}</td>'
        f'<td class="flags">{period_flags(data, name, period, period_href(name, period) + "#totals")}</td>'
        f"<td>{escape('、'.join(c['province_name_zh'] for c in overdue)) or '—'}</td></tr>"
    )


WITHOUT_FILE_IN_FORCE = ("missing", "rejected", "locked", "returned")


def overdue_provinces(data: SiteData, report_type: str, period: str) -> list[dict]:
    """Provinces with no accepted file although the due day has passed (as of the build)."""
    return [
        c
        for c in data.of("completeness", report_type, period)
        if c["status"] in WITHOUT_FILE_IN_FORCE and c["due_at"] is not None and c["due_at"] <= data.as_of
    ]


def _matrix(data: SiteData, name: str, periods: list[str]) -> str:
    cells = {(c["province_code"], c["period"]): c for c in data.completeness if c["report_type"] == name}
    head = "".join(f'<th><a href="{period_href(name, p)}">{escape(p)}</a></th>' for p in periods)
    rows = []
    for province in data.provinces:
        code = province["province_code"]
        tds = "".join(_matrix_cell(name, cells[(code, p)]) for p in periods if (code, p) in cells)
        rows.append(
            f'<tr><td class="prov">{escape(province["name_zh"])} '
            f'<span class="note">{escape(province["name_en"])} {code}</span></td>{tds}</tr>'
        )
    legend = "".join(
        status_pill(s, t)
        for s, t in (
            ("accepted", True),
            ("accepted", False),
            ("resubmitted", True),
            ("rejected", None),
            ("locked", None),
            ("returned", None),
            ("missing", None),
        )
    )
    return (
        f'<table class="matrix"><tr><th class="prov">Province · 省份</th>{head}</tr>{"".join(rows)}</table>'
        f'<div class="legend">{legend}</div>'
        '<p class="note">Resubmitted: accepted after an earlier file was rejected or replaced. '
        "On time: the file in force arrived before the end of the due day, Beijing time. "
        "重报后接收：此前文件被退回或被替换。按时：现行文件在截止日（北京时间）结束前到达。</p>"
        '<p class="note">✉ n: reminders before the due day and overdue notices after it sent to the '
        "province's contacts, the latest dated (Beijing time). ✉ n：向该省联系人发送的报送提醒与逾期提醒次数，"
        "附最近一次的日期（北京时间）。</p>"
    )


def _matrix_cell(name: str, cell: dict) -> str:
    pill = status_pill(cell["status"], cell["on_time"]) + reminded(cell)
    anchor = f"file-{cell['submission_id']}" if cell["submission_id"] else f"province-{cell['province_code']}"
    if cell["status"] == "missing":
        return f"<td>{pill}</td>"
    return f'<td><a href="{period_href(name, cell["period"])}#{anchor}">{pill}</a></td>'


def reminded(cell: dict) -> str:
    """The reminders and overdue notices a province was sent for a period, and when the latest went."""
    sent = cell["reminders_sent"] + cell["overdue_notices_sent"]
    if not sent:
        return ""
    latest = max(t for t in (cell["last_reminded_at"], cell["last_overdue_notice_at"]) if t is not None)
    return f'<br><span class="note reminded">✉ {sent} · {beijing_time(latest)[:10]}</span>'


def _unplaced_section(files: list[dict]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(f['source'])}</code></td><td>{beijing_time(f['received_at'])}</td>"
        f"<td>{rule_list(f['reason'])}</td><td>{validation_link(f['submission_id'], 0)}</td></tr>"
        for f in files
    )
    return (
        f"<section>{heading('Files outside any province and period folder', '未放入省份/报告期目录的文件')}"
        + table(headers(("Location", "位置"), ("Received", "接收时间"), ("Failed rules", "未通过的规则"), ("",)), rows)
        + "</section>"
    )
