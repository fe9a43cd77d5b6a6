"""Sign-off without the Airflow UI (`cli releases`): the pending approvals of the DAG
`publish_national_totals`, and a reviewer's Approve or Reject, through Airflow's public REST API:
the same human-in-the-loop endpoints the UI's "Required actions" page calls, as the reviewer's own
login, so Airflow records who answered. The decision reaches the warehouse the one way any answer
does: the DAG's `decide` task commits it.
"""

from __future__ import annotations

import json
import os
import sys

import httpx

from provincial_reports.config import setting
from provincial_reports.publish.commit import parsed_instant

DAG_ID = "publish_national_totals"
SIGN_OFF_TASK = "sign_off"
TIMEOUT_S = 30


class ResponseRefused(ValueError):
    """The answer is not sent: what the reviewer must add or change, in one line."""


def airflow_api(url: str | None = None, user: str | None = None, password: str | None = None) -> httpx.Client:
    """A client of Airflow's REST API (`<url>/api/v2`) carrying the login's token (`/auth/token`)."""
    url = (url or setting("REPORTS_AIRFLOW_API")).rstrip("/")
    password = password if password is not None else os.environ.get("REPORTS_AIRFLOW_PASSWORD", "")
    login = {"username": user or setting("REPORTS_AIRFLOW_USER"), "password": password}
    answer = httpx.post(f"{url}/auth/token", json=login, timeout=TIMEOUT_S)
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return httpx.Client(base_url=f"{url}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S)


def pending(api: httpx.Client) -> list[dict]:
    """The sign-offs waiting for a reviewer, oldest first: run id, subject, since when. Only tasks
    parked waiting (awaiting_input): the question is written a moment before the task parks."""
    answer = api.get(
        f"/dags/{DAG_ID}/dagRuns/~/hitlDetails",
        params={
            "response_received": False,
            "task_id": SIGN_OFF_TASK,
            "state": "awaiting_input",
            "order_by": "created_at",
        },
    )
    answer.raise_for_status()
    return [
        {"run_id": d["task_instance"]["dag_run_id"], "subject": d["subject"], "since": d["created_at"]}
        for d in answer.json()["hitl_details"]
    ]


def candidate(api: httpx.Client, run_id: str) -> dict:
    """The candidate the run's `prepare` task made (its XCom), as the reviewer is asked about it."""
    answer = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/prepare/xcomEntries/return_value")
    answer.raise_for_status()
    value = answer.json()["value"]
    return json.loads(value) if isinstance(value, str) else value


def respond(api: httpx.Client, run_id: str, approve: bool, comment: str, release_at: str = "") -> dict:
    """Send the reviewer's answer to the run's sign-off; Airflow's record of it. Refused before
    sending: a rejection without a comment, an approval without one while a release condition does
    not hold, a release instant without its zone."""
    comment = comment.strip()
    if not approve and not comment:
        raise ResponseRefused("a rejection needs a comment (--comment): the provinces and auditors read why")
    if approve:
        found = candidate(api, run_id)
        unmet = [c["condition"] for c in found["conditions"] if not c["met"]]
        if unmet and not comment:
            raise ResponseRefused(f"a release condition does not hold ({'; '.join(unmet)}): approving needs --comment")
        parsed_instant(release_at)  # ValueError for one the task would refuse
    payload = {
        "chosen_options": ["Approve" if approve else "Reject"],
        "params_input": {"comment": comment, "release_at": release_at.strip()},
    }
    answer = api.patch(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{SIGN_OFF_TASK}/-1/hitlDetails", json=payload)
    if answer.status_code == httpx.codes.CONFLICT:
        raise ResponseRefused(f"run {run_id} has already been answered")
    answer.raise_for_status()
    return answer.json()


def run_command(command: str, run_id: str | None, comment: str, release_at: str) -> int:
    """`cli releases`: the pending approvals, or a reviewer's answer to one; exit 2 with one line when
    it is refused or Airflow cannot be reached."""
    try:
        with airflow_api() as api:
            if command == "pending":
                waiting = pending(api)
                for p in waiting:
                    print(f"{p['run_id']}  since {p['since']}\n    {p['subject']}")
                print(f"{len(waiting)} sign-off(s) pending" if waiting else "no sign-off is pending")
                return 0
            answer = respond(api, run_id, command == "approve", comment, release_at)
    except ValueError as exc:  # ResponseRefused among them
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(f"error: Airflow's API at {setting('REPORTS_AIRFLOW_API')} (REPORTS_AIRFLOW_API): {exc}", file=sys.stderr)
        return 2
    print(f"{answer['chosen_options'][0]} recorded for {run_id} by {answer['responded_by']['name']}")
    return 0
