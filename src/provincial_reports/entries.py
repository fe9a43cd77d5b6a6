"""The answer for a landing entry that is not a readable regular file (a symbolic link, a FIFO, a
socket, a device, a file the pipeline may not open): rejected with its problem, never read. The
entry is looked at again when its file is processed, with the same classifier as the listing
(stores/objects.py), so that listing and reading never disagree: a file replaced by a link since it
was listed is answered as the link, under the identity the next listing would give it."""

from __future__ import annotations

import json

from provincial_reports.land import Arrival, entry_arrival
from provincial_reports.stores.objects import Store
from provincial_reports.validate.suites import reject_unread
from provincial_reports.write import _folder, answer_of, result_key

CHECK = "landing_entry"


def answer_if_not_a_plain_file(landing: Store, lake: Store, arrival: Arrival) -> dict | None:
    """The answer for `arrival` if what its source names now is not a readable regular file; None
    if it is (it is then read, and re-identified by its bytes if it was listed as something else).
    FileNotFoundError if it is gone."""
    entry = landing.entry_problem(arrival.source)
    if entry is None:
        return None
    found = entry_arrival(entry)
    if (found.sha256, found.entry_problem) == (arrival.sha256, arrival.entry_problem):
        found = arrival  # as listed: the same answer, received when it was listed
    verdict = reject_unread(found, CHECK, entry.problem)
    document = json.dumps(verdict.document, ensure_ascii=False, indent=1, default=str).encode()
    lake.write(result_key(found), document)
    lake.write(f"quarantine/{_folder(found)}/{found.submission_id}/validation.json", document)
    kept = {"raw_key": landing.entry_location(found.source), "result_key": result_key(found), "parquet_key": None}
    return answer_of(found, verdict, None, None, kept)
