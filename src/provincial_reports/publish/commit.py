"""A reviewer's decision on a candidate, committed to the warehouse in one transaction.

Approved, the candidate becomes a release: its row, its totals, its province figures and what
changed since the previous release, all inserted together with the decision, or none of them.
Rejected (or approved without the comment an unmet condition requires), only the decision is
recorded. Nothing here updates or deletes a row: a release, once committed, stays as it is.

Committing is idempotent, so Airflow may retry the task: a DAG run's decision is recorded once,
and a candidate whose content equals the latest release's is that release again, not a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from provincial_reports.publish.candidate import changes_since, latest_release
from provincial_reports.publish.content import content_sha256
from provincial_reports.stores.warehouse import Warehouse, create_tables, create_views

APPROVE, REJECT = "Approve", "Reject"
DECISION = "SELECT * FROM staging.stg_release_decisions WHERE dag_run_id = ?"
INSERT_DECISION = (
    "INSERT INTO core.release_decisions (dag_run_id, report_type, period, decision, decided_by, decided_at, "
    "comment, conditions_met, content_sha256, release_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_RELEASE = (
    "INSERT INTO core.releases (release_id, report_type, period, revision, previous_release_id, content_sha256, "
    "approved_by, approved_at, released_at, comment, conditions_met, conditions, suite_sha256, "
    "validation_location, open_flags, late_files, dag_run_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_TOTAL = (
    "INSERT INTO core.released_totals (release_id, metric, metric_label_zh, unit, value_type, metric_position, "
    "value, provinces_reported, provinces_missing, provinces_flagged, value_headline) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_FIGURE = (
    "INSERT INTO core.released_province_figures (release_id, province_code, metric, value, under_review, "
    "submission_id, source, sha256, received_at, on_time, result_location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CHANGE = (
    "INSERT INTO core.release_changes (release_id, previous_release_id, province_code, metric, old_value, new_value) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


class CandidateAltered(ValueError):
    """The candidate's figures no longer hash to the content the reviewer was shown."""


def record_decision(warehouse: Warehouse, candidate: dict, response: dict, dag_run_id: str) -> dict:
    """Commit the reviewer's `response` (Airflow's human-in-the-loop payload: chosen_options,
    params_input, responded_by_user, responded_at) on `candidate`; the decision as recorded."""
    _check_content(candidate)
    with warehouse.transaction():
        create_tables(warehouse)  # a warehouse last loaded by an older version gains the release tables
        create_views(warehouse)
        recorded = warehouse.query(DECISION, (dag_run_id,))
        if recorded:  # a retried task: the decision is already in
            return recorded[0]
        decision = _decision(candidate, response)
        if decision["decision"] in ("approved", "approved anyway"):
            decision.update(_publish(warehouse, candidate, decision, dag_run_id))
        warehouse.execute(
            INSERT_DECISION,
            [
                dag_run_id,
                candidate["report_type"],
                candidate["period"],
                decision["decision"],
                decision["decided_by"],
                decision["decided_at"],
                decision["comment"],
                candidate["conditions_met"],
                candidate["content_sha256"],
                decision.get("release_id"),
                decision["note"],
            ],
        )
        return warehouse.query(DECISION, (dag_run_id,))[0]


def parsed_instant(text: str) -> datetime | None:
    """A release instant as a reviewer writes it (ISO 8601 with its zone, e.g. 2026-12-05T09:00+08:00)
    in naive UTC; None when none is given. ValueError for text that is not one, or has no zone."""
    if not text.strip():
        return None
    given = datetime.fromisoformat(text.strip())
    if given.tzinfo is None:
        raise ValueError(f"release instant {text!r} has no time zone: write it as 2026-12-05T09:00+08:00")
    return given.astimezone(UTC).replace(tzinfo=None)


def release_instant(text: str, approved_at: datetime) -> datetime:
    """When the release becomes visible: the instant given, or the approval itself when none is
    given or the one given is already past."""
    given = parsed_instant(text)
    return approved_at if given is None else max(given, approved_at)


def _decision(candidate: dict, response: dict) -> dict:
    """What the response decides, before anything is written."""
    chosen = response["chosen_options"][0]
    params = response.get("params_input") or {}
    comment = (params.get("comment") or "").strip()
    decided_at = _naive_utc(response["responded_at"])
    decision = {"decided_by": response["responded_by_user"]["name"], "decided_at": decided_at, "comment": comment}
    if chosen == REJECT:
        return {**decision, "decision": "rejected", "note": "rejected: nothing published"}
    if not candidate["conditions_met"] and not comment:
        unmet = "; ".join(c["condition"] for c in candidate["conditions"] if not c["met"])
        note = f"refused: approved without a comment although a release condition does not hold ({unmet})"
        return {**decision, "decision": "refused", "note": note}
    try:
        released_at = release_instant(params.get("release_at") or "", decided_at)
    except ValueError as exc:
        return {**decision, "decision": "refused", "note": f"refused: {exc}"}
    kind = "approved" if candidate["conditions_met"] else "approved anyway"
    return {**decision, "decision": kind, "released_at": released_at}


def _publish(warehouse: Warehouse, candidate: dict, decision: dict, dag_run_id: str) -> dict:
    """Insert the release, or find that the latest release already holds the same content."""
    report_type, period = candidate["report_type"], candidate["period"]
    previous = latest_release(warehouse, report_type, period)
    if previous and previous["content_sha256"] == candidate["content_sha256"]:
        return {
            "release_id": previous["release_id"],
            "note": f"same content as {previous['release_id']}: no new release",
        }
    revision = previous["revision"] + 1 if previous else 1
    release_id = f"{report_type}/{period}/r{revision}"
    conditions = "; ".join(
        f"{c['condition']}: {'yes' if c['met'] else 'NO'} ({c['detail']})" for c in candidate["conditions"]
    )
    warehouse.execute(
        INSERT_RELEASE,
        [
            release_id,
            report_type,
            period,
            revision,
            previous["release_id"] if previous else None,
            candidate["content_sha256"],
            decision["decided_by"],
            decision["decided_at"],
            decision["released_at"],
            decision["comment"],
            candidate["conditions_met"],
            conditions,
            candidate["suite_sha256"],
            candidate["validation_location"],
            len(candidate["open_flags"]),
            len(candidate["late_files"]),
            dag_run_id,
        ],
    )
    for t in candidate["totals"]:
        warehouse.execute(
            INSERT_TOTAL,
            [
                release_id,
                t["metric"],
                t["metric_label_zh"],
                t["unit"],
                t["value_type"],
                t["metric_position"],
                _decimal(t["value"]),
                t["provinces_reported"],
                t["provinces_missing"],
                t["provinces_flagged"],
                _decimal(t["value_headline"]),
            ],
        )
    for f in candidate["province_figures"]:
        warehouse.execute(
            INSERT_FIGURE,
            [
                release_id,
                f["province_code"],
                f["metric"],
                _decimal(f["value"]),
                f["under_review"],
                f["submission_id"],
                f["source"],
                f["sha256"],
                _naive_utc(f["received_at"]),
                f["on_time"],
                f["result_location"],
            ],
        )
    # Against the latest release at commit time, which may be newer than the one the candidate named.
    for c in changes_since(warehouse, previous, candidate):
        warehouse.execute(
            INSERT_CHANGE,
            [
                release_id,
                previous["release_id"],
                c["province_code"],
                c["metric"],
                _decimal(c["old_value"]),
                _decimal(c["new_value"]),
            ],
        )
    released = "now" if decision["released_at"] == decision["decided_at"] else f"at {decision['released_at']} UTC"
    return {"release_id": release_id, "note": f"published {release_id}, released {released}"}


def _check_content(candidate: dict) -> None:
    found = content_sha256(
        candidate["report_type"], candidate["period"], candidate["totals"], candidate["province_figures"]
    )
    if found != candidate["content_sha256"]:
        raise CandidateAltered(f"the candidate's content hashes to {found}, not {candidate['content_sha256']}")


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _naive_utc(moment: datetime | str) -> datetime:
    """A moment (aware, or ISO 8601 text) as the naive UTC the warehouse's tables hold."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
