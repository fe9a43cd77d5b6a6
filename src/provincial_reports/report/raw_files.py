"""The files as the provinces sent them, copied into the report site (`raw/<submission id>.<ext>`), so
that a reader downloads a file from its record on the period page: the site is all that Airflow's
plugin (and a web server) publishes, never the lake.

Only from a local lake, where the raw copy is a file on this machine; a lake on S3 stays where it
is, and the page says so. The records files and the files too large to read are not copied into
the lake (they stay in the landing zone), so they have no copy in the site either.

The name in the site is the submission id and an extension from a fixed list, never the name the
province gave its file: nothing a province writes becomes a path, and nothing in `raw/` can be
served as a page or a script (`.html`, `.svg` and the like become `.bin`). A copy is made once; a
submission's bytes never change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from provincial_reports.stores.local import LocalStore, atomic_write
from provincial_reports.stores.objects import Store, unsafe_key_problem

RAW = "raw"
EXTENSIONS = ("csv", "xlsx", "json", "parquet")  # what provinces send; anything else is .bin
OTHER = "bin"


def site_name(submission_id: str, source: str) -> str:
    """The copy's file name: the submission id, and the source's extension only if it is listed."""
    extension = source.rsplit(".", 1)[-1].lower() if "." in source else ""
    return f"{submission_id}.{extension if extension in EXTENSIONS else OTHER}"


def copy_raw_files(site: Path, lake: Store, files: list[dict]) -> dict[str, str] | None:
    """Each file's copy in the site, by submission id, as a path from the site's root; the files
    kept in the lake are copied once. None when the lake is not a local folder (nothing copied)."""
    if not isinstance(lake, LocalStore):
        return None
    copies = {}
    for f in files:
        name = f"{RAW}/{site_name(f['submission_id'], f['source'])}"
        if in_lake(f["raw_location"]) and ((site / name).exists() or copied(lake, f["raw_location"], site / name)):
            copies[f["submission_id"]] = name
    return copies


def copied(lake: LocalStore, key: str, target: Path) -> bool:
    """The lake's file `key` copied to `target`, streamed; False if the lake no longer has it."""
    with lake.local_file(key) as raw:
        if not raw.is_file():
            return False
        with open(raw, "rb") as source:
            atomic_write(target, lambda out: shutil.copyfileobj(source, out))
    return True


def in_lake(raw_location: str | None) -> bool:
    """Whether a file's raw copy is a key in the lake. A file left in the landing zone (records, too
    large to read) is recorded by its location there: an absolute path or an s3:// URL."""
    return raw_location is not None and unsafe_key_problem(raw_location) is None
