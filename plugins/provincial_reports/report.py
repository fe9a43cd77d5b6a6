"""Step 7, report: every file's answer from this run, as a data engineer reads it in the log."""

from __future__ import annotations


def run_summary(answers: list[dict]) -> str:
    if not answers:
        return "No new files in the landing zone."
    accepted = sum(a["outcome"] == "accepted" for a in answers)
    lines = [f"{len(answers)} new file(s): {accepted} accepted, {len(answers) - accepted} rejected"]
    for a in sorted(answers, key=lambda a: a["source"]):
        lines.append(f"  {a['outcome'].upper():<8} {a['source']}")
        lines.extend(f"           - {failure}" for failure in a["failures"])
    return "\n".join(lines)
