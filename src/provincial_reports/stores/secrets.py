"""Secrets the pipeline needs beyond the environment: an Airflow connection, when Airflow is there.

The environment comes first everywhere (REPORTS_* settings, boto3's own chain); a connection is
the fallback for deployments that keep secrets in Airflow's secrets backend. Nothing secret is
ever logged.
"""

from __future__ import annotations

from typing import Any


def airflow_connection(conn_id: str) -> Any | None:
    """The Airflow connection `conn_id`, or None without Airflow or without that connection."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
