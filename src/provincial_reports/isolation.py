"""Per-file isolation, as the DAG runs files (issue 18): whatever happens while one file is read,
validated or written is that file's answer, or, for a failure of the pipeline itself, that file's
task fails and is retried without holding the others back.

- A file's own problems are answers (pipeline.process: rejected with a reason). A file gone
  between listing and reading gets the answer GONE, which is not recorded: there is nothing left to
  answer for, and the same bytes uploaded again are a new arrival.
- Anything else (storage unreachable, a bug) is the pipeline's: the task fails, and before it
  does, the reason is noted in the lake (`unanswered/<submission id>.json`) for the run's summary.
  The load runs on the answers that exist (trigger rule all_done), the summary lists the files
  left unanswered and why, and the next run finds them again, as nothing recorded them.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from provincial_reports import pipeline
from provincial_reports.config import settings
from provincial_reports.stores.objects import open_store

log = logging.getLogger(__name__)
GONE = "gone"
GONE_REASON = (
    "the file was removed after it was listed, before it could be read: nothing to answer; uploaded again, "
    "it is read then (文件在列出后、读取前被删除；重新上传后将再次读取)"
)
NOTE_CHARS = 500


def process(arrival: dict) -> dict:
    """pipeline.process, with a file gone since listing answered GONE and any other failure noted
    for the summary and raised again (so that Airflow fails and retries the task)."""
    try:
        return pipeline.process(arrival)
    except Exception as exc:
        if is_gone(arrival["source"]):
            return {**arrival, "outcome": GONE, "failures": [GONE_REASON]}
        note_failure(arrival, exc)
        raise


def is_gone(source: str) -> bool:
    try:
        open_store(settings().landing).entry_problem(source)
    except FileNotFoundError:
        return True
    except Exception:  # the landing zone cannot say: not known to be gone
        return False
    return False


def note_key(arrival: dict) -> str:
    return f"unanswered/{arrival['submission_id']}.json"


def note_failure(arrival: dict, exc: BaseException) -> None:
    """Best effort: the lake may be what failed."""
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:NOTE_CHARS]
    note = {"source": arrival["source"], "reason": reason, "at": datetime.now(UTC).isoformat()}
    try:
        open_store(settings().lake).write(note_key(arrival), json.dumps(note, ensure_ascii=False).encode())
    except Exception:
        log.warning("Could not note why %s is unanswered", arrival["source"], exc_info=True)


def recorded(answers: list[dict]) -> list[dict]:
    """The answers the ledger keeps: all but GONE."""
    return [a for a in answers if a["outcome"] != GONE]


def summarize(answers: list[dict], arrivals: list[dict]) -> str:
    """pipeline.summarize's text, then the files gone since listing and those left unanswered."""
    text = pipeline.summarize(recorded(answers))
    gone = sorted(a["source"] for a in answers if a["outcome"] == GONE)
    if gone:
        text += f"\n\n{len(gone)} file(s) gone before they could be read (not recorded):"
        text += "".join(f"\n  GONE       {source}" for source in gone)
    answered = {a["source"] for a in answers}
    unanswered = sorted((a for a in arrivals if a["source"] not in answered), key=lambda a: a["source"])
    if unanswered:
        text += (
            f"\n\n{len(unanswered)} file(s) NOT ANSWERED in this run: their process task failed (see its log); "
            "the next run tries them again:"
        )
        for arrival in unanswered:
            text += f"\n  NOT ANSWERED {arrival['source']}\n             - {unanswered_reason(arrival)}"
    return text


def unanswered_reason(arrival: dict) -> str:
    try:
        return json.loads(open_store(settings().lake).read(note_key(arrival)))["reason"]
    except Exception:
        return "no reason was noted (the lake may be unreachable); see the process task's log"
