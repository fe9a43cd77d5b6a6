"""What would be published for one report type and period: the candidate a reviewer signs off.

Read from the marts at one moment: the national totals, the province figures in force with their
files, the open warnings (review flags not yet cleared: open, or explained and awaiting the
reviewer), the late files, the provinces with no file in force (a file a reviewer returned is none,
and the candidate says why), the previous release and
what differs from it, and the release conditions the report type declares (`release:` in its
report_type.yaml), each with whether it holds. The reviewer approves this candidate, not whatever
the marts say later: the commit publishes exactly it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from provincial_reports.declarations import ReportType
from provincial_reports.publish.content import content_sha256, figure_changes, figure_text, moment_text
from provincial_reports.stores.warehouse import Warehouse

TOTALS = (
    "SELECT metric, metric_label_zh, unit, value_type, metric_position, value, provinces_reported, "
    "provinces_missing, provinces_flagged, value_headline "
    "FROM mart.national_totals WHERE report_type = ? AND period = ? ORDER BY metric_position"
)
FIGURES = """
SELECT f.province_code, f.province_name_zh, f.metric, f.value, f.submission_id, f.source, s.sha256,
    s.received_at, s.on_time, s.result_location,
    EXISTS (
        SELECT 1 FROM mart.review_flags AS r
        WHERE r.state IN ('open', 'explained') AND r.submission_id = f.submission_id
            AND r.org_unit_code = f.province_code AND r.metric = f.metric
    ) AS under_review
FROM mart.province_figures AS f
JOIN mart.submissions AS s ON s.submission_id = f.submission_id
WHERE f.report_type = ? AND f.period = ?
ORDER BY f.province_code, f.metric
"""
# A flag not yet cleared is an open warning, explained or not; a returned file's flags are not, the
# undecided among them included: the file is out of the figures, and its province among the missing.
OPEN_FLAGS = """
SELECT flag_id, province_code, org_unit_code, metric, rule, state, detail_en, detail_zh FROM mart.review_flags
WHERE state IN ('open', 'explained') AND report_type = ? AND period = ?
    AND submission_id NOT IN (SELECT submission_id FROM mart.submissions WHERE status = 'returned')
ORDER BY province_code, org_unit_code, metric, rule
"""
RETURNED = (
    "SELECT province_code, returned_reason FROM mart.completeness "
    "WHERE status = 'returned' AND report_type = ? AND period = ? ORDER BY province_code"
)
# The late files among those in force (a superseded late file no longer matters).
LATE_FILES = (
    "SELECT province_code, source, received_at, due_at FROM mart.submissions "
    "WHERE report_type = ? AND period = ? AND status = 'accepted' AND superseded_by IS NULL AND NOT on_time "
    "ORDER BY province_code"
)
DEADLINE = "SELECT due_at FROM mart.dim_period WHERE report_type = ? AND period = ?"
PROVINCES = "SELECT province_code FROM mart.dim_province ORDER BY province_code"
# Releases are read from staging, embargoed ones included: the next revision follows them all.
LATEST_RELEASE = (
    "SELECT release_id, revision, content_sha256 FROM staging.stg_releases "
    "WHERE report_type = ? AND period = ? ORDER BY revision DESC LIMIT 1"
)
RELEASED_TOTALS = "SELECT metric, value FROM staging.stg_released_totals WHERE release_id = ?"
RELEASED_FIGURES = "SELECT province_code, metric, value FROM staging.stg_released_province_figures WHERE release_id = ?"


class NothingToPublish(ValueError):
    """The report type and period have no national totals: no file ever arrived for them."""


def prepare_candidate(
    warehouse: Warehouse, report_type: ReportType, period: str, validation_location: str, now: datetime
) -> dict:
    """The candidate release, as JSON-able values (it travels as XCom to the sign-off)."""
    key = (report_type.name, period)
    totals = [_total(t) for t in warehouse.query(TOTALS, key)]
    if not totals:
        raise NothingToPublish(f"no national totals for {report_type.name} {period}: no file arrived for it")
    figures = [_figure(f) for f in warehouse.query(FIGURES, key)]
    flags = warehouse.query(OPEN_FLAGS, key)
    late = [
        {**f, "received_at": moment_text(f["received_at"]), "due_at": moment_text(f["due_at"])}
        for f in warehouse.query(LATE_FILES, key)
    ]
    reporting = {f["province_code"] for f in figures}
    previous = latest_release(warehouse, report_type.name, period)
    candidate = {
        "report_type": report_type.name,
        "period": period,
        "title_en": report_type.title_en,
        "title_zh": report_type.title_zh,
        "prepared_at": moment_text(now),
        "totals": totals,
        "province_figures": figures,
        "missing_provinces": [
            p["province_code"] for p in warehouse.query(PROVINCES) if p["province_code"] not in reporting
        ],
        "returned_provinces": warehouse.query(RETURNED, key),
        "open_flags": flags,
        "late_files": late,
        "suite_sha256": hashlib.sha256((report_type.folder / "suite.json").read_bytes()).hexdigest(),
        "validation_location": validation_location,
        "content_sha256": content_sha256(report_type.name, period, totals, figures),
        "previous_release_id": previous["release_id"] if previous else None,
        "next_revision": previous["revision"] + 1 if previous else 1,
    }
    candidate["changes"] = changes_since(warehouse, previous, candidate)
    deadline = warehouse.query(DEADLINE, key)
    candidate["conditions"] = conditions(report_type, candidate, deadline[0]["due_at"] if deadline else None, now)
    candidate["conditions_met"] = all(c["met"] for c in candidate["conditions"])
    return candidate


def latest_release(warehouse: Warehouse, report_type: str, period: str) -> dict | None:
    found = warehouse.query(LATEST_RELEASE, (report_type, period))
    return found[0] if found else None


def changes_since(warehouse: Warehouse, previous: dict | None, candidate: dict) -> list[dict]:
    """What differs between the previous release's figures and the candidate's; none for a first release."""
    if previous is None:
        return []
    release = (previous["release_id"],)
    return figure_changes(
        warehouse.query(RELEASED_TOTALS, release), warehouse.query(RELEASED_FIGURES, release), candidate
    )


def conditions(report_type: ReportType, candidate: dict, due_at: datetime | None, now: datetime) -> list[dict]:
    """Each release condition the report type declares, whether it holds, and why, in words."""
    declared = report_type.release
    found = []
    if declared.min_provinces is not None:
        fewest = min(t["provinces_reported"] for t in candidate["totals"])
        found.append(
            {
                "condition": f"every national figure covers at least {declared.min_provinces} provinces",
                "met": fewest >= declared.min_provinces,
                "detail": f"the least covered figure covers {fewest} of 31",
            }
        )
    if declared.no_open_flags:
        count = len(candidate["open_flags"])
        found.append(
            {
                "condition": "no open review flag (every flag cleared, or its file returned)",
                "met": count == 0,
                "detail": f"{count} review flag(s) not yet cleared (open or explained)",
            }
        )
    if declared.after_deadline:
        due = due_at.replace(tzinfo=UTC) if due_at is not None and due_at.tzinfo is None else due_at
        found.append(
            {
                "condition": "the deadline has passed",
                "met": due is not None and now >= due,
                "detail": f"due {moment_text(due)}" if due else "the report type declares no deadline",
            }
        )
    return found


def _total(row: dict) -> dict:
    return {
        **row,
        "value": figure_text(row["value"]),
        "value_headline": figure_text(row["value_headline"]),
        "provinces_missing": list(row["provinces_missing"]),
    }


def _figure(row: dict) -> dict:
    return {**row, "value": figure_text(row["value"]), "received_at": moment_text(row["received_at"])}
