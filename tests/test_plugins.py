"""plugins/ holds only the thin Airflow plugin: loading plugins in a task executes none of the
package and imports nothing heavy; inside Airflow's API server the plugin serves the report site to
logged-in users only, never a file outside it, and links each `process` task instance to its page."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airflow_harness import AIRFLOW, ROOT, airflow_env, migrated_home, run_dag
from conftest import Workspace, free_port
from provincial_reports.land import submission_id
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

PLUGINS = ROOT / "plugins"
PACKAGE = ROOT / "src" / "provincial_reports"
HEAVY = {"great_expectations", "pandas", "pyarrow", "duckdb"}
DAG_ID = "consolidate_provincial_reports"
LINK = "Validation page · 校验结果"

# Airflow's plugin loading as a task's process does it (airflow/sdk/execution_time/task_runner.py:
# integrate_macros_plugins when it builds the template context, the listener manager around the task).
TASK_PROBE = """
import json, sys
import airflow.sdk  # a task's process has it loaded (the DAG file imports it) before plugins load
before = {name: id(module) for name, module in sys.modules.items()}
from airflow.sdk.plugins_manager import integrate_macros_plugins
from airflow.sdk.listener import get_listener_manager
integrate_macros_plugins()
get_listener_manager()
created = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items()) if before.get(n) != id(m)}
loaded = sorted(sys.modules)
# Measured; now which plugins loaded and what failed, as `airflow plugins` reports them.
from airflow.plugins_manager import get_import_errors, get_plugin_info
plugins = [info["name"] for info in get_plugin_info(attrs_to_dump=["name"])]
print(json.dumps({"plugins": plugins, "errors": get_import_errors(), "created": created, "loaded": loaded}))
"""


def load_plugins_as_a_task(plugins: Path, home: Path) -> dict:
    env = airflow_env(home, AIRFLOW__CORE__PLUGINS_FOLDER=str(plugins))
    done = subprocess.run([sys.executable, "-c", TASK_PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def problems(probe: dict, plugins: Path) -> list[str]:
    """What plugin loading did that a thin plugin folder must not make it do."""
    package_files = list(PACKAGE.rglob("*.py"))
    package_stems = {path.stem for path in package_files}
    package_texts = {path.read_bytes() for path in package_files}
    found = []
    for name, file in sorted(probe["created"].items()):
        if name.split(".")[0] == "provincial_reports":
            found.append(f"{name}: the package was imported")
        elif name in package_stems:
            found.append(f"{name}: a module named after a package file was executed ({file})")
        elif file and Path(file).is_relative_to(plugins) and Path(file).read_bytes() in package_texts:
            found.append(f"{name}: a copy of a package file was executed ({file})")
    heavy = sorted({name.split(".")[0] for name in probe["loaded"]} & HEAVY)
    if heavy:
        found.append(f"heavy libraries imported: {', '.join(heavy)}")
    return found


def test_loading_plugins_in_a_task_executes_none_of_the_package_and_nothing_heavy(tmp_path):
    probe = load_plugins_as_a_task(PLUGINS, tmp_path)
    assert probe["plugins"] == ["consolidation_report"] and probe["errors"] == {}
    assert problems(probe, PLUGINS) == []


@pytest.mark.parametrize(
    ("copied", "flagged"),
    [
        ("config.py", ["config: a module named after a package file"]),
        ("read/tables.py", ["tables: a module named after a package file", "provincial_reports", "pandas"]),
        (".", ["pipeline: a module named after a package file", "provincial_reports", "pandas", "duckdb"]),
    ],
    ids=["settings-module", "pandas-module", "whole-package-as-before"],
)
def test_the_check_flags_package_code_put_back_under_plugins(tmp_path, copied, flagged):
    plugins = tmp_path / "plugins"
    shutil.copytree(PLUGINS, plugins, ignore=shutil.ignore_patterns("__pycache__"))
    source = PACKAGE / copied
    if source.is_dir():  # the old layout: plugins/provincial_reports/
        shutil.copytree(source, plugins / "provincial_reports", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy(source, plugins / source.name)
    probe = load_plugins_as_a_task(plugins, tmp_path / "home")
    assert "consolidation_report" in probe["plugins"]
    found = "\n".join(problems(probe, plugins))
    assert all(expected in found for expected in flagged), found


# --- inside Airflow's API server ------------------------------------------------------------------------


class Served:
    def __init__(self, url: str, token: str, site: Path, files: dict[str, bytes], run_id: str) -> None:
        self.url, self.site, self.files, self.run_id = url, site, files, run_id
        self.api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One DAG run (`airflow dags test`) over two files, then Airflow's API server over its metadata."""
    base = tmp_path_factory.mktemp("served")
    workspace = Workspace(
        base / "landing", base / "lake", f"duckdb:///{base / 'warehouse.duckdb'}", base / "site", base / "outbox"
    )
    broken = province_row("440000")
    broken["funds_regular"] = 2300
    files = {
        "110000/2025-01/beijing.csv": csv_bytes(WINTER_WARMTH, valid_rows("110000")),
        "440000/2025-01/guangdong.csv": csv_bytes(WINTER_WARMTH, [broken]),
    }
    for minute, (source, data) in enumerate(files.items()):
        upload(workspace.landing, source, data, minute)
    (base / "secret.txt").write_text("outside the site")

    home, port, password = base / "airflow", free_port(), "operator-password"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps({"operator": password}))
    env = airflow_env(
        home,
        REPORTS_SITE=str(workspace.site),
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="operator:viewer",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(home / "passwords.json"),
        AIRFLOW__API_AUTH__JWT_SECRET="test-only-jwt-secret-0123456789abcdef",
    )
    migrated_home(home)
    run_dag(home, workspace)

    log = open(home / "api-server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(AIRFLOW), "api-server", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/api/v2/monitor/health").is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (home / "api-server.log").read_text()[-3000:]
            time.sleep(1)
        answer = httpx.post(f"{url}/auth/token", json={"username": "operator", "password": password})
        answer.raise_for_status()
        served = Served(url, answer.json()["access_token"], workspace.site, files, run_id="")
        runs = served.api.get(f"/api/v2/dags/{DAG_ID}/dagRuns").json()["dag_runs"]
        assert len(runs) == 1
        served.run_id = runs[0]["dag_run_id"]
        yield served
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def test_the_report_is_an_entry_of_the_airflow_ui(served):
    plugins = {p["name"]: p for p in served.api.get("/api/v2/plugins").json()["plugins"]}
    plugin = plugins["consolidation_report"]
    assert [(v["name"], v["href"], v["destination"]) for v in plugin["external_views"]] == [
        ("Consolidation report · 汇总报告", "consolidation-report/", "nav")
    ]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/consolidation-report"]
    assert served.api.get("/api/v2/importErrors").json()["total_entries"] == 0


def test_the_site_is_served_from_reports_site_to_logged_in_users(served):
    index = served.api.get("/consolidation-report/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert index.content == (served.site / "index.html").read_bytes()
    for page in sorted(served.site.rglob("*.html"))[:5]:
        relative = page.relative_to(served.site).as_posix()
        assert served.api.get(f"/consolidation-report/{relative}").content == page.read_bytes(), relative
    assert served.api.get("/consolidation-report/2099-01.html").status_code == 404

    assert httpx.get(f"{served.url}/consolidation-report/").status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert httpx.get(f"{served.url}/consolidation-report/index.html", headers=forged).status_code == 403


@pytest.mark.parametrize(
    "path",
    ["%2e%2e/secret.txt", "..%2fsecret.txt", "..%2f" * 20 + "etc/passwd", "/etc/passwd", "leak.html"],
    ids=["dot-dot", "encoded-slash", "to-the-root", "absolute", "symlink-out"],
)
def test_no_path_leaves_the_site_folder(served, path):
    leak = served.site / "leak.html"
    if not leak.is_symlink():
        leak.symlink_to(served.site.parent / "secret.txt")
    answer = served.api.get(f"/consolidation-report/{path}")
    assert answer.status_code == 404, (answer.status_code, answer.text[:200])
    assert b"outside the site" not in answer.content and b"root:" not in answer.content


def test_each_process_task_links_to_its_files_validation_page(served):
    expected = {
        f"/consolidation-report/validation/{submission_id(source, hashlib.sha256(data).hexdigest())}.html"
        for source, data in served.files.items()
    }
    ti_path = f"/api/v2/dags/{DAG_ID}/dagRuns/{served.run_id}/taskInstances"
    links = {
        served.api.get(f"{ti_path}/process/links", params={"map_index": m}).json()["extra_links"][LINK]
        for m in range(len(served.files))
    }
    assert links == expected
    for link in links:  # one click: the page is there
        page = served.api.get(link)
        assert page.status_code == 200 and page.content == (served.site / link.split("/", 2)[2]).read_bytes()
    for other in ("discover", "load", "report"):
        assert served.api.get(f"{ti_path}/{other}/links").json()["extra_links"] == {LINK: None}, other
