"""Great Expectations Data Docs for the report site: one page per file's validation result and one
per report type's suite, rendered with GX's own renderers.

A validation page is named by submission id, and a submission's result never changes, so only
files without a page are rendered (or those whose top changed: the links back to the pages that
list the file, its review banner): the cost of a build follows what is new, not the history.
GX's page template pulls Bootstrap, jQuery and Vega from CDNs; the pages are made self-contained
(external tags and scripts dropped, a small inline stylesheet added) so that they read offline
like the rest of the site, and the filter and the developer's snippets that need scripts or code
are left out.

An auditor reads every rule in the words the province got, English and Chinese, with what it was
checked against: GX's own template would print a suite parameter as {'$PARAMETER': …} and has no
Chinese, so each expectation is rendered through its `description` (GX's own way to word one). Our
own rules (validate.verdict.Rule) are not GX expectation types; they are shown as GX's "unexpected
rows" expectation with the rule as its description, on the suite page too, so that it lists every
rule a file is checked against. A validation page names its file (location, sha256, received time)
where GX would say "Run Name __none__" and "Data asset: None".
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

from provincial_reports.declarations import ReportType
from provincial_reports.report.flags import validation_banner
from provincial_reports.report.html import ROOT_VARIABLES, period_href, write_page
from provincial_reports.stores.objects import Store
from provincial_reports.validate.records import records_rules
from provincial_reports.validate.suites import parameter_words
from provincial_reports.validate.tables import summary_rules

VALIDATION = "validation"
SUITES = "suites"
STYLE = (
    "<style>"
    + ROOT_VARIABLES
    + """
body { font:14px/1.5 "Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif; color:var(--ink); margin:0;
  background:var(--band); }
.container-fluid, .container { max-width:1180px; margin:0 auto; padding:8px 24px; }
.docs-back { background:var(--header); padding:10px 24px; }
.docs-back a { color:var(--header-link); margin-right:28px; }
.docs-file { max-width:1180px; margin:12px auto 0; padding:10px 16px; background:var(--paper);
  border:1px solid var(--line); border-radius:6px; } .docs-file ul { margin:6px 0 0; color:var(--bad); }
.docs-review { max-width:1180px; margin:8px auto 0; padding:10px 16px; background:var(--flag-bg); color:var(--flag);
  border:1px solid var(--warn); border-radius:6px; } .docs-review ul { margin:6px 0 0; }
table { border-collapse:collapse; margin:6px 0 12px; background:var(--paper); }
th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
.card { background:var(--paper); border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin:0 0 14px; }
ul.breadcrumb, ol.breadcrumb { list-style:none; padding:0; display:flex; gap:8px; }
.ge-logo, form, .custom-radio, .form-check, footer, a[data-toggle="collapse"] { display:none; }
.fa-check-circle::before { content:"✔"; color:var(--ok); } .fa-times::before { content:"✘"; color:var(--bad); }
.text-danger { color:var(--bad); } .text-success { color:var(--ok); }
a { color:var(--accent); text-decoration:none; }
</style>"""
)
# GX's headings, with their Chinese.
HEADINGS = {
    "Expectation Validation Result": "校验结果",
    "Expectation Suite": "校验规则集",
    "Overview": "概况",
    "Table of Contents": "目录",
    "Table-Level Expectations": "整表规则",
    "Evaluated Expectations": "校验规则数",
    "Successful Expectations": "通过",
    "Unsuccessful Expectations": "未通过",
    "Expectation Suite:": "规则集",
    "Status:": "结果",
    "Status": "结果",
    "Expectation": "规则",
    "Observed Value": "实际值",
}
ACTIONS_CARD = (  # GX's "Actions" card: the "Failed Only" filter, which needs scripts
    r'<div class="card mb-3">\s*<div class="card-header p-2">\s*<strong>Actions</strong>'
    r".*?Failed Only\s*</label>(\s*</div>){5}"
)
NOT_SHOWN = ("column", "batch_id", "description")  # kwargs that say nothing about what a rule checks against
DRAWN = "drawn.json"  # beside the validation pages: the top (back links, review banner) each was drawn with
BACK = '<div class="docs-back"><a href="../index.html">← the consolidation report · 返回汇总报告</a></div>'


def build_data_docs(
    site: Path,
    lake: Store,
    files: list[dict],
    report_types: list[ReportType],
    flags: list[dict],
    pages: dict[str, list[tuple[str, str]]],
) -> int:
    """Pages for the files that have none yet or whose top changed (review flags, back links), and
    every suite page; how many validation pages were drawn. `pages`: each file's period pages."""
    folder = site / VALIDATION
    folder.mkdir(parents=True, exist_ok=True)
    titles, reviews = {t.name: t.title_zh for t in report_types}, review_banners(flags)
    backs = {
        f["submission_id"]: back_links(f["submission_id"], pages.get(f["submission_id"], []), titles) for f in files
    }
    tops = {submission: back + reviews.get(submission, "") for submission, back in backs.items()}
    drawn = read_drawn_tops(folder / DRAWN)
    new = [
        f
        for f in files
        if drawn.get(f["submission_id"]) != tops[f["submission_id"]]
        or not (folder / f"{f['submission_id']}.html").exists()
    ]
    for f in new:
        document = json.loads(lake.read(f["result_location"]))
        page = validation_html(document, backs[f["submission_id"]], reviews.get(f["submission_id"], ""))
        write_page(folder / f"{f['submission_id']}.html", page)
    write_page(folder / DRAWN, json.dumps(tops, ensure_ascii=False, sort_keys=True))
    (site / SUITES).mkdir(parents=True, exist_ok=True)
    for report_type in report_types:
        write_page(site / SUITES / f"{report_type.name}.html", suite_html(report_type))
    return len(new)


def back_links(submission_id: str, pages: list[tuple[str, str]], titles: dict[str, str]) -> str:
    """Static pages cannot go back to wherever the reader came from, so a file's page links to every
    page that lists it: its period page(s), at the file's row, and the index."""
    links = [
        f'<a href="../{period_href(name, period)}#file-{escape(submission_id)}">← {escape(titles.get(name, name))} '
        f"{escape(period)}: this file's record · 本文件记录</a>"
        for name, period in pages
    ]
    links.append('<a href="../index.html">↑ the consolidation report · 返回汇总报告</a>')
    return f'<div class="docs-back">{"".join(links)}</div>'


def review_banners(flags: list[dict]) -> dict[str, str]:
    """Each flagged file's review banner (report.flags.validation_banner), by submission id."""
    by_file: dict[str, list[dict]] = {}
    for flag in flags:
        by_file.setdefault(flag["submission_id"], []).append(flag)
    return {submission: validation_banner(found) for submission, found in by_file.items()}


def read_drawn_tops(path: Path) -> dict[str, str]:
    """The tops the validation pages were last drawn with: a page is drawn again when its top changes
    (a flag appears, is explained, decided or goes; a period page that lists it appears), never otherwise."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def validation_html(document: dict, back: str = BACK, review: str = "") -> str:
    """A file's validation page: GX's account of its rules under the links `back`, the file's answer
    and, for a file whose figures are flagged, their review (a file can pass every rule and still be
    flagged)."""
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    result = expectationSuiteValidationResultSchema.load(as_gx_document(document))
    html = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
    return self_contained(html, back + _answer_banner(document["meta"]) + review)


def suite_html(report_type: ReportType) -> str:
    """Every rule a file of the type is checked against: its suite's, then ours."""
    import great_expectations as gx
    from great_expectations.render.renderer import ExpectationSuitePageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    doc, words = report_type.suite(), parameter_words(report_type)
    ours = records_rules(report_type) if report_type.records else summary_rules(report_type)
    rules = [described(config, words) for config in [*doc["expectations"], *ours]]
    suite = gx.ExpectationSuite(name=doc["name"], expectations=rules, meta=doc.get("meta"))
    page = ExpectationSuitePageRenderer().render(suite)
    return self_contained(DefaultJinjaPageView().render(page), BACK)


def described(config: dict, words: dict[str, str]) -> dict:
    """An expectation configuration worded as its rule, in English and Chinese, and what it is checked
    against (a parameter in words on a suite page, its value on a file's page); a rule of ours as
    GX's unexpected-rows expectation, which takes any description."""
    meta, kwargs = config["meta"], config["kwargs"]
    against = "; ".join(f"{k} {shown(v, words)}" for k, v in kwargs.items() if k not in NOT_SHOWN)
    text = f"{meta['rule_en']} ({meta['rule_zh']})" + (f" — {against}" if against else "")
    if config["type"].startswith("contract:"):
        column = kwargs.get("column")
        text = f"{column}: {text}" if column else text
        query = f"-- {config['type']} on {{batch}}"
        config = {"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": query}, "meta": meta}
    return {**config, "kwargs": {**config["kwargs"], "description": text}}


def shown(value: object, words: dict[str, str]) -> str:
    """A keyword argument's value as a reader reads it: a parameter by its words, a set as a list."""
    if isinstance(value, dict) and "$PARAMETER" in value:
        return words[value["$PARAMETER"]]
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _answer_banner(meta: dict) -> str:
    """Which file this is and the answer its province got, above GX's own account of the rules."""
    file, answer = meta["submission"], meta["answer"]
    failures = "".join(f"<li>{escape(f)}</li>" for f in answer["failures"])
    return (
        f'<div class="docs-file"><strong>{escape(file["source"])}</strong> · {escape(answer["status"])}'
        f"<br>sha256 <code>{escape(file['sha256'])}</code> · {file['size']:,} bytes"
        f" · received {escape(file['received_at'])}"
        f"{f'<ul>{failures}</ul>' if failures else ''}</div>"
    )


def as_gx_document(document: dict) -> dict:
    """Our result document in the form GX's renderer accepts, each rule worded (`described`), the
    query GX offers developers dropped, and the file named where GX names a run and a data asset."""
    results, rows = [], table_rows(document)
    for result in document["results"]:
        info = {"raised_exception": False, "exception_message": None, "exception_traceback": None}
        found = {k: v for k, v in result["result"].items() if k != "unexpected_index_query"}
        if result["expectation_config"]["type"].startswith("contract:"):
            found = counted(found, rows)
        config = described(result["expectation_config"], {})
        results.append(
            {
                **result,
                "expectation_config": config,
                "result": found,
                "exception_info": {**info, **result["exception_info"]},
            }
        )
    file = document["meta"]["submission"]
    meta = {
        **document["meta"],
        "run_id": {"run_name": f"submission {file['submission_id']}", "run_time": file["received_at"]},
        "batch_spec": {"data_asset_name": file["source"], "sha256": file["sha256"], "bytes": file["size"]},
    }
    suite_name = document["suite_name"] or "unread file (无法读取的文件)"
    return {**document, "results": results, "suite_name": suite_name, "meta": meta}


def table_rows(document: dict) -> int:
    """How many rows the file was read as (GX's expectations counted them); 0 for a file never read."""
    return max((r["result"].get("element_count") or 0 for r in document["results"]), default=0)


def counted(found: dict, rows: int) -> dict:
    """A rule's findings as GX renders them: GX follows a count with "p% of N rows" and logs an
    error-level traceback without p and N. A file never read as a table has no N: its findings are
    left to the banner above, which lists every failure."""
    if not rows:
        return {}
    return {**found, "element_count": rows, "unexpected_percent": 100.0 * found["unexpected_count"] / rows}


def self_contained(html: str, top: str) -> str:
    """Drop everything fetched from elsewhere and every script; point GX's site links at ours."""
    html = re.sub(ACTIONS_CARD, "", html, flags=re.S)
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    html = re.sub(r"<link\b[^>]*>", "", html)
    html = re.sub(r"<img\b[^>]*>", "", html)
    html = re.sub(r'<a\b[^>]*href="https?://[^"]*"[^>]*>(.*?)</a>', r"\1", html, flags=re.S)
    html = re.sub(r'href="(?:\.\./)+index\.html"', 'href="../index.html"', html)
    html = re.sub(r'href="(?:\.\./)+expectations/([^"/]+\.html)"', rf'href="../{SUITES}/\1"', html)
    html = with_chinese(html)
    html = html.replace("</head>", f'<link rel="icon" href="data:,">{STYLE}</head>', 1)
    return re.sub(r"(<body\b[^>]*>)", lambda body: body.group(1) + top, html, count=1)


def with_chinese(html: str) -> str:
    """GX's headings with their Chinese beside them."""

    def heading(found: re.Match) -> str:
        text = found.group(1)
        return f">{text} · {HEADINGS[text]}<" if text in HEADINGS else found.group(0)

    return re.sub(r">\s*([^<>]+?)\s*<", heading, html)
