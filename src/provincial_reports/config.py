"""Where the pipeline reads and writes, from the environment.

Every location is an environment variable so that the same code serves a laptop (folders and
DuckDB under ./data), the test suite (temporary folders) and production (S3 and PostgreSQL).
Read at call time, never at import, so DAG parsing never depends on the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = PROJECT_ROOT / "data"
DEFAULT_EXPECTATIONS = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Settings:
    landing: str
    lake: str
    warehouse: str
    site: str  # the report site's folder (a local path: it is what a web server publishes)
    expectations: str  # the report types' folders and provinces.yaml: what is expected of the provinces


def settings() -> Settings:
    return Settings(
        landing=os.environ.get("REPORTS_LANDING", str(DEFAULT_DATA / "landing")),
        lake=os.environ.get("REPORTS_LAKE", str(DEFAULT_DATA / "lake")),
        warehouse=os.environ.get("REPORTS_WAREHOUSE", f"duckdb:///{DEFAULT_DATA / 'warehouse.duckdb'}"),
        site=os.environ.get("REPORTS_SITE", str(DEFAULT_DATA / "site")),
        expectations=os.environ.get("REPORTS_EXPECTATIONS", str(DEFAULT_EXPECTATIONS)),
    )


def redacted(url: str) -> str:
    """`url` with its password, if any, replaced by ***: what may be printed or logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
