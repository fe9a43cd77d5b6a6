"""Per-file isolation, as the DAG runs files: whatever happens while one file is read, validated or
written is that file's answer, or, for a failure of the pipeline itself, that file's task fails and
is retried without holding the others back (docs/input-handling.md, "Whose error is it").

- A file's own problems are answers (process.py: rejected with a reason). A file gone between
  listing and reading gets the answer GONE, which is not recorded: there is nothing left to answer
  for, and the same bytes uploaded again are a new arrival.
- Anything else (storage unreachable, a bug) is the pipeline's: the task fails, and before it does,
  the reason is noted in the lake (`unanswered/<submission id>.json`) for the run's summary. The load
  runs on the answers that exist (trigger rule all_done), the summary lists the files left
  unanswered and why, and the next run finds them again, as nothing recorded them.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from provincial_reports.stores.objects import Store

log = logging.getLogger(__name__)
GONE = "gone"
GONE_REASON = (
    "the file was removed after it was listed, before it could be read: nothing to answer; uploaded again, "
    "it is read then (文件在列出后、读取前被删除；重新上传后将再次读取)"
)
NOTE_CHARS = 500


def is_gone(landing: Store, source: str) -> bool:
    """Whether the landing zone says the file is no longer there (not known to be gone if it cannot say)."""
    try:
        landing.entry_problem(source)
    except FileNotFoundError:
        return True
    except Exception:
        return False
    return False


def gone(arrival: dict) -> dict:
    return {**arrival, "outcome": GONE, "failures": [GONE_REASON]}


def recorded(answers: list[dict]) -> list[dict]:
    """The answers the ledger keeps: all but GONE."""
    return [a for a in answers if a["outcome"] != GONE]


def note_failure(lake: Store, arrival: dict, exc: BaseException) -> None:
    """Why a file is left unanswered, for the run's summary. Best effort: the lake may be what failed."""
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:NOTE_CHARS]
    note = {"source": arrival["source"], "reason": reason, "at": datetime.now(UTC).isoformat()}
    try:
        lake.write(_note_key(arrival), json.dumps(note, ensure_ascii=False).encode())
    except Exception:
        log.warning("Could not note why %s is unanswered", arrival["source"], exc_info=True)


def left_over_text(lake: Store, answers: list[dict], arrivals: list[dict]) -> str:
    """The files gone since listing, and those left unanswered with why, for the run's summary."""
    text = ""
    gone_sources = sorted(a["source"] for a in answers if a["outcome"] == GONE)
    if gone_sources:
        text += f"\n\n{len(gone_sources)} file(s) gone before they could be read (not recorded):"
        text += "".join(f"\n  GONE       {source}" for source in gone_sources)
    answered = {a["source"] for a in answers}
    unanswered = sorted((a for a in arrivals if a["source"] not in answered), key=lambda a: a["source"])
    if unanswered:
        text += (
            f"\n\n{len(unanswered)} file(s) NOT ANSWERED in this run: their process task failed (see its log); "
            "the next run tries them again:"
        )
        for arrival in unanswered:
            text += f"\n  NOT ANSWERED {arrival['source']}\n             - {_noted_reason(lake, arrival)}"
    return text


def _note_key(arrival: dict) -> str:
    return f"unanswered/{arrival['submission_id']}.json"


def _noted_reason(lake: Store, arrival: dict) -> str:
    try:
        return json.loads(lake.read(_note_key(arrival)))["reason"]
    except Exception:
        return "no reason was noted (the lake may be unreachable); see the process task's log"
