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
DEFAULT_EXPECTATIONS = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as shown to people: paths relative to the project folder
    meaning: str


# Every setting the project reads, in one place: `cli --help` prints this table and the README
# holds it verbatim (tests/test_operator.py checks both against the code).
SETTINGS = (
    Setting("REPORTS_LANDING", "./data/landing", "where provinces upload: a folder or s3://bucket/prefix"),
    Setting("REPORTS_LAKE", "./data/lake", "Parquet, raw copies, results, quarantine: a folder or s3://bucket/prefix"),
    Setting(
        "REPORTS_WAREHOUSE",
        "duckdb:///./data/warehouse.duckdb",
        "the marts: duckdb:///path/file.duckdb or postgresql://user@host:port/db (password: PGPASSWORD)",
    ),
    Setting("REPORTS_SITE", "./data/site", "the report site's folder (local: what a web server publishes)"),
    Setting("REPORTS_EXPECTATIONS", "./expectations", "the report types' folders and provinces.yaml"),
    Setting(
        "REPORTS_PSEUDONYM_KEY",
        "(none: records files refused)",
        "key of the identity numbers' pseudonyms, 16+ bytes; else Airflow connection reports_pseudonym_key",
    ),
    Setting(
        "REPORTS_TASK_RETRIES",
        "2",
        "how often Airflow retries a failed task, 2 min apart (read when the DAG is parsed); make run/demo: 0",
    ),
    Setting(
        "REPORTS_CONTACTS",
        "(none: no messages sent)",
        "provinces' e-mail contacts, YAML/JSON (deploy/contacts.example.yaml); else Airflow Variable reports_contacts",
    ),
    Setting("REPORTS_FAILPOINT", "(none)", "tests only: kill or stop the process at a named place (failpoints.py)"),
    Setting("REPORTS_AIRFLOW_API", "http://localhost:8080", "Airflow's API server, for `cli releases` (sign-off)"),
    Setting("REPORTS_AIRFLOW_USER", "admin", "the reviewer's Airflow login, for `cli releases`"),
    Setting("REPORTS_AIRFLOW_PASSWORD", "(none)", "that login's password, for `cli releases`"),
    Setting("REPORTS_S3_ACCESS_KEY", "reports-pipeline", "the pipeline's MinIO user, for `cli access mc-script`"),
    Setting("REPORTS_S3_SECRET_KEY", "(none)", "that user's secret, for `cli access mc-script`"),
)
# Not ours: read by boto3 and libpq the standard way.
STANDARD_SETTINGS = (
    "S3: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or the Airflow connection aws_default); "
    "PostgreSQL's password: PGPASSWORD or ~/.pgpass"
)


@dataclass(frozen=True)
class Settings:
    landing: str
    lake: str
    warehouse: str
    site: str  # the report site's folder (a local path: it is what a web server publishes)
    expectations: str  # the report types' folders and provinces.yaml: what is expected of the provinces


def setting(name: str) -> str:
    """One of the locations (landing, lake, warehouse, site, expectations): the environment's value,
    or the default with its ./ made the project folder, whatever folder the command runs from."""
    default = next(s.default for s in SETTINGS if s.name == name)
    return os.environ.get(name, default.replace("./", f"{PROJECT_ROOT}/", 1))


def settings() -> Settings:
    return Settings(
        landing=setting("REPORTS_LANDING"),
        lake=setting("REPORTS_LAKE"),
        warehouse=setting("REPORTS_WAREHOUSE"),
        site=setting("REPORTS_SITE"),
        expectations=setting("REPORTS_EXPECTATIONS"),
    )


def settings_text() -> str:
    """The table for `--help`: each setting's name and meaning, its default below."""
    width = max(len(s.name) for s in SETTINGS)
    lines = [f"  {s.name:<{width}}  {s.meaning}\n  {'':<{width}}  default: {s.default}" for s in SETTINGS]
    return "settings (environment variables):\n" + "\n".join(lines) + f"\n  {STANDARD_SETTINGS}"


def settings_markdown() -> str:
    """The same table as the README holds it."""
    rows = [f"| `{s.name}` | {s.default} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(["| setting | default | what |", "|---|---|---|", *rows, "", f"{STANDARD_SETTINGS}."])


def redacted(url: str) -> str:
    """`url` with its password, if any, replaced by ***: what may be printed or logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
