"""Records (relief_disbursements) under a real Airflow run, the key from an Airflow connection."""

from __future__ import annotations

import json

from airflow_harness import run_dag
from conftest import KEY
from provincial_reports.privacy import pseudonym
from provincial_reports.stores.warehouse import connect
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.relief_disbursements import RECORDS, records
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, valid_rows


def test_records_and_their_summary_under_airflow(airflow_home, workspace, monkeypatch):
    monkeypatch.delenv("REPORTS_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_REPORTS_PSEUDONYM_KEY", json.dumps({"conn_type": "generic", "password": KEY}))
    rows = records(12)
    upload(workspace.landing, "360000/2025-01/summary.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")))
    upload(workspace.landing, "360000/2025-01/records.csv", csv_bytes(RECORDS, rows, encoding="gbk"), minute=1)

    log = run_dag(airflow_home, workspace)
    assert "2 file(s): 2 accepted, 0 superseded, 0 rejected" in log

    warehouse = connect(workspace.warehouse_url)
    try:
        loaded = warehouse.query("SELECT beneficiary_pseudonym FROM core.disbursements ORDER BY source_row")
        flags = warehouse.query("SELECT rule FROM mart.review_flags WHERE report_type = 'relief_disbursements'")
    finally:
        warehouse.close()
    assert [r["beneficiary_pseudonym"] for r in loaded] == [pseudonym(r["beneficiary_id"], KEY.encode()) for r in rows]
    assert flags  # the sample summary's counts (100s of people) are far from 12 payments
