"""Review flags as the report pages show them: the flags section of a period page, the warnings on
a release's files (its page's drill-down), and the marks a national figure carries wherever it is
shown (the totals table, the trend chart, the index page, a file's validation page) when figures in
it are under review or held out of it.

The figures themselves come from mart.national_totals (value_headline, value, provinces_flagged,
provinces_held_out) and mart.review_flags (state, explanation, decision, holds_figure_out): the pages
decide nothing about a flag, they only say what the marts say.
"""

from __future__ import annotations

from html import escape

from provincial_reports.report.html import box, headers, heading, note, table
from provincial_reports.report.site_data import SiteData, beijing_time, province_names
from provincial_reports.wording import figure_text

RULE_LABELS = {"factor_of_10": "factor of 10 (十倍偏差)", "robust_z": "robust z-score (稳健Z值)"}
# A flag's state as a pill: (words, css class).
FLAG_STATES = {
    "open": ("under review, not yet explained · 待复核（未说明）", "s-flag"),
    "explained": ("explained, awaiting the reviewer · 已说明，待复核", "s-flag"),
    "cleared": ("cleared by the reviewer · 已复核通过", "s-accepted"),
    "returned": ("returned to the province · 已复核退回", "s-returned"),
}
UNDECIDED = ("open", "explained")
HELD_OUT = "held out of the national total until a reviewer clears it · 复核通过前不计入全国合计"


def held_out_provinces(data: SiteData, total: dict) -> list[str]:
    """The provinces whose figure this total's headline leaves out."""
    return [
        f["province_code"]
        for f in data.of("flags", total["report_type"], total["period"])
        if f["metric"] == total["metric"] and f["holds_figure_out"]
    ]


def total_marks(data: SiteData, total: dict, value_type: str, link: str) -> str:
    """Under a headline figure: which figures it holds out and the total with them, and how many
    figures under review it still includes."""
    marks = []
    if total["provinces_held_out"]:
        names = province_names(data, held_out_provinces(data, total))
        marks.append(
            _flag_link(link, f"{escape(names)} held out · 暂不计入")
            + f'<br><span class="note">with every figure · 含全部数据 {figure_text(total["value"], value_type)}</span>'
        )
    included = total["provinces_flagged"] - total["provinces_held_out"]
    if included:
        marks.append(_flag_link(link, f"includes {included} flagged · 含待复核 {included}"))
    return "".join(f"<br>{mark}" for mark in marks)


def trend_mark(total: dict) -> str:
    """What a point of the trend says about flagged figures; empty when the total has none."""
    held, included = total["provinces_held_out"], total["provinces_flagged"] - total["provinces_held_out"]
    words = [f"{held} held out for review · {held}个待复核数据未计入"] if held else []
    words += [f"includes {included} flagged · 含{included}个待复核数据"] if included else []
    return "; ".join(words)


def open_flags(data: SiteData, name: str, period: str) -> list[dict]:
    """A period's flags not yet cleared or returned: open, or explained and awaiting the reviewer."""
    return [f for f in data.of("flags", name, period) if f["state"] in UNDECIDED]


def period_flags(data: SiteData, name: str, period: str, link: str) -> str:
    """A period's flags awaiting a decision and what they do to its national totals, for the index page."""
    totals = data.of("totals", name, period)
    held = sum(1 for t in totals if t["provinces_held_out"])
    included = sum(1 for t in totals if t["provinces_flagged"] > t["provinces_held_out"])
    parts = [str(len(open_flags(data, name, period)))]
    if held:
        parts.append(_flag_link(link, f"⚑ {held} total(s) hold figures out · {held}项合计暂不计入", "flag-note"))
    if included:
        parts.append(_flag_link(link, f"⚑ {included} total(s) include flagged · {included}项合计含待复核", "flag-note"))
    return "<br>".join(parts)


def _flag_link(link: str, text: str, css: str = "pill s-flag") -> str:
    """A warning (a pill by default) linking to where the flags are listed; `text` is our own wording
    (names escaped)."""
    return f'<a href="{link}" class="{css}">{text}</a>'


def flags_section(data: SiteData, name: str, period: str) -> str:
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
            "Figures far from the same unit's previous periods. A flag warns; the province may explain the figure "
            "(an explanation file), and a central reviewer then clears it, or returns the file to the province "
            "(<code>cli review clear|return &lt;flag id&gt; --note TEXT</code>), which is then missing from the "
            "totals until a corrected file arrives. The figure still counts in the total with every figure, but a "
            "money figure flagged as a factor of 10 (yuan typed for 10k yuan) is held out of the national total "
            "shown until a reviewer clears it. "
            "与本单位以往各期相差悬殊的数据；省份可提交说明，由全国总工会复核通过或退回（退回后该省按缺报处理，直至改正后重新上报）。"
            "疑似元/万元错位的资金数据在复核通过前不计入所示全国合计。"
        )
        + table(
            headers(
                ("Province", "省份"),
                ("Metric", "指标"),
                ("Value", "数值", "num"),
                ("Median before", "以往中位数", "num"),
                ("Rule", "规则"),
                ("Finding", "说明"),
                ("Review", "复核"),
                ("",),
            ),
            rows,
        )
        + "</section>"
    )


def _flag_row(data: SiteData, name: str, period: str, flag: dict) -> str:
    metric, href = _flagged_metric(data, name, period, flag["metric"])
    return (
        f'<tr id="flag-{escape(flag["flag_id"])}"><td>{escape(province_names(data, [flag["province_code"]]))}<br>'
        f'<span class="note">{escape(flag["org_unit_code"])}</span></td>'
        f'<td><a href="{href}">{escape(metric["label_zh"])}</a><br>'
        f'<span class="note">{escape(flag["metric"])}</span></td>'
        f'<td class="num">{figure_text(flag["value"], metric["value_type"])}</td>'
        f'<td class="num">{figure_text(flag["reference_value"])}</td>'
        f'<td><span class="pill s-flag">{escape(RULE_LABELS.get(flag["rule"], flag["rule"]))}</span></td>'
        f'<td>{escape(flag["detail_en"])}<br><span class="note">{escape(flag["detail_zh"])}</span></td>'
        f"<td>{review_text(flag)}</td>"
        f'<td><a href="#file-{escape(flag["submission_id"])}">file · 文件</a></td></tr>'
    )


def review_text(flag: dict) -> str:
    """A flag's review in the flags table: its state as a pill, then the province's explanation and
    the reviewer's decision, each with who and when."""
    words, css = FLAG_STATES[flag["state"]]
    return f'<span class="pill {css}">{words}</span><br><span class="note">{review_details(flag)}</span>'


def validation_banner(flags: list[dict]) -> str:
    """Above a flagged file's validation page (which says only that every rule passed): its figures
    under review, cleared or returned, in words; empty for a file without flags."""
    if not flags:
        return ""
    states = {f["state"] for f in flags}
    if "returned" in states:
        title = "This file was returned to its province · 本文件已复核退回"
    elif states & set(UNDECIDED):
        title = "Figures of this file are under review · 本文件数据待复核"
    else:
        title = "Flagged figures of this file were cleared · 本文件被标记的数据已复核通过"
    items = "".join(
        f"<li><strong>{escape(f['org_unit_code'])} {escape(f['metric'])}</strong> "
        f"({escape(RULE_LABELS.get(f['rule'], f['rule']))}): {escape(f['detail_en'])} · {escape(f['detail_zh'])}"
        f"<br>{review_words(f)}</li>"
        for f in flags
    )
    return f'<div class="docs-review"><strong>{title}</strong><ul>{items}</ul></div>'


def review_words(flag: dict) -> str:
    """A flag's review in one line: its state and its details."""
    return f"{FLAG_STATES[flag['state']][0]}: {review_details(flag)}"


def review_details(flag: dict) -> str:
    """The province's explanation and the reviewer's decision (who, when, what they wrote); while
    undecided, the flag's id and whether it holds its figure out."""
    parts = []
    if flag["explanation"] is not None:
        parts.append(
            f"explained by · 说明人 {escape(flag['explained_by'])}, {beijing_time(flag['explained_at'])} "
            f"(Beijing time): {escape(flag['explanation'])}"
        )
    if flag["decision"] is not None:
        parts.append(
            f"{escape(flag['decision'])} by · 复核人 {escape(flag['decided_by'])}, {beijing_time(flag['decided_at'])} "
            f"(Beijing time): {escape(flag['decision_note'])}"
        )
    else:
        held = f"; {HELD_OUT}" if flag["holds_figure_out"] else ""
        parts.append(f"flag id {escape(flag['flag_id'])}{held}")
    return "<br>".join(parts)


def file_flags(data: SiteData, submission_id: str, unit: str | None = None, metric: str | None = None) -> list[dict]:
    """The review flags of one released file, or of one of its figures (unit and metric)."""
    return [
        f
        for f in data.flags
        if f["submission_id"] == submission_id and (unit is None or (f["org_unit_code"], f["metric"]) == (unit, metric))
    ]


def warning_links(flags: list[dict]) -> str:
    """Links to the warnings listed below, each named by its unit, metric and state."""
    return "<br>".join(
        f'<a href="#warning-{escape(f["flag_id"])}" class="flag-note">⚑ {escape(f["org_unit_code"])} '
        f"{escape(f['metric'])}: {escape(f['state'])}</a>"
        for f in flags
    )


def warnings_section(data: SiteData, figures: list[dict]) -> str:
    """Every warning on a release's files (its page's drill-down for auditors): its finding, state, the
    province's explanation and the reviewer's decision."""
    files = dict.fromkeys(f["submission_id"] for f in figures)
    flags = [flag for submission_id in files for flag in file_flags(data, submission_id)]
    if not flags:
        return box("warnings", "Warnings on these files", "来源文件的复核提示", note("None. 无。"))
    names = {p["province_code"]: p["name_zh"] for p in data.provinces}
    rows = "".join(
        f'<tr id="warning-{escape(f["flag_id"])}"><td>{escape(names.get(f["province_code"], f["province_code"]))}<br>'
        f'<span class="note">{escape(f["org_unit_code"])}</span></td><td>{escape(f["metric"])}</td>'
        f"<td>{escape(RULE_LABELS.get(f['rule'], f['rule']))}</td>"
        f'<td>{escape(f["detail_en"])}<br><span class="note">{escape(f["detail_zh"])}</span></td>'
        f"<td>{review_text(f)}</td>"
        f'<td><a href="#file-{escape(f["submission_id"])}">file · 文件</a></td></tr>'
        for f in flags
    )
    return (
        f'<section id="warnings">{heading("Warnings on these files", "来源文件的复核提示")}'
        + note(
            "Each review flag on the files behind this release, as it stands now: open, explained by its province, "
            "cleared or returned by a central reviewer, with who wrote what and when (Beijing time). "
            "本版来源文件上的复核提示及其当前状态：省份说明与复核意见，附人员与时间（北京时间）。"
        )
        + table(
            headers(
                ("Province", "省份"),
                ("Metric", "指标"),
                ("Rule", "规则"),
                ("Finding", "说明"),
                ("State, explanation, decision", "状态、说明与复核"),
                ("",),
            ),
            rows,
        )
        + "</section>"
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
