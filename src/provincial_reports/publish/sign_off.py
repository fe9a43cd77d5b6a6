"""The bodies of the DAG `publish_national_totals`'s tasks, callable without Airflow (as pipeline.py
is for the consolidation DAG): prepare the candidate and word it for the reviewer; commit the
reviewer's decision. Between the two, Airflow's human-in-the-loop task waits for the reviewer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provincial_reports.config import settings
from provincial_reports.stores.warehouse import opened, opened_for_reading

OPTIONS = ("Approve", "Reject")
MOST_CHANGES_SHOWN = 20


def prepare(report_type: str, period: str) -> dict:
    """The candidate release, with the subject and body the reviewer reads (Markdown)."""
    from provincial_reports.declarations import report_types
    from provincial_reports.publish.candidate import prepare_candidate
    from provincial_reports.stores.objects import open_store

    declared = report_types()
    if report_type not in declared:
        raise ValueError(f"no report type {report_type!r} is declared (known: {', '.join(sorted(declared))})")
    config = settings()
    location = open_store(config.lake).location("validation")
    with opened_for_reading(config.warehouse) as warehouse:
        candidate = prepare_candidate(warehouse, declared[report_type], period, location, datetime.now(UTC))
    return {**candidate, "subject": subject(candidate), "body": body(candidate)}


def decide(candidate: dict, response: dict, dag_run_id: str) -> dict:
    """Commit the reviewer's response on the candidate; the decision recorded, also printed for the log."""
    from provincial_reports.publish.commit import record_decision

    with opened(settings().warehouse) as warehouse:
        decision = record_decision(warehouse, candidate, response, dag_run_id)
    print(f"{decision['decision']} by {decision['decided_by']}: {decision['note']}", flush=True)
    return {k: str(v) if isinstance(v, datetime) else v for k, v in decision.items()}


def subject(candidate: dict) -> str:
    release = f"{candidate['report_type']}/{candidate['period']}/r{candidate['next_revision']}"
    held = "conditions met" if candidate["conditions_met"] else "CONDITIONS NOT MET: approving needs a comment"
    return f"Publish {release} ({candidate['title_en']})? {held}"


def body(candidate: dict) -> str:
    """What the reviewer decides on, in Markdown (the Airflow UI renders it)."""
    missing = candidate["missing_provinces"]
    lines = [
        f"**{candidate['title_zh']}** · {candidate['title_en']} · period {candidate['period']}",
        "",
        "Release conditions (`release:` in report_type.yaml):",
        *[f"- {'✔' if c['met'] else '✘'} {c['condition']}: {c['detail']}" for c in candidate["conditions"]],
        *([] if candidate["conditions"] else ["- none declared"]),
        "",
        f"Missing provinces ({len(missing)}): {', '.join(missing) or 'none'}",
        *[
            f"- {r['province_code']} returned by the reviewer: {' / '.join(r['returned_reason'].splitlines())}"
            for r in candidate["returned_provinces"]
        ],
        f"Open review flags (not yet cleared): {len(candidate['open_flags'])}; "
        f"late files in force: {len(candidate['late_files'])}",
        "",
        "| metric | national figure | provinces |",
        "|---|---|---|",
        *[f"| {t['metric']} | {t['value']} | {t['provinces_reported']} |" for t in candidate["totals"]],
        "",
        changes_text(candidate),
        "",
        f"Content sha256 `{candidate['content_sha256']}`. Approve (optionally with a release instant, ISO 8601"
        " with its zone, e.g. 2026-12-05T09:00+08:00: hidden from BI until then) or reject, with a comment.",
    ]
    return "\n".join(lines)


def changes_text(candidate: dict) -> str:
    previous = candidate["previous_release_id"]
    if previous is None:
        return "First release of this period."
    changes = candidate["changes"]
    if not changes:
        return f"Same figures as {previous}: approving publishes no new release."
    shown = [
        f"- {c['province_code'] or 'national'} {c['metric']}: {c['old_value']} → {c['new_value']}"
        for c in changes[:MOST_CHANGES_SHOWN]
    ]
    more = [f"- … and {len(changes) - MOST_CHANGES_SHOWN} more"] if len(changes) > MOST_CHANGES_SHOWN else []
    return "\n".join([f"{len(changes)} figure(s) changed since {previous}:", *shown, *more])
