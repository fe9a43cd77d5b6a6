"""Every file's answer and the national totals as text, for a task's log and the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from provincial_reports.declarations import provinces, report_types
from provincial_reports.stores.warehouse import Warehouse
from provincial_reports.wording import figure_text

STATUSES = ("accepted", "superseded", "rejected", "returned")
WIDTH = 110  # a terminal line, where a list of provinces wraps
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
    """The national totals for the terminal, a block per report type and period: its coverage and
    the provinces missing from every total named once (Chinese and English), then a line per
    metric. `value` is the headline figure: a figure held out for review (mart.review_flags) is not
    in it until a reviewer clears it, and the line under the total says so and gives the sum of
    every figure. `flagged` counts the provinces whose figure is under review; `without them` is the
    sum of the others; `blank` names the provinces whose file left the metric's cell blank."""
    blocks = []
    for (report_type, period), totals in _by_period(rows).items():
        declared = report_types()[report_type]
        absent = set.intersection(*(set(t["provinces_missing"]) for t in totals))
        lines = [
            f"{report_type} {period} · {declared.title_zh} · {declared.title_en}: "
            f"{len(provinces()) - len(absent)}/{len(provinces())} provinces in the totals",
            *wrapped(f"  in no total ({len(absent)}): ", named_provinces(sorted(absent)) or ["-"]),
            f"  {'metric':<26} {'value':>16}  covered  flagged  {'without them':>16}  label",
        ]
        for t in totals:
            lines.append(_total_line(t, declared.column(t["metric"]).label_zh, absent))
            if t["provinces_held_out"]:
                lines.append(f"  {held_out_text(t)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _by_period(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["report_type"], row["period"]), []).append(row)
    return grouped


def _total_line(total: dict, label_zh: str, absent: set[str]) -> str:
    value = figure_text(total["value_headline"], decimals=4)
    without = figure_text(total["value_excluding_flagged"], decimals=4) if total["provinces_flagged"] else "-"
    blank = ", ".join(named_provinces(c for c in total["provinces_missing"] if c not in absent))
    return (
        f"  {total['metric']:<26} {value:>16}  {total['provinces_reported']:>2}/{len(provinces())}    "
        f"{total['provinces_flagged'] or '-':>7}  {without:>16}  {label_zh}" + (f" · blank: {blank}" if blank else "")
    )


def named_provinces(codes: Iterable[str]) -> list[str]:
    """Provinces by their declared names, Chinese and English, e.g. 西藏自治区 Tibet (540000)."""
    declared = provinces()
    return [f"{declared[c].name_zh} {declared[c].name_en} ({c})" if c in declared else c for c in codes]


def wrapped(lead: str, items: list[str]) -> list[str]:
    """`lead` and the items, comma-separated, as lines of at most WIDTH characters (or one item),
    never breaking an item."""
    lines, line = [], lead
    for n, item in enumerate(items):
        text = item + ("," if n < len(items) - 1 else "")
        if len(line) + len(text) > WIDTH and line != lead:
            lines.append(line.rstrip())
            line = "    "
        line += text + " "
    return [*lines, line.rstrip()]


def held_out_text(total: dict) -> str:
    """Why a total's headline leaves figures out, and what it would be with them."""
    return (
        f"  ^ {total['provinces_held_out']} province figure(s) held out for review (factor of 10: yuan for 10k yuan?); "
        f"with every figure in force: {figure_text(total['value'], decimals=4)}"
    )


def flags_table(flags: list[dict]) -> str:
    """Review flags with their state, each with the id `cli review clear|return` takes, and the
    province's explanation under an explained one."""
    if not flags:
        return "No review flag awaits a decision."
    head = f"{'flag id':<11} {'report / period':<22} {'province':<9} {'metric':<26} {'rule':<14} {'state':<10} finding"
    lines = [head]
    for f in flags:
        held = " [held out of the headline total]" if f["holds_figure_out"] else ""
        lines.append(
            f"{f['flag_id']:<11} {f['report_type'] + ' ' + f['period']:<22} {f['org_unit_code']:<9} "
            f"{f['metric']:<26} {f['rule']:<14} {f['state']:<10} {f['detail_en']}{held}"
        )
        if f["explanation"]:
            lines.append(f"{'':<11} explained by {f['explained_by']}: {f['explanation']}")
    return "\n".join(lines)


def returned_text(rows: list[dict]) -> str:
    """The provinces whose file a reviewer returned (mart.completeness), each with the reviewer's
    reason: they are missing from the totals above until a corrected file arrives."""
    if not rows:
        return ""
    lines = ["\nReturned to their provinces, missing from the totals until a corrected file arrives:"]
    for r in rows:
        [name] = named_provinces([r["province_code"]])
        lines.append(f"  {r['report_type']} {r['period']} {name}")
        lines.extend(f"    - {line}" for line in (r["returned_reason"] or "").splitlines())
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
