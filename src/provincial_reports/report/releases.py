"""The official figures on the period and index pages: beside each provisional national figure its
official one (and "revised since release r2" where they differ), and the release history; each
release's own page is release_page.py.

Only releases past their release instant are shown: the site reads the marts, which hide embargoed ones.
"""

from __future__ import annotations

from html import escape

from provincial_reports.report.html import box, headers, heading, note, table
from provincial_reports.report.site_data import SiteData, beijing_time
from provincial_reports.wording import figure_text

ANYWAY_PILL = ' <span class="pill s-late">approved anyway · 未满足条件仍批准</span>'
OFFICIAL_PILL = ' <span class="pill s-accepted">official · 现行</span>'


def release_href(release_id: str, depth: int = 0) -> str:
    """A release's page: its id is `<report type>/<period>/r<n>`, all three our own names."""
    return f"{'../' * depth}releases/{release_id}.html"


def revision_name(release: dict) -> str:
    return f"r{release['revision']}"


def official_cell(data: SiteData, total: dict, value_type: str, depth: int) -> str:
    """The official figure beside a provisional total: its value and release, and whether the live
    figure has been revised since."""
    official = next(
        (o for o in data.of("official", total["report_type"], total["period"]) if o["metric"] == total["metric"]),
        None,
    )
    if official is None:
        return '<span class="note">not released · 未发布</span>'
    release = next(r for r in data.releases if r["release_id"] == official["release_id"])
    link = f'<a href="{release_href(official["release_id"], depth)}">{revision_name(release)}</a>'
    text = f'{figure_text(official["value"], value_type)} <span class="note">{link}</span>'
    if official["value"] != total["value"]:
        text += f'<br><span class="pill s-late">revised since release {revision_name(release)} · 发布后已修订</span>'
    return text


def releases_section(data: SiteData, name: str, period: str, depth: int) -> str:
    """A period's release history, newest first."""
    releases = list(reversed(data.of("releases", name, period)))
    if not releases:
        return box(
            "releases",
            "Official releases",
            "正式发布",
            note(
                "None yet: these figures are provisional. A release is made by the DAG publish_national_totals once "
                "a reviewer approves it. 尚未正式发布：以上为初步数据。"
            ),
        )
    return box("releases", "Official releases", "正式发布", _release_table(releases, depth))


def release_history(data: SiteData, name: str) -> str:
    """Every release of a report type, newest first, for the index page."""
    releases = [r for r in reversed(data.releases) if r["report_type"] == name]
    if not releases:
        return ""
    return f"<section>{heading('Official releases', '正式发布')}{_release_table(releases, 0)}</section>"


def _release_table(releases: list[dict], depth: int) -> str:
    rows = "".join(
        f'<tr><td><a href="{release_href(r["release_id"], depth)}"><code>{escape(r["release_id"])}</code></a>'
        f"{ANYWAY_PILL if r['approved_anyway'] else ''}{OFFICIAL_PILL if r['is_latest'] else ''}</td>"
        f"<td>{beijing_time(r['released_at'])}</td><td>{escape(r['approved_by'])}</td>"
        f"<td>{escape(r['comment']) or '—'}</td></tr>"
        for r in releases
    )
    head = headers(
        ("Release", "版本"), ("Released", "发布时间（北京）"), ("Approved by", "审批人"), ("Comment", "说明")
    )
    return table(head, rows)
