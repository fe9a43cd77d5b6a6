"""What a release is made of, and the one hash that names its content.

A candidate travels as XCom from `prepare` to `decide` (publish/sign_off.py), so every value in it
is JSON: figures as decimal text with exactly 4 places (the warehouse's scale), moments as ISO 8601
in UTC. The content hash covers the figures and the files they came from, nothing that describes
them (labels, review flags, conditions): two candidates with the same figures from the same files
are the same release whatever else changed around them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

SCALE = Decimal("0.0001")
# The parts of a candidate the content hash covers, and within them the keys.
TOTAL_KEYS = ("metric", "value", "provinces_reported", "provinces_missing")
FIGURE_KEYS = ("province_code", "metric", "value", "submission_id", "source", "sha256")


def figure_text(value: Decimal | int | float | str | None) -> str | None:
    """A figure as the text a candidate holds: exactly 4 decimals, so both warehouses, which return
    sums at different scales, give the same text."""
    return None if value is None else str(Decimal(str(value)).quantize(SCALE))


def moment_text(value: datetime | None) -> str | None:
    """A moment in UTC as ISO 8601; the warehouse's naive timestamps are UTC."""
    if value is None:
        return None
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


def content_sha256(report_type: str, period: str, totals: list[dict], figures: list[dict]) -> str:
    """SHA-256 over the canonical JSON (sorted keys and rows, no spaces, UTF-8) of the content."""
    content = {
        "report_type": report_type,
        "period": period,
        "totals": sorted(({k: t[k] for k in TOTAL_KEYS} for t in totals), key=lambda t: t["metric"]),
        "province_figures": sorted(
            ({k: f[k] for k in FIGURE_KEYS} for f in figures), key=lambda f: (f["province_code"], f["metric"])
        ),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def figure_changes(previous_totals: list[dict], previous_figures: list[dict], candidate: dict) -> list[dict]:
    """Every national figure (province_code '') and province figure of `candidate` that differs from
    the previous release's, old and new; a figure on one side only counts as a change."""
    old = _figures_by_key(previous_totals, previous_figures)
    new = _figures_by_key(candidate["totals"], candidate["province_figures"])
    return [
        {"province_code": key[0], "metric": key[1], "old_value": old.get(key), "new_value": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def _figures_by_key(totals: list[dict], figures: list[dict]) -> dict[tuple[str, str], str | None]:
    national = {("", t["metric"]): figure_text(t["value"]) for t in totals}
    return national | {(f["province_code"], f["metric"]): figure_text(f["value"]) for f in figures}
