"""The consolidation report inside Airflow: a menu entry, the site served by the API server, and
on each `process` task instance a link to its file's validation page.

- `fastapi_apps`: the report site (REPORTS_SITE, read through `provincial_reports.config` at each
  request) under /consolidation-report/, for users Airflow lets read the DAG
  `consolidate_provincial_reports` (the same cookie or bearer token as Airflow's own API; Airflow
  does not guard plugin apps itself). Paths that leave the site folder are not found.
- `external_views`: "Consolidation report · 汇总报告" in the UI's navigation, showing that site.
- `global_operator_extra_links`: "Validation page · 校验结果" on every task; for `process` of that
  DAG it reads the task instance's return value (XCom) and gives
  /consolidation-report/validation/<submission_id>.html, for any other task nothing. The page
  exists once the run's `report` task has redrawn the site.

Why this file is thin: Airflow executes every .py file under the plugins folder as a top-level
module in each process that loads plugins, every task's process included (the task runner does
so when it builds the template context). So at module level it imports only Airflow and the
standard library; FastAPI, the package and the metadata database are reached inside functions,
in the API server, when a page or a link is asked for. tests/test_plugins.py holds it to that.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

DAG_ID = "consolidate_provincial_reports"
TASK_ID = "process"
URL_PREFIX = "/consolidation-report"
SUBMISSION_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")  # land.submission_id: 20 hex digits


class ReportSite:
    """ASGI app serving the report site; the FastAPI app behind it is built at the first request,
    so that loading the plugin (in a task, say) never imports FastAPI."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            self._app = site_app()
        await self._app(scope, receive, send)


def site_app():
    from airflow.api_fastapi.core_api.security import requires_access_dag
    from fastapi import Depends, FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI(title="Consolidation report", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/{path:path}", dependencies=[Depends(requires_access_dag("GET", param_dag_id=DAG_ID))])
    def page(path: str) -> FileResponse:
        # Redrawn by every run: always revalidated, never sniffed into another type.
        return FileResponse(site_file(path), headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    return app


def site_file(path: str) -> Path:
    """The file under the site folder that `path` names (a folder: its index.html); 404 otherwise,
    also for paths that resolve outside the folder (`..`, absolute paths, symbolic links)."""
    from fastapi import HTTPException

    from provincial_reports.config import settings

    root = Path(settings().site).resolve()
    target = (root / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(status_code=404, detail="Not found")
    return target


class ValidationPageLink(BaseOperatorLink):
    """From a `process` task instance to its file's validation page (evaluated in the API server)."""

    name = "Validation page · 校验结果"

    def get_link(self, operator, *, ti_key) -> str:
        if (ti_key.dag_id, ti_key.task_id) != (DAG_ID, TASK_ID):
            return ""
        answer = returned_value(ti_key)
        submission_id = answer.get("submission_id") if isinstance(answer, dict) else None
        if not isinstance(submission_id, str) or not SUBMISSION_ID.fullmatch(submission_id):
            return ""  # not finished, failed, or not an answer
        return f"{api_root()}{URL_PREFIX.lstrip('/')}/validation/{quote(submission_id)}.html"


def returned_value(ti_key):
    """The task instance's return value as stored in the metadata database, read as plain JSON
    (never deserialized into classes); None if it has none. Tasks push it through the Execution
    API, so it comes back as a dict (SQLite and PostgreSQL alike); a JSON string, as
    XComModel.set(serialize=True) stores it, is parsed."""
    import json

    from airflow.models.xcom import XCOM_RETURN_KEY, XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        value = session.scalar(
            select(XComModel.value).where(
                XComModel.dag_id == ti_key.dag_id,
                XComModel.task_id == ti_key.task_id,
                XComModel.run_id == ti_key.run_id,
                XComModel.map_index == ti_key.map_index,
                XComModel.key == XCOM_RETURN_KEY,
            )
        )
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value


def api_root() -> str:
    """Where Airflow's API server is reached ([api] base_url, e.g. behind a proxy), ending in /."""
    from airflow.configuration import conf

    return conf.get("api", "base_url", fallback="").rstrip("/") + "/"


class ConsolidationReportPlugin(AirflowPlugin):
    name = "consolidation_report"
    fastapi_apps: ClassVar[list] = [
        {"app": ReportSite(), "url_prefix": URL_PREFIX, "name": "Consolidation report · 汇总报告"}
    ]
    external_views: ClassVar[list] = [
        {
            "name": "Consolidation report · 汇总报告",
            "href": f"{URL_PREFIX.lstrip('/')}/",  # relative: resolved against the UI's base URL
            "destination": "nav",
            "url_route": "consolidation-report",
        }
    ]
    global_operator_extra_links: ClassVar[list] = [ValidationPageLink()]
