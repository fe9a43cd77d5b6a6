"""Step 7, report: every file's answer for the log and the terminal, and the report site that
auditors and officials read (REPORTS_SITE): the consolidation report and the Data Docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.declarations import report_types
from provincial_reports.report.data_docs import build_data_docs, write_page
from provincial_reports.report.pages import index_page, period_href, period_page
from provincial_reports.report.site_data import read_site_data
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse

STATUSES = ("accepted", "superseded", "rejected")


def run_summary(answers: list[dict]) -> str:
    """This run's new files: what the summarize task logs."""
    if not answers:
        return "No new files in the landing zone."
    ordered = sorted(answers, key=lambda a: a["source"])
    return _answers_text([(a["source"], a["outcome"], a["failures"]) for a in ordered])


def submissions_table(warehouse: Warehouse) -> str:
    """Every file seen, with its current status (superseded included): what `make run` prints."""
    rows = warehouse.query(
        "SELECT source, status, reason FROM mart.submissions ORDER BY province_code, period, received_at, source"
    )
    return _answers_text([(r["source"], r["status"], (r["reason"] or "").splitlines()) for r in rows])


def _answers_text(answers: list[tuple[str, str, list[str]]]) -> str:
    counts = ", ".join(f"{sum(status == s for _, status, _ in answers)} {s}" for s in STATUSES)
    lines = [f"{len(answers)} file(s): {counts}"]
    for source, status, failures in answers:
        lines.append(f"  {status.upper():<10} {source}")
        lines.extend(f"             - {failure}" for failure in failures)
    return "\n".join(lines)


def refresh_site(warehouse: Warehouse, lake: Store, site: Path, as_of: datetime | None = None) -> str:
    """Redraw the report pages from the marts and add the Data Docs pages of new files. Reads the
    lake only for validation results not yet rendered; never reprocesses a file."""
    moment = (as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    data = read_site_data(warehouse, moment)
    pages = 1
    write_page(site / "index.html", index_page(data))
    for rt in data.report_types:
        for period in data.periods(rt["report_type"]):
            write_page(site / period_href(rt["report_type"], period), period_page(data, rt, period))
            pages += 1
    new_docs = build_data_docs(site, lake, data.files, list(report_types().values()))
    return f"Report site {site}: {pages} report page(s), {new_docs} new validation page(s); open {site / 'index.html'}"
