"""The host Airflow records for a task instance under test ([core] hostname_callable): the Celery
worker's own name, since the Celery test's workers all run on one machine (airflow_harness)."""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["REPORTS_TEST_WORKER_NAME"]
