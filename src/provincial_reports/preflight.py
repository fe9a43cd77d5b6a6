"""The settings checked before a run starts (`cli check`, which `make run` runs first): a landing
zone that does not exist, a lake or landing on an S3 endpoint nobody answers, a PostgreSQL
database that does not exist or refuses the login. Under Airflow each would fail a task, be
retried twice two minutes apart and end in a log nobody reads; here each is one line, in seconds.

The checks use the stores' and the warehouse's own connection code, asked once, without retries.
"""

from __future__ import annotations

import os
from pathlib import Path

from provincial_reports.config import Settings
from provincial_reports.stores.warehouse import WarehouseUnavailable, connect


def problems(config: Settings) -> list[str]:
    """One line per setting that would make the run fail, naming the setting; empty when all is well."""
    found = [
        landing_problem(config.landing),
        lake_problem(config.lake),
        warehouse_problem(config.warehouse),
        folder_problem("REPORTS_EXPECTATIONS", Path(config.expectations)),
    ]
    return [problem for problem in found if problem]


def landing_problem(url: str) -> str | None:
    """The landing zone must exist: a mistyped folder would otherwise be a run over no files."""
    if url.startswith("s3://"):
        return s3_problem("REPORTS_LANDING", url)
    return folder_problem("REPORTS_LANDING", Path(url))


def lake_problem(url: str) -> str | None:
    """A local lake is created as it is written, where it may be; an S3 one must answer."""
    if url.startswith("s3://"):
        return s3_problem("REPORTS_LAKE", url)
    return creatable_problem("REPORTS_LAKE", Path(url))


def warehouse_problem(url: str) -> str | None:
    """PostgreSQL is asked for a connection; a DuckDB file is not opened (a run holding it would
    make the check wait), only its folder checked."""
    if url.startswith("duckdb:///"):
        return creatable_problem("REPORTS_WAREHOUSE", Path(url.removeprefix("duckdb:///")).parent)
    try:
        connect(url).close()
    except (WarehouseUnavailable, ValueError) as exc:
        return str(exc)
    return None


def s3_problem(name: str, url: str) -> str | None:
    from provincial_reports.stores.s3 import S3Store

    why = S3Store(url).unreachable()
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "AWS's default endpoint")
    return f"{name}={url}: cannot list it at {endpoint} ({why})" if why else None


def folder_problem(name: str, folder: Path) -> str | None:
    return None if folder.is_dir() else f"{name}={folder}: no such folder"


def creatable_problem(name: str, path: Path) -> str | None:
    """`path` exists as a folder, or its nearest existing parent is a folder we may write in."""
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        return f"{name}={path}: {existing} is not a folder"
    if existing != path and not os.access(existing, os.W_OK):
        return f"{name}={path}: cannot create it, {existing} is not writable"
    return None
