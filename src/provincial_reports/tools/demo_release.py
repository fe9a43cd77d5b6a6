"""`make demo`'s release: one release of the sample data, signed off the way a reviewer signs off,
not around it.

`airflow dags test publish_national_totals` runs the DAG in this machine's process. Its sign-off is
Airflow's human-in-the-loop task, and Airflow 3.3's `dag.test()` never answers one itself: it keeps
the run waiting until an answer is recorded from outside, through the Required actions UI or the
REST API of an api-server on the same metadata database (airflow/sdk/definitions/dag.py, "Waiting
for Human-in-the-loop input"). So the demo starts Airflow's api-server beside it for the minute the
release takes, with a login of its own (`demo-reviewer`, a password made for this run), answers
through `tools/releases.respond` (what `cli releases approve` calls: the REST API's PATCH of the
task's hitlDetails), and stops the api-server once the run has committed the release.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from provincial_reports.tools.dag_run import first_error, new_log
from provincial_reports.tools.releases import DAG_ID, airflow_api, pending, respond

REVIEWER = "demo-reviewer"
COMMENT = "make demo: the sample data's national figures, approved by the demo's reviewer"
WAIT_S = 300.0  # for the api-server to answer and the run to reach its sign-off
POLL_S = 1.0


def publish_demo_release(report_type: str, period: str, home: Path, port: int) -> int:
    """Run the publish DAG for the period, approve its sign-off over the REST API; 0 once released."""
    password = secrets.token_urlsafe(16)
    passwords = home / "demo-reviewer-password.json"
    passwords.write_text(json.dumps({REVIEWER: password}), encoding="utf-8")
    passwords.chmod(0o600)
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{REVIEWER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
    }
    airflow = str(Path(sys.executable).parent / "airflow")
    log = new_log(home / "runs")
    conf = json.dumps({"report_type": report_type, "period": period})
    print(f"Publishing {report_type} {period}: {DAG_ID} under Airflow, signed off over its REST API; log: {log}")
    with open(log, "wb") as out, open(home / "demo-api-server.log", "wb") as server_log:
        run = subprocess.Popen(
            [airflow, "dags", "test", DAG_ID, "-c", conf], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        server = subprocess.Popen(
            [airflow, "api-server", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run_id = sign_off(f"http://127.0.0.1:{port}", password, run)
        if run_id is None:  # never reached its sign-off: the run would wait for an answer forever
            run.terminate()
        run.wait()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    if run_id and run.returncode == 0 and any("state=success" in line for line in lines):
        print("\n".join(f"  {line.strip()}" for line in lines if f"by {REVIEWER}: " in line))
        return 0
    print("\n".join(first_error(lines) or [f"  the log ends: {lines[-1] if lines else '(empty)'}"]))
    print(f"The release did not complete; every line of it is in {log}")
    return 1


def sign_off(url: str, password: str, run: subprocess.Popen) -> str | None:
    """Wait for the run's sign-off to be pending, approve it as the demo's reviewer; its run id."""
    deadline, started = time.monotonic() + WAIT_S, datetime.now(UTC)
    while time.monotonic() < deadline and run.poll() is None:
        time.sleep(POLL_S)
        try:
            with airflow_api(url, REVIEWER, password) as api:
                # This run's sign-off: not one an interrupted demo left waiting in the same metadata database.
                waiting = [p for p in pending(api) if datetime.fromisoformat(p["since"]) >= started]
                if waiting:
                    run_id = waiting[0]["run_id"]
                    print(f"  pending: {waiting[0]['subject']}\n  approving {run_id} as {REVIEWER}", flush=True)
                    respond(api, run_id, approve=True, comment=COMMENT)
                    return run_id
        except httpx.TransportError:  # the api-server is still starting
            continue
    return None
