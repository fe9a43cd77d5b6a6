"""The consolidation report as HTML: an index and one page per report type and period.

Every page is self-contained (inline CSS, SVG charts, no script, no font or file fetched), so it
reads the same offline, from a file share or attached to a mail. Chinese labels stand beside the
English names. Links only go down the audit trail: national figure → province figures → source
file → its validation page (Great Expectations Data Docs, validation/<submission_id>.html).
"""

from __future__ import annotations

from html import escape

from provincial_reports.report.charts import Bar, Point, bar_chart, line_chart
from provincial_reports.report.site_data import SiteData, beijing_time, due_date, figure_text

STATUS_LABELS = {
    "accepted": ("accepted", "已接收"),
    "resubmitted": ("resubmitted", "重报后接收"),
    "rejected": ("rejected", "被退回"),
    "missing": ("missing", "未报送"),
    "superseded": ("superseded", "已被替换"),
}
RULE_LABELS = {"factor_of_10": "factor of 10 (十倍偏差)", "robust_z": "robust z-score (稳健Z值)"}

CSS = """
:root { --ink:#1d2733; --muted:#5b6875; --line:#d8dee5; --paper:#ffffff; --band:#f3f6f9;
  --ok:#1f7a4d; --ok-bg:#e3f4ea; --late:#8a5a00; --late-bg:#fdf0d2; --re:#1d5fa8; --re-bg:#e2eefb;
  --bad:#a72b2b; --bad-bg:#fbe4e4; --none:#6b7480; --none-bg:#eceff2; --accent:#2d5d8a; --warn:#d9822b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
  system-ui,sans-serif; color:var(--ink); background:var(--band); }
header.top { background:#1f3a56; color:#fff; padding:18px 32px 14px; }
header.top a { color:#cfe3f7; }
header.top h1 { margin:4px 0 2px; font-size:22px; font-weight:600; }
header.top .sub { color:#cfe3f7; font-size:13px; }
main { max-width:1180px; margin:0 auto; padding:20px 32px 48px; }
section { background:var(--paper); border:1px solid var(--line); border-radius:6px; padding:16px 20px;
  margin:0 0 18px; }
h2 { font-size:17px; margin:0 0 10px; font-weight:600; }
h2 .zh, h3 .zh, th .zh { color:var(--muted); font-weight:400; margin-left:6px; }
h3 { font-size:15px; margin:0 0 8px; font-weight:600; }
p.note, .note { color:var(--muted); font-size:12.5px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--band); font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
code, .mono { font-family:"DejaVu Sans Mono",Consolas,monospace; font-size:12px; word-break:break-all; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:0 0 18px; }
.card { flex:1 1 140px; background:var(--paper); border:1px solid var(--line); border-radius:6px;
  padding:10px 14px; }
.card .big { font-size:24px; font-weight:600; } .card .what { color:var(--muted); font-size:12.5px; }
.pill { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; white-space:nowrap; }
.s-accepted { background:var(--ok-bg); color:var(--ok); } .s-late { background:var(--late-bg); color:var(--late); }
.s-resubmitted { background:var(--re-bg); color:var(--re); } .s-rejected { background:var(--bad-bg); color:var(--bad); }
.s-missing, .s-superseded { background:var(--none-bg); color:var(--none); }
.s-flag { background:#fdebd9; color:#9a4d06; }
table.matrix td, table.matrix th { text-align:center; padding:4px 6px; }
table.matrix td.prov, table.matrix th.prov { text-align:left; white-space:nowrap; }
table.matrix td a.pill, table.matrix td span.pill { min-width:112px; }
.metric { display:grid; grid-template-columns: 480px 1fr; gap:18px; border-top:1px solid var(--line);
  padding-top:14px; margin-top:14px; }
.metric:first-of-type { border-top:0; margin-top:0; padding-top:0; }
.metric .side h3 { margin-top:0; }
svg.chart { display:block; max-width:100%; height:auto; font-size:11px; }
svg.chart .label { fill:var(--ink); } svg.chart .value { fill:var(--muted); }
svg.chart .note { fill:var(--muted); font-size:10px; }
svg.chart .bar { fill:#5b8db8; } svg.chart .bar.flagged { fill:var(--warn); }
svg.chart .trend { fill:none; stroke:var(--accent); stroke-width:2; } svg.chart .dot { fill:var(--accent); }
svg.chart .axis { stroke:var(--line); }
ul.rules { margin:4px 0 0; padding-left:18px; } ul.rules li { margin:2px 0; }
.legend { display:flex; flex-wrap:wrap; gap:8px; margin:8px 0 0; }
nav.periods a { margin-right:10px; }
tr.flagged td { background:#fff6ec; }
"""


def status_pill(status: str, on_time: bool | None = None) -> str:
    en, zh = STATUS_LABELS[status]
    css = status
    if status in ("accepted", "resubmitted") and on_time is False:
        en, zh, css = f"{en}, late", f"{zh}（逾期）", "late"
    elif status in ("accepted", "resubmitted") and on_time:
        en, zh = f"{en}, on time", f"{zh}（按时）"
    return f'<span class="pill s-{css}">{escape(en)} · {escape(zh)}</span>'


def page(title_en: str, title_zh: str, subtitle: str, body: str, home: str) -> str:
    nav = f'<a href="{home}">← all reports · 全部报表</a>' if home else "National consolidation · 全国汇总"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{escape(title_en)} · {escape(title_zh)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><div class="sub">{nav}</div><h1>{escape(title_zh)} · {escape(title_en)}</h1>'
        f'<div class="sub">{subtitle}</div></header><main>{body}</main></body></html>\n'
    )


def heading(en: str, zh: str, level: int = 2) -> str:
    return f'<h{level}>{escape(en)}<span class="zh">{escape(zh)}</span></h{level}>'


def th(en: str, zh: str = "", css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<th{cls}>{escape(en)}<span class="zh">{escape(zh)}</span></th>' if zh else f"<th{cls}>{escape(en)}</th>"


def headers(*columns: tuple[str, ...]) -> str:
    return "".join(th(*column) for column in columns)


def table(head: str, rows: str) -> str:
    return f"<table><tr>{head}</tr>{rows}</table>"


def note(text: str, element_id: str = "") -> str:
    """A plain-words explanation; `text` is our own wording, never data."""
    ident = f' id="{element_id}"' if element_id else ""
    return f'<p class="note"{ident}>{text}</p>'


def box(element_id: str, en: str, zh: str, body: str) -> str:
    return f'<section id="{element_id}">{heading(en, zh)}{body}</section>'


def validation_link(submission_id: str, depth: int, text: str = "validation · 校验结果") -> str:
    return f'<a href="{validation_href(submission_id, depth)}">{text}</a>'


def period_href(report_type: str, period: str) -> str:
    return f"{report_type}/{period}.html"


def validation_href(submission_id: str, depth: int) -> str:
    return f"{'../' * depth}validation/{submission_id}.html"


# --- the index ------------------------------------------------------------------------------------


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
        f"<table><tr>{th('Period', '报告期')}{th('Provinces accepted', '已接收', 'num')}{th('on time', '按时', 'num')}"
        f"{th('late', '逾期', 'num')}{th('rejected only', '仅被退回', 'num')}{th('missing', '未报送', 'num')}"
        f"{th('Review flags', '待复核', 'num')}{th('Overdue provinces', '逾期未报')}</tr>{rows}</table>"
        f"</section><section>{heading('Completeness and timeliness', '报送完整性与及时性')}"
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
        f'<td class="num">{len(data.of("flags", name, period))}</td>'
        f"<td>{escape('、'.join(c['province_name_zh'] for c in overdue)) or '—'}</td></tr>"
    )


def overdue_provinces(data: SiteData, report_type: str, period: str) -> list[dict]:
    """Provinces with no accepted file although the due day has passed (as of the build)."""
    return [
        c
        for c in data.of("completeness", report_type, period)
        if c["status"] in ("missing", "rejected") and c["due_at"] is not None and c["due_at"] <= data.as_of
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
            ("missing", None),
        )
    )
    return (
        f'<table class="matrix"><tr><th class="prov">Province · 省份</th>{head}</tr>{"".join(rows)}</table>'
        f'<div class="legend">{legend}</div>'
        '<p class="note">Resubmitted: accepted after an earlier file was rejected or replaced. '
        "On time: the file in force arrived before the end of the due day, Beijing time. "
        "重报后接收：此前文件被退回或被替换。按时：现行文件在截止日（北京时间）结束前到达。</p>"
    )


def _matrix_cell(name: str, cell: dict) -> str:
    pill = status_pill(cell["status"], cell["on_time"])
    anchor = f"file-{cell['submission_id']}" if cell["submission_id"] else f"province-{cell['province_code']}"
    if cell["status"] == "missing":
        return f"<td>{pill}</td>"
    return f'<td><a href="{period_href(name, cell["period"])}#{anchor}">{pill}</a></td>'


def _unplaced_section(files: list[dict]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(f['source'])}</code></td><td>{beijing_time(f['received_at'])}</td>"
        f"<td>{_reasons(f['reason'])}</td><td>{validation_link(f['submission_id'], 0)}</td></tr>"
        for f in files
    )
    return (
        f"<section>{heading('Files outside any province and period folder', '未放入省份/报告期目录的文件')}"
        + table(headers(("Location", "位置"), ("Received", "接收时间"), ("Failed rules", "未通过的规则"), ("",)), rows)
        + "</section>"
    )


def _reasons(reason: str | None) -> str:
    lines = [line for line in (reason or "").splitlines() if line]
    return '<ul class="rules">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>" if lines else ""


# --- one report type and period ---------------------------------------------------------------------


def period_page(data: SiteData, rt: dict, period: str) -> str:
    name = rt["report_type"]
    metrics = data.metrics.get(name, [])
    body = "".join(
        [
            _period_nav(data, name, period),
            _cards(data, name, period),
            _totals_section(data, name, period, metrics),
            _flags_section(data, name, period),
            _rejected_section(data, name, period),
            _metric_sections(data, name, period, metrics),
            _files_section(data, name, period),
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
        (str(len(data.of("flags", name, period))), "review flags · 待复核"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="big">{escape(big)}</div><div class="what">{escape(what)}</div></div>'
            for big, what in facts
        )
        + "</div>"
    )


def _province_names(data: SiteData, codes: str) -> str:
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    return "、".join(names.get(code, code) for code in codes.split(",") if code)


def _totals_section(data: SiteData, name: str, period: str, metrics: list[dict]) -> str:
    kinds = {m["metric"]: m for m in metrics}
    cells = data.of("completeness", name, period)
    without_file = {c["province_code"] for c in cells if c["status"] not in ("accepted", "resubmitted")}
    rows = "".join(_total_row(data, t, kinds[t["metric"]], without_file) for t in data.of("totals", name, period))
    absent = [c for c in cells if c["province_code"] in without_file]
    overdue = " Past the due day: overdue. 已过截止日，逾期未报。" if overdue_provinces(data, name, period) else ""
    absent_note = (
        f'<p class="note" id="overdue">No accepted file, so missing from every total · 无已接收报表、各项合计均未计入 '
        f"({len(absent)}): {escape('、'.join(c['province_name_zh'] for c in absent))}.{overdue}</p>"
        if absent
        else ""
    )
    return (
        f'<section id="totals">{heading("National totals", "全国合计")}'
        '<p class="note">The sum of the provinces\' own rows in force; a province that did not report, or left a cell '
        "blank, is missing, never zero. Each figure links to the province figures behind it. "
        "各省现行报表本级行之和；未报或空白按缺报计，不计为零。点击数字查看各省明细。</p>"
        f"<table><tr>{th('Metric', '指标')}{th('National total', '全国合计', 'num')}{th('Unit', '单位')}"
        f"{th('Coverage', '覆盖', 'num')}{th('Also missing: blank cells', '另有空白未填')}</tr>{rows}</table>"
        f"{absent_note}</section>"
    )


def _total_row(data: SiteData, total: dict, metric: dict, without_file: set[str]) -> str:
    """Provinces without a file are named once under the table; here only those that left the cell blank."""
    key = escape(total["metric"])
    blank = ",".join(c for c in total["provinces_missing"].split(",") if c and c not in without_file)
    flagged = [
        f
        for f in data.of("flags", total["report_type"], total["period"])
        if f["metric"] == total["metric"] and f["org_unit_code"] == f["province_code"]
    ]
    provinces = len({f["province_code"] for f in flagged})
    warning = f'<br><a href="#flags" class="pill s-flag">includes {provinces} flagged · 含待复核</a>' if flagged else ""
    css = ' class="flagged"' if flagged else ""
    return (
        f'<tr{css}><td><a href="#metric-{key}">{escape(metric["label_zh"])}</a><br>'
        f'<span class="note">{key}</span></td>'
        f'<td class="num"><a href="#metric-{key}">{figure_text(total["value"], metric["value_type"])}</a>{warning}</td>'
        f'<td>{escape(metric["unit"])}</td><td class="num">{total["provinces_reported"]} / {len(data.provinces)}</td>'
        f"<td>{escape(_province_names(data, blank)) or '—'}</td></tr>"
    )


def _flags_section(data: SiteData, name: str, period: str) -> str:
    flags = data.of("flags", name, period)
    if not flags:
        return box(
            "flags",
            "Review flags",
            "待复核数据",
            note("No figure is far from its own history. 未发现明显偏离历史的数据。"),
        )
    rows = "".join(_flag_row(data, name, period, f) for f in flags)
    return (
        f'<section id="flags">{heading("Review flags", "待复核数据")}'
        + note(
            "Figures far from the same unit's previous periods. A flag warns; the figure still counts. "
            "与本单位以往各期相差悬殊的数据；仅提示复核，不影响汇总。"
        )
        + table(
            headers(
                ("Province", "省份"),
                ("Metric", "指标"),
                ("Value", "数值", "num"),
                ("Median before", "以往中位数", "num"),
                ("Rule", "规则"),
                ("Finding", "说明"),
                ("",),
            ),
            rows,
        )
        + "</section>"
    )


def _flag_row(data: SiteData, name: str, period: str, flag: dict) -> str:
    metric, href = _flagged_metric(data, name, period, flag["metric"])
    return (
        f"<tr><td>{escape(_province_names(data, flag['province_code']))}<br>"
        f'<span class="note">{escape(flag["org_unit_code"])}</span></td>'
        f'<td><a href="{href}">{escape(metric["label_zh"])}</a><br>'
        f'<span class="note">{escape(flag["metric"])}</span></td>'
        f'<td class="num">{figure_text(flag["value"], metric["value_type"])}</td>'
        f'<td class="num">{figure_text(flag["reference_value"])}</td>'
        f'<td><span class="pill s-flag">{escape(RULE_LABELS.get(flag["rule"], flag["rule"]))}</span></td>'
        f'<td>{escape(flag["detail_en"])}<br><span class="note">{escape(flag["detail_zh"])}</span></td>'
        f'<td><a href="#file-{escape(flag["submission_id"])}">file · 文件</a></td></tr>'
    )


def _flagged_metric(data: SiteData, name: str, period: str, metric: str) -> tuple[dict, str]:
    """The flagged metric's declaration and link. A reconciliation flag on the records' page names
    the summary's metric it was compared with, which lives on the summary's page."""
    for owner in (name, *data.metrics):
        for declared in data.metrics.get(owner, []):
            if declared["metric"] == metric:
                page = "" if owner == name else f"../{escape(owner)}/{escape(period)}.html"
                return declared, f"{page}#metric-{escape(metric)}"
    raise KeyError(f"{metric} is declared by no report type")


def _rejected_section(data: SiteData, name: str, period: str) -> str:
    rejected = [f for f in data.of("files", name, period) if f["status"] == "rejected"]
    if not rejected:
        return box("rejected", "Rejected files", "被退回的文件", note("None. 无。"))
    rows = "".join(
        f"<tr><td>{escape(f['province_name_zh'] or '')}<br>"
        f'<a href="#file-{escape(f["submission_id"])}"><code>{escape(f["source"])}</code></a></td>'
        f"<td>{beijing_time(f['received_at'])}</td><td>{_reasons(f['reason'])}</td>"
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
        for f in data.of("flags", name, period)
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
            None if totals[p]["value"] is None else float(totals[p]["value"]),
            f"{totals[p]['provinces_reported']}/{len(data.provinces)}",
        )
        for p in data.periods(name)
        if p in totals
    ]
    rows = "".join(
        _figure_row(f, names[f["province_code"]], kind, (f["province_code"], key) in flagged) for f in figures
    )
    nobody = "" if figures else '<p class="note">No province reported it. 无省份报送。</p>'
    title = f"{metric['label_zh']} {key}"
    return (
        f'<div class="metric" id="metric-{escape(key)}"><div>{heading(key, metric["label_zh"], 3)}'
        f'<p class="note">Provinces\' own figures, {escape(metric["unit"])} · 各省本级数据</p>'
        f"{bar_chart(f'{title}, {period}, by province', bars)}"
        f'<h3>Trend<span class="zh">全国合计趋势（覆盖省份数）</span></h3>'
        f"{line_chart(f'{title}, national total by period', points, lambda v: figure_text(v, kind))}</div>"
        f'<div class="side">{table(headers(("Province", "省份"), ("Value", "数值", "num"), ("",), ("",)), rows)}'
        f"{nobody}</div></div>"
    )


def _figure_row(f: dict, province: str, kind: str, flagged: bool) -> str:
    css = ' class="flagged"' if flagged else ""
    return (
        f'<tr{css}><td>{escape(province)}</td><td class="num">{figure_text(f["value"], kind)}</td>'
        f'<td><a href="#file-{escape(f["submission_id"])}">source file · 源文件</a></td>'
        f'<td><a href="{validation_href(f["submission_id"], 1)}">validation · 校验</a></td></tr>'
    )


def _files_section(data: SiteData, name: str, period: str) -> str:
    rows = "".join(_file_row(f) for f in data.of("files", name, period))
    anchors = "".join(f'<span id="province-{escape(p["province_code"])}"></span>' for p in data.provinces)
    return (
        f'<section id="files">{anchors}{heading("Every file received", "收到的全部文件")}'
        + note(
            "Where each figure came from: the file as uploaded (kept in the lake), its SHA-256, when it arrived, "
            "and its full validation result. 每个数据的来源：原始文件位置、SHA-256、接收时间及完整校验结果。"
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


def _file_row(f: dict) -> str:
    status = status_pill(f["status"], f["on_time"] if f["status"] == "accepted" else None)
    replaced = (
        f'<br><span class="note">replaced by · 被替换为 <a href="#file-{escape(f["superseded_by"])}">'
        f"{escape(f['superseded_by'])}</a></span>"
        if f["superseded_by"]
        else ""
    )
    return (
        f'<tr id="file-{escape(f["submission_id"])}"><td>{escape(f["province_name_zh"] or "—")}</td>'
        f"<td><code>{escape(f['source'])}</code><br>"
        f'<span class="note">sha256 <span class="mono">{escape(f["sha256"])}</span>'
        f'<br>{f["size_bytes"]:,} bytes · kept at <span class="mono">{escape(f["raw_location"])}</span></span></td>'
        f'<td class="num">{beijing_time(f["received_at"])}</td><td>{status}{replaced}</td>'
        f'<td><a href="{validation_href(f["submission_id"], 1)}">validation · 校验结果</a></td></tr>'
    )
