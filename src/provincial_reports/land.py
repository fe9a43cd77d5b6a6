"""Step 1, land: which files in the landing zone are new, in the order they arrived.

The ledger (in the warehouse) is keyed by (source, sha256): the same bytes at the same place are
never processed twice, while new bytes under an old name are a new version. A file in the wrong
place is still a submission: it gets an answer (rejected, with the reason) like any other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, replace

from provincial_reports.declarations import provinces
from provincial_reports.stores.entries import LandingEntry
from provincial_reports.stores.objects import Store, StoredObject

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Arrival:
    """One version of one file in the landing zone; serialisable for XCom as a plain dict."""

    submission_id: str
    source: str
    sha256: str
    size: int
    received_at: str
    province_code: str | None
    period: str | None
    filename: str
    path_problem: str | None
    # set for a landing entry that is not a readable regular file (a link, a FIFO...): stores/objects.py
    entry_problem: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submission_id(source: str, sha256: str) -> str:
    """Stable id of a (location, content) pair: the ledger key in a form short enough for paths."""
    return hashlib.sha256(f"{source}\n{sha256}".encode()).hexdigest()[:20]


def place_of(source: str) -> tuple[str | None, str | None, str | None]:
    """(province, period, problem) read off `<province code>/<YYYY-MM>/<file>`."""
    parts = source.split("/")
    if len(parts) != 3:
        return (
            None,
            None,
            ("the file is not in a <province code>/<YYYY-MM>/ folder (文件未放在“省级代码/报告期”目录下)"),
        )
    province, period, _ = parts
    if province not in provinces():
        return None, None, f"'{province}' is not a province code (“{province}”不是省级行政区代码)"
    if not PERIOD.match(period):
        return province, None, f"'{period}' is not a period in YYYY-MM form (“{period}”不是YYYY-MM格式的报告期)"
    return province, period, None


def arrival_of(obj: StoredObject, data: bytes) -> Arrival:
    return arrival_hashed(obj, sha256_of(data), len(data))


def arrival_hashed(obj: StoredObject, sha: str, size: int) -> Arrival:
    province, period, problem = place_of(obj.key)
    return Arrival(
        submission_id=submission_id(obj.key, sha),
        source=obj.key,
        sha256=sha,
        size=size,
        received_at=obj.modified.isoformat(),
        province_code=province,
        period=period,
        filename=obj.key.rsplit("/", 1)[-1],
        path_problem=problem,
    )


def as_held(arrival: Arrival, sha: str, size: int) -> Arrival:
    """The arrival for the bytes actually read: a file replaced since it was listed is answered for
    what was read, as the new version it is."""
    if sha == arrival.sha256:
        return arrival
    return replace(arrival, sha256=sha, size=size, submission_id=submission_id(arrival.source, sha))


def landed_place(landing: Store, arrival: Arrival) -> tuple[Store, str]:
    """Where to read a file from: its province's own view of the landing zone and the key within
    it. Whatever an arrival (which travels through XCom) claims, it can only name bytes under that
    province's prefix. An unplaced file is read from the root, to be rejected with its reason."""
    if arrival.province_code is None:
        return landing, arrival.source
    province, _, rest = arrival.source.partition("/")
    if province != arrival.province_code:
        raise ValueError(f"refusing {arrival.source!r}: it is outside the prefix of province {arrival.province_code}")
    return landing.within(province), rest


def read_landed(landing: Store, arrival: Arrival) -> bytes:
    store, key = landed_place(landing, arrival)
    return store.read(key)


def is_upload_in_progress(key: str) -> bool:
    """Dot-files are how upload tools and our own writers name files still being written."""
    return key.rsplit("/", 1)[-1].startswith(".")


def find_new_arrivals(landing: Store, seen: set[tuple[str, str]]) -> list[Arrival]:
    """Every file version not in the ledger, oldest first (modification time, then name). Files
    are hashed as streams, so a file of any size costs this step no more memory than a small one.
    Entries that are not readable regular files are arrivals too, by their stand-in identity."""
    objects = sorted(
        (o for o in landing.entries() if not is_upload_in_progress(o.key)),
        key=lambda o: (o.modified, o.key),
    )
    arrivals = (listed_arrival(landing, o) for o in objects)
    return [a for a in arrivals if a is not None and (a.source, a.sha256) not in seen]


def entry_arrival(entry: LandingEntry) -> Arrival:
    """A landing entry that is not a readable regular file, as an arrival: never read, identified
    by its stand-in, carrying its problem."""
    return replace(arrival_hashed(entry, entry.stand_in, 0), entry_problem=entry.problem)


def listed_arrival(landing: Store, obj: StoredObject) -> Arrival | None:
    """One listed entry as an arrival: a file by its content hash, anything else by its stand-in;
    None for a file gone since it was listed (nothing to answer; uploaded again, it is listed again)."""
    if isinstance(obj, LandingEntry):
        return entry_arrival(obj)
    try:
        return arrival_hashed(obj, *landing.sha256(obj.key))
    except FileNotFoundError:
        return None
    except PermissionError:
        entry = landing.entry_problem(obj.key)
        if entry is None:
            raise
        return entry_arrival(entry)
