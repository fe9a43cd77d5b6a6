"""Step 7, report: every file's answer, as a data engineer reads it in a log or a terminal."""

from __future__ import annotations

from provincial_reports.warehouse import Warehouse

STATUSES = ("accepted", "superseded", "rejected")


def run_summary(answers: list[dict]) -> str:
    """This run's new files: what the summarize task logs."""
    if not answers:
        return "No new files in the landing zone."
    return _answers_text([(a["source"], a["outcome"], a["failures"]) for a in sorted(answers, key=lambda a: a["source"])])


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
