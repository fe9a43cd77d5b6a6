"""One page per report type and period: the national totals and how they were reached, province by
province, flag by flag and file by file, down to each file's validation page."""

from __future__ import annotations

from html import escape

from provincial_reports.report.charts import Bar, Point, bar_chart, coverage_legend, line_chart
from provincial_reports.report.flags import flags_section, held_out_provinces, open_flags, total_marks, trend_mark
from provincial_reports.report.html import (
    box,
    headers,
    heading,
    note,
    page,
    rule_list,
    status_pill,
    table,
    th,
    validation_href,
)
from provincial_reports.report.index_page import overdue_provinces
from provincial_reports.report.releases import official_cell, releases_section
from provincial_reports.report.site_data import SiteData, beijing_time, due_date, province_names
from provincial_reports.wording import figure_text


def period_page(data: SiteData, rt: dict, period: str, raw: dict[str, str] | None) -> str:
    """`raw`: the files' copies in the site (report.raw_files), None when the lake is not local."""
    name = rt["report_type"]
    metrics = data.metrics.get(name, [])
    body = "".join(
        [
            _period_nav(data, name, period),
            _cards(data, name, period),
            _totals_section(data, name, period, metrics),
            releases_section(data, name, period, depth=1),
            flags_section(data, name, period),
            _rejected_section(data, name, period),
            _metric_sections(data, name, period, metrics),
            _files_section(data, name, period, raw),
        ]
    )
    cells = data.of("completeness", name, period)
    due = due_date(cells[0]["due_at"] if cells else None)
    subtitle = (
        f"Period {escape(period)} · due by the end of {due} (Beijing time) · 报告期 {escape(period)}，"
        f"截止日期 {due} · built {beijing_time(data.as_of)}"
    )
    return page(f"{rt['title_en']}, {period}", f"{rt['title_zh']} {period}", subtitle, body, home="../index.html")


def _period_nav(data: SiteData, name: str, period: str) -> str:
    links = " ".join(
        f"<strong>{escape(p)}</strong>" if p == period else f'<a href="{escape(p)}.html">{escape(p)}</a>'
        for p in data.periods(name)
    )
    return f'<nav class="periods note">Periods · 报告期: {links}</nav><p></p>'


def _cards(data: SiteData, name: str, period: str) -> str:
    cells = data.of("completeness", name, period)
    counted = [c for c in cells if c["status"] in ("accepted", "resubmitted")]
    facts = [
        (f"{len(counted)} / {len(cells)}", "provinces accepted · 已接收省份"),
        (str(sum(c["on_time"] is True for c in counted)), "on time · 按时"),
        (str(sum(c["on_time"] is False for c in counted)), "late · 逾期"),
        (str(sum(c["status"] == "rejected" for c in cells)), "rejected, none accepted · 被退回未重报"),
        (str(len(overdue_provinces(data, name, period))), "overdue · 逾期未报"),
        (str(len(open_flags(data, name, period))), "open review flags · 待复核"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="big">{escape(big)}</div><div class="what">{escape(what)}</div></div>'
            for big, what in facts
        )
        + "</div>"
    )


def _totals_section(data: SiteData, name: str, period: str, metrics: list[dict]) -> str:
    kinds = {m["metric"]: m for m in metrics}
    cells = data.of("completeness", name, period)
    without_file = {c["province_code"] for c in cells if c["status"] not in ("accepted", "resubmitted")}
    rows = "".join(_total_row(data, t, kinds[t["metric"]], without_file) for t in data.of("totals", name, period))
    absent = [c for c in cells if c["province_code"] in without_file]
    overdue = " Past the due day: overdue. 已过截止日，逾期未报。" if overdue_provinces(data, name, period) else ""
    absent_note = (
        f'<p class="note" id="overdue">No accepted file, so missing from every total · 无已接收报表、各项合计均未计入 '
        f"({len(absent)}): {'、'.join(_absent_name(c) for c in absent)}.{overdue}</p>"
        if absent
        else ""
    )
    return (
        f'<section id="totals">{heading("National totals", "全国合计")}'
        '<p class="note">The sum of the provinces\' own rows in force; a province that did not report, or left a cell '
        "blank, is missing, never zero, as is a province whose file a reviewer returned. A money figure flagged as a "
        "factor of 10 is held out until a reviewer clears it; the total with every figure is shown under it. Each "
        "figure links to the province figures behind it. "
        "各省现行报表本级行之和；未报、空白或被复核退回的按缺报计，不计为零。"
        "疑似十倍偏差的资金数据在复核通过前暂不计入，"
        "其下注明含全部数据的合计。点击数字查看各省明细。</p>"
        f"<table><tr>{th('Metric', '指标')}{th('National total', '全国合计', 'num')}{th('Unit', '单位')}"
        f"{th('Coverage', '覆盖', 'num')}{th('Also missing: blank cells', '另有空白未填')}"
        f"{th('Official (released)', '正式发布', 'num')}</tr>{rows}</table>"
        f"{absent_note}</section>"
    )


def _absent_name(cell: dict) -> str:
    """A province without a file in force, linked to its returned file (with why) when a reviewer returned it."""
    name = escape(cell["province_name_zh"])
    if cell["status"] != "returned":
        return name
    return f'{name} (<a href="#province-{escape(cell["province_code"])}">returned · 复核退回</a>)'


def _total_row(data: SiteData, total: dict, metric: dict, without_file: set[str]) -> str:
    """The headline figure (mart.national_totals.value_headline) with what it holds out or includes
    under review. Provinces without a file are named once under the table; here only blank cells."""
    key = escape(total["metric"])
    blank = [c for c in total["provinces_missing"] if c not in without_file]
    css = ' class="flagged"' if total["provinces_flagged"] else ""
    return (
        f'<tr{css}><td><a href="#metric-{key}">{escape(metric["label_zh"])}</a><br>'
        f'<span class="note">{key}</span></td>'
        f'<td class="num"><a href="#metric-{key}">{figure_text(total["value_headline"], metric["value_type"])}</a>'
        f"{total_marks(data, total, metric['value_type'], '#flags')}</td>"
        f'<td>{escape(metric["unit"])}</td><td class="num">{total["provinces_reported"]} / {len(data.provinces)}</td>'
        f"<td>{escape(province_names(data, blank)) or '—'}</td>"
        f'<td class="num official">{official_cell(data, total, metric["value_type"], depth=1)}</td></tr>'
    )


def _rejected_section(data: SiteData, name: str, period: str) -> str:
    rejected = [f for f in data.of("files", name, period) if f["status"] == "rejected"]
    if not rejected:
        return box("rejected", "Rejected files", "被退回的文件", note("None. 无。"))
    rows = "".join(
        f"<tr><td>{escape(f['province_name_zh'] or '')}<br>"
        f'<a href="#file-{escape(f["submission_id"])}"><code>{escape(f["source"])}</code></a></td>'
        f"<td>{beijing_time(f['received_at'])}</td><td>{rule_list(f['reason'])}</td>"
        f'<td><a href="{validation_href(f["submission_id"], 1)}">validation · 校验结果</a></td></tr>'
        for f in rejected
    )
    return (
        f'<section id="rejected">{heading("Rejected files", "被退回的文件")}'
        + note("Every failed rule, in the words the province received. 每条未通过的规则，与反馈给省份的说明一致。")
        + table(headers(("File", "文件"), ("Received", "接收时间"), ("Failed rules", "未通过的规则"), ("",)), rows)
        + "</section>"
    )


def _metric_sections(data: SiteData, name: str, period: str, metrics: list[dict]) -> str:
    parts = [_metric_section(data, name, period, m) for m in metrics]
    return f"<section>{heading('Province figures and trends', '分省数据与趋势')}{''.join(parts)}</section>"


def _metric_section(data: SiteData, name: str, period: str, metric: dict) -> str:
    key, kind = metric["metric"], metric["value_type"]
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    figures = [f for f in data.of("figures", name, period) if f["metric"] == key and f["value"] is not None]
    flagged = {
        (f["province_code"], f["metric"])
        for f in open_flags(data, name, period)
        if f["org_unit_code"] == f["province_code"]
    }
    bars = [
        Bar(
            names[f["province_code"]],
            float(f["value"]),
            figure_text(f["value"], kind),
            f"#file-{f['submission_id']}",
            (f["province_code"], key) in flagged,
        )
        for f in figures
    ]
    totals = {t["period"]: t for t in data.totals if t["report_type"] == name and t["metric"] == key}
    points = [
        Point(
            p,
            None if totals[p]["value_headline"] is None else float(totals[p]["value_headline"]),
            f"{totals[p]['provinces_reported']}/{len(data.provinces)}",
            trend_mark(totals[p]),
            *headline_coverage(data, totals[p]),
        )
        for p in data.periods(name)
        if p in totals
    ]
    rows = "".join(
        _figure_row(f, names[f["province_code"]], kind, (f["province_code"], key) in flagged) for f in figures
    )
    nobody = "" if figures else '<p class="note">No province reported it. 无省份报送。</p>'
    legend = coverage_legend(points)
    marked = (note(escape(legend)) if legend else "") + "".join(
        note(f"⚑ {escape(p.label)}: {escape(p.flag)}") for p in points if p.flag
    )
    title = f"{metric['label_zh']} {key}"
    return (
        f'<div class="metric" id="metric-{escape(key)}"><div>{heading(key, metric["label_zh"], 3)}'
        f'<p class="note">Provinces\' own figures, {escape(metric["unit"])} · 各省本级数据</p>'
        f"{bar_chart(f'{title}, {period}, by province', bars)}"
        f'<h3>Trend<span class="zh">全国合计趋势（覆盖省份数）</span></h3>'
        f"{line_chart(f'{title}, national total by period', points, lambda v: figure_text(v, kind))}{marked}</div>"
        f'<div class="side">{table(headers(("Province", "省份"), ("Value", "数值", "num"), ("",), ("",)), rows)}'
        f"{nobody}</div></div>"
    )


def headline_coverage(data: SiteData, total: dict) -> tuple[int, tuple[str, ...]]:
    """How many provinces a headline figure covers and which it does not: those without a figure
    and those held out of it for review."""
    held_out = held_out_provinces(data, total)
    return total["provinces_reported"] - len(held_out), tuple(sorted({*total["provinces_missing"], *held_out}))


def _figure_row(f: dict, province: str, kind: str, flagged: bool) -> str:
    css = ' class="flagged"' if flagged else ""
    return (
        f'<tr{css}><td>{escape(province)}</td><td class="num">{figure_text(f["value"], kind)}</td>'
        f'<td><a href="#file-{escape(f["submission_id"])}">source file · 源文件</a></td>'
        f'<td><a href="{validation_href(f["submission_id"], 1)}">validation · 校验</a></td></tr>'
    )


def _files_section(data: SiteData, name: str, period: str, raw: dict[str, str] | None) -> str:
    rows = "".join(_file_row(f, raw_link(f, raw)) for f in data.of("files", name, period))
    anchors = "".join(f'<span id="province-{escape(p["province_code"])}"></span>' for p in data.provinces)
    return (
        f'<section id="files">{anchors}{heading("Every file received", "收到的全部文件")}'
        + note(
            "Where each figure came from: the file as uploaded (kept in the lake, and downloadable here where the "
            "lake is on this machine), its SHA-256, when it arrived, and its full validation result. "
            "每个数据的来源：原始文件位置（湖在本机时可在此下载）、SHA-256、接收时间及完整校验结果。"
        )
        + table(
            headers(
                ("Province", "省份"),
                ("File", "文件"),
                ("Received", "接收时间（北京）"),
                ("Status", "状态"),
                ("Validation", "校验"),
            ),
            rows,
        )
        + "</section>"
    )


def raw_link(f: dict, raw: dict[str, str] | None) -> str:
    """The download of a file as received, or why the site has none."""
    if raw is None:
        return "the lake is on S3: not copied into this site · 原始文件存于对象存储，本站不提供下载"
    if f["submission_id"] not in raw:
        return "left in the landing zone: not copied into this site · 原始文件留在上传区，本站不提供下载"
    return f'<a href="../{escape(raw[f["submission_id"]])}" download>download as received · 下载原始文件</a>'


def _file_row(f: dict, raw: str) -> str:
    status = status_pill(f["status"], f["on_time"] if f["status"] == "accepted" else None)
    replaced = (
        f'<br><span class="note">replaced by · 被替换为 <a href="#file-{escape(f["superseded_by"])}">'
        f"{escape(f['superseded_by'])}</a></span>"
        if f["superseded_by"]
        else ""
    )
    returned = rule_list(f["reason"]) if f["status"] == "returned" else ""
    return (
        f'<tr id="file-{escape(f["submission_id"])}"><td>{escape(f["province_name_zh"] or "—")}</td>'
        f"<td><code>{escape(f['source'])}</code><br>"
        f'<span class="note">sha256 <span class="mono">{escape(f["sha256"])}</span>'
        f'<br>{f["size_bytes"]:,} bytes · kept at <span class="mono">{escape(f["raw_location"])}</span>'
        f"<br>{raw}</span></td>"
        f'<td class="num">{beijing_time(f["received_at"])}</td><td>{status}{replaced}{returned}</td>'
        f'<td><a href="{validation_href(f["submission_id"], 1)}">validation · 校验结果</a></td></tr>'
    )
