"""The pieces every page of the report site is built from: one palette and stylesheet (shared with
the Data Docs pages), the page frame, headings and tables with Chinese beside English, status
pills and the links down the audit trail.

Every page is self-contained (inline CSS, SVG charts, no script, no font or file fetched), so it
reads the same offline, from a file share or attached to a mail. Texts passed in are escaped;
only our own wording goes in unescaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from provincial_reports.stores.local import atomic_write

STATUS_LABELS = {
    "accepted": ("accepted", "已接收"),
    "resubmitted": ("resubmitted", "重报后接收"),
    "rejected": ("rejected", "被退回"),
    "missing": ("missing", "未报送"),
    "superseded": ("superseded", "已被替换"),
    "locked": ("locked", "已锁定"),
    "returned": ("returned by the reviewer", "复核退回"),
}

# The site's palette: the report pages and the Data Docs pages draw from it.
PALETTE = {
    "ink": "#1d2733",
    "muted": "#5b6875",
    "line": "#d8dee5",
    "paper": "#ffffff",
    "band": "#f3f6f9",
    "ok": "#1f7a4d",
    "ok-bg": "#e3f4ea",
    "late": "#8a5a00",
    "late-bg": "#fdf0d2",
    "re": "#1d5fa8",
    "re-bg": "#e2eefb",
    "bad": "#a72b2b",
    "bad-bg": "#fbe4e4",
    "none": "#6b7480",
    "none-bg": "#eceff2",
    "accent": "#2d5d8a",
    "warn": "#d9822b",
    "header": "#1f3a56",
    "header-link": "#cfe3f7",
    "flag": "#9a4d06",
    "flag-bg": "#fdebd9",
    "flagged-row": "#fff6ec",
    "bar": "#5b8db8",
}
ROOT_VARIABLES = ":root { " + " ".join(f"--{name}:{colour};" for name, colour in PALETTE.items()) + " }"
CSS = (
    ROOT_VARIABLES
    + """
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
  system-ui,sans-serif; color:var(--ink); background:var(--band); }
header.top { background:var(--header); color:#fff; padding:18px 32px 14px; }
header.top a { color:var(--header-link); }
header.top h1 { margin:4px 0 2px; font-size:22px; font-weight:600; }
header.top .sub { color:var(--header-link); font-size:13px; }
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
.s-resubmitted { background:var(--re-bg); color:var(--re); }
.s-rejected, .s-returned { background:var(--bad-bg); color:var(--bad); }
.s-missing, .s-superseded, .s-locked { background:var(--none-bg); color:var(--none); }
.s-flag { background:var(--flag-bg); color:var(--flag); }
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
svg.chart .bar { fill:var(--bar); } svg.chart .bar.flagged { fill:var(--warn); }
svg.chart .trend { fill:none; stroke:var(--accent); stroke-width:2; } svg.chart .dot { fill:var(--accent); }
svg.chart .dot.flagged { fill:var(--warn); }
svg.chart .dot.partial { fill:var(--paper); stroke:var(--accent); stroke-width:2; }
svg.chart .dot.partial.flagged { stroke:var(--warn); }
svg.chart .axis { stroke:var(--line); }
ul.rules { margin:4px 0 0; padding-left:18px; } ul.rules li { margin:2px 0; }
.legend { display:flex; flex-wrap:wrap; gap:8px; margin:8px 0 0; }
nav.periods a { margin-right:10px; }
tr.flagged td { background:var(--flagged-row); }
td.flags { min-width:150px; } a.flag-note { color:var(--flag); font-size:12px; }
td.official { white-space:normal; min-width:120px; } td.official .pill { white-space:normal; }
"""
)


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


def write_page(path: Path, html: str) -> None:
    """Written aside and renamed (stores.local.atomic_write): a build that dies midway never leaves
    half a page that looks done."""
    atomic_write(path, lambda out: out.write(html.encode("utf-8")))


def rule_list(reason: str | None) -> str:
    """A file's failed rules (one per line in the marts) as a list."""
    lines = [line for line in (reason or "").splitlines() if line]
    return '<ul class="rules">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>" if lines else ""
