from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# Before anything imports Airflow: a throwaway home, so tests never touch ~/airflow or ./data.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["GX_ANALYTICS_ENABLED"] = "False"


@dataclass(frozen=True)
class Workspace:
    landing: Path
    lake: Path
    warehouse_path: Path

    @property
    def warehouse_url(self) -> str:
        return f"duckdb:///{self.warehouse_path}"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A landing zone, lake and warehouse of the test's own, set in the environment as in production."""
    ws = Workspace(tmp_path / "landing", tmp_path / "lake", tmp_path / "warehouse.duckdb")
    ws.landing.mkdir()
    monkeypatch.setenv("REPORTS_LANDING", str(ws.landing))
    monkeypatch.setenv("REPORTS_LAKE", str(ws.lake))
    monkeypatch.setenv("REPORTS_WAREHOUSE", ws.warehouse_url)
    return ws
