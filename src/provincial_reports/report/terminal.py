"""Every file's answer and the national totals as text, for a task's log and the terminal."""

from __future__ import annotations

from provincial_reports.declarations import provinces, report_types
from provincial_reports.stores.warehouse import Warehouse
from provincial_reports.wording import figure_text

STATUSES = ("accepted", "superseded", "rejected")
ANSWER_MARK = "ANSWER"  # begins the line each process task logs; `make run` counts them for its progress


def answer_line(answer: dict) -> str:
    """One file's answer on one line, with every reason it was refused: what its process task logs."""
    reasons = "; ".join(answer["failures"])
    return f"{ANSWER_MARK} {answer['outcome'].upper()} {answer['source']}" + (f": {reasons}" if reasons else "")


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


def totals_table(rows: list[dict]) -> str:
    """A fixed-width table for the terminal; missing provinces listed by code. `value` is the
    headline figure: a figure held out for review (mart.review_flags) is not in it until a reviewer
    confirms it, and the line under the total says so and gives the sum of every figure. `flagged`
    counts the provinces whose figure is under review; `without them` is the sum of the others."""
    lines = [f"{'report / period':<22} {'metric':<26} {'value':>14}  covered  flagged  {'without them':>14}  missing"]
    for r in rows:
        label = report_types()[r["report_type"]].column(r["metric"]).label_zh
        value = figure_text(r["value_headline"], decimals=4)
        without = figure_text(r["value_excluding_flagged"], decimals=4) if r["provinces_flagged"] else "-"
        missing = ",".join(r["provinces_missing"]) or "-"
        lines.append(
            f"{r['report_type'] + ' ' + r['period']:<22} {r['metric']:<26} {value:>14}  "
            f"{r['provinces_reported']:>2}/{len(provinces())}    {r['provinces_flagged'] or '-':>7}  {without:>14}  "
            f"{missing}   {label}"
        )
        if r["provinces_held_out"]:
            lines.append(f"{'':<22} {held_out_text(r)}")
    return "\n".join(lines)


def held_out_text(total: dict) -> str:
    """Why a total's headline leaves figures out, and what it would be with them."""
    return (
        f"  ^ {total['provinces_held_out']} province figure(s) held out for review (factor of 10: yuan for 10k yuan?); "
        f"with every figure in force: {figure_text(total['value'], decimals=4)}"
    )


def flags_table(flags: list[dict]) -> str:
    """The open review flags, each with the id `cli review confirm` takes."""
    if not flags:
        return "No open review flags."
    lines = [f"{'flag id':<11} {'report / period':<22} {'province':<9} {'metric':<26} {'rule':<14} finding"]
    for f in flags:
        held = " [held out of the headline total]" if f["holds_figure_out"] else ""
        lines.append(
            f"{f['flag_id']:<11} {f['report_type'] + ' ' + f['period']:<22} {f['org_unit_code']:<9} "
            f"{f['metric']:<26} {f['rule']:<14} {f['detail_en']}{held}"
        )
    return "\n".join(lines)


def releases_text(releases: list[dict]) -> str:
    """The latest release of each report type and period (mart.releases): the official figures."""
    latest = [r for r in releases if r["is_latest"]]
    if not latest:
        return "  none: every figure above is provisional (publish one with the DAG publish_national_totals)"
    return "\n".join(
        f"  {r['release_id']}  released {r['released_at']:%Y-%m-%d %H:%M} UTC, approved by {r['approved_by']}"
        + ("  (approved anyway)" if r["approved_anyway"] else "")
        for r in latest
    )
