"""Step 7, report: the report site that auditors and officials read (REPORTS_SITE), redrawn from the
warehouse: the consolidation report and the Great Expectations Data Docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.declarations import report_types
from provincial_reports.report.data_docs import build_data_docs
from provincial_reports.report.html import period_href, write_page
from provincial_reports.report.index_page import index_page
from provincial_reports.report.period_page import period_page
from provincial_reports.report.raw_files import copy_raw_files
from provincial_reports.report.release_page import write_release_pages
from provincial_reports.report.site_data import read_site_data
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse


def refresh_site(warehouse: Warehouse, lake: Store, site: Path, as_of: datetime | None = None) -> str:
    """Redraw the report pages from the marts and add the Data Docs pages and the raw copies
    (report.raw_files) of new files. Reads the lake only for validation results not yet rendered
    and raw files not yet copied; never reprocesses a file."""
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    data = read_site_data(warehouse, moment)
    raw = copy_raw_files(site, lake, data.files)
    pages = 1
    write_page(site / "index.html", index_page(data))
    for rt in data.report_types:
        for period in data.periods(rt["report_type"]):
            write_page(site / period_href(rt["report_type"], period), period_page(data, rt, period, raw))
            pages += 1
    pages += write_release_pages(data, site)
    new_docs = build_data_docs(site, lake, data.files, list(report_types().values()), data.flags, data.pages_of_files())
    return f"Report site {site}: {pages} report page(s), {new_docs} new validation page(s); open {site / 'index.html'}"
