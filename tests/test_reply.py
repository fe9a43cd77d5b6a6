"""The answers that go back to the provinces (reply/): a receipt for every file and a status document
per province and period in the outbox, equal to the warehouse at all times, never ahead of it, the
same bytes on a rerun; and the lock after the deadline with its exception (load/locks.py, `cli unlock`).
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from test_faults import kill_at
from test_flagged_figures import in_yuan

from provincial_reports import cli, failpoints, pipeline
from provincial_reports.declarations import report_types
from provincial_reports.reply.messages import answer_messages
from provincial_reports.reply.outbox import reply_to_provinces
from provincial_reports.stores.objects import open_store
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

SUBMISSIONS = "SELECT * FROM mart.submissions WHERE province_code IS NOT NULL"
# winter_warmth declares due_day 5 and lock_after_days 60: 2024-10 locked at 2025-01-05 00:00
# Beijing time, a month before the builders' files arrive (2025-02-03); 2025-01 locks in April.
LOCKED_PERIOD = "2024-10"
WARNING_RULE = "review:expect_column_values_to_be_between"  # winter_warmth's suite: funds_total above 50,000


def run_and_reply() -> list[dict]:
    """One run as the DAG does it, reply included: discover, process, load, then reply."""
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    pipeline.reply()
    return answers


def query(workspace, sql: str, params: tuple = ()) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return warehouse.query(sql, params)


def receipt_path(workspace, row: dict) -> Path:
    return Path(workspace.outbox) / row["province_code"] / row["period"] / "receipts" / f"{row['submission_id']}.json"


def receipts_by_source(workspace) -> dict[str, dict]:
    found = [json.loads(p.read_text(encoding="utf-8")) for p in Path(workspace.outbox).glob("*/*/receipts/*.json")]
    return {r["source"]: r for r in found}


def outbox_bytes(workspace) -> dict[str, bytes]:
    root = Path(workspace.outbox)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_receipts_follow_the_warehouse(workspace) -> None:
    """Every receipt says what mart.submissions says of its file, and no receipt names a file it lacks."""
    paths = list(Path(workspace.outbox).glob("*/*/receipts/*.json"))
    rows = {r["submission_id"]: r for r in query(workspace, SUBMISSIONS)} if paths else {}
    for path in paths:
        receipt = json.loads(path.read_text(encoding="utf-8"))
        row = rows.get(receipt["submission_id"])
        assert row is not None, f"{path}: a receipt for a file the warehouse does not hold"
        assert {k: receipt[k] for k in ("source", "sha256", "status")} == {
            k: row[k] for k in ("source", "sha256", "status")
        }
        assert path == receipt_path(workspace, row)


def upload_every_case(workspace) -> None:
    """Accepted, rejected, superseded, locked, and accepted with a review warning."""
    landing = workspace.landing
    upload(landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, valid_rows("360000")), minute=0)
    broken = province_row("320000")
    broken["funds_regular"] = 2300
    upload(landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [broken]), minute=1)
    upload(landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, [province_row("110000")]), minute=2)
    upload(landing, "110000/2025-01/beijing-v2.csv", csv_bytes(WINTER_WARMTH, [province_row("110000", scale=2)]), 3)
    late = csv_bytes(WINTER_WARMTH, [province_row("540000", LOCKED_PERIOD)])
    upload(landing, f"540000/{LOCKED_PERIOD}/tibet.csv", late, minute=4)
    upload(landing, "330000/2025-01/zhejiang.csv", csv_bytes(WINTER_WARMTH, [province_row("330000")]), minute=5)
    february = in_yuan(province_row("330000", "2025-02"))
    upload(landing, "330000/2025-02/zhejiang.csv", csv_bytes(WINTER_WARMTH, [february]), minute=6)


def test_every_file_gets_a_receipt_that_says_what_the_warehouse_says_and_a_rerun_the_same_bytes(workspace):
    upload_every_case(workspace)
    run_and_reply()
    assert_receipts_follow_the_warehouse(workspace)
    receipts = receipts_by_source(workspace)
    assert {source: r["status"] for source, r in receipts.items()} == {
        "360000/2025-01/jiangxi.csv": "accepted",
        "320000/2025-01/jiangsu.csv": "rejected",
        "110000/2025-01/beijing.csv": "superseded",
        "110000/2025-01/beijing-v2.csv": "accepted",
        f"540000/{LOCKED_PERIOD}/tibet.csv": "locked",
        "330000/2025-01/zhejiang.csv": "accepted",
        "330000/2025-02/zhejiang.csv": "accepted",
    }
    for receipt in receipts.values():
        for finding in receipt["findings"]:
            assert {"rule", "severity", "column", "row", "zh", "en"} <= finding.keys()
    [error] = receipts["320000/2025-01/jiangsu.csv"]["findings"]
    assert error["severity"] == "error" and error["column"] == "funds_total" and error["row"] == 2
    assert error["zh"].startswith("送温暖资金总额（万元）：") and "第2行: 4,820 ≠ 2,434 + 2,300" in error["zh"]
    assert error["en"] == (
        "funds_total: must equal funds_holiday + funds_regular (within 0.01) when all are reported"
        " — row 2: 4,820 ≠ 2,434 + 2,300"
    )
    [lock] = receipts[f"540000/{LOCKED_PERIOD}/tibet.csv"]["findings"]
    assert lock["rule"] == "lock" and "锁定" in lock["zh"] and "locked" in lock["en"]
    warned = receipts["330000/2025-02/zhejiang.csv"]
    warnings = [f for f in warned["findings"] if f["severity"] == "warning"]
    # the history's flag, and the suite's warning rule on a unit's funds above 50,000 of 10k yuan
    assert {f["rule"] for f in warnings} == {"review:factor_of_10", WARNING_RULE}, warned["findings"]
    assert all(f["flag_state"] == "open" and f["row"] == 2 and f["explanation"] is None for f in warnings)
    assert "复核提示" in warned["answer"]["zh"]
    assert (
        receipts["110000/2025-01/beijing.csv"]["superseded_by"]
        == receipts["110000/2025-01/beijing-v2.csv"]["submission_id"]
    )

    status = json.loads((Path(workspace.outbox) / "110000" / "2025-01" / "status.json").read_text(encoding="utf-8"))
    [winter] = status["report_types"]
    assert winter["in_force"]["source"] == "110000/2025-01/beijing-v2.csv" and not winter["missing"]
    assert [f["source"] for f in winter["superseded"]] == ["110000/2025-01/beijing.csv"]
    assert winter["due_at"] == "2025-02-05T16:00:00Z" and winter["locks_at"] == "2025-04-06T16:00:00Z"
    status = json.loads((Path(workspace.outbox) / "330000" / "2025-02" / "status.json").read_text(encoding="utf-8"))
    assert {w["rule"] for w in status["report_types"][0]["open_warnings"]} == {"review:factor_of_10", WARNING_RULE}
    status = json.loads((Path(workspace.outbox) / "540000" / LOCKED_PERIOD / "status.json").read_text(encoding="utf-8"))
    assert status["report_types"][0]["missing"] and len(status["report_types"][0]["locked"]) == 1
    page = (Path(workspace.outbox) / "540000" / LOCKED_PERIOD / "receipts").glob("*.html")
    assert "回执" in next(page).read_text(encoding="utf-8")

    # A rerun writes nothing; rewriting everything writes the same bytes; a change rewrites what it changes.
    first = outbox_bytes(workspace)
    assert pipeline.reply() == 0, "nothing changed, nothing written"
    with opened(workspace.warehouse_url) as warehouse:
        rewritten = reply_to_provinces(warehouse, open_store(str(workspace.outbox)), everything=True)
    assert sorted(rewritten) == sorted(first) and outbox_bytes(workspace) == first

    # Beijing's file in force superseded by a new version: its receipt is rewritten, nothing else changed.
    upload(workspace.landing, "110000/2025-01/beijing-v3.csv", csv_bytes(WINTER_WARMTH, [province_row("110000")]), 9)
    run_and_reply()
    assert_receipts_follow_the_warehouse(workspace)
    assert receipts_by_source(workspace)["110000/2025-01/beijing-v2.csv"]["status"] == "superseded"
    changed = {key for key, data in outbox_bytes(workspace).items() if first.get(key) != data}
    assert {key.split("/")[0] for key in changed} == {"110000"}


def test_no_receipt_runs_ahead_of_the_warehouse_when_a_run_is_killed(workspace):
    """Killed at each failpoint of process and load, a run leaves receipts only for what the warehouse
    holds; the next run writes those the crash left unwritten (after_commit: nothing new to load)."""
    for minute, failpoint in enumerate(failpoints.NAMES):
        code = ("110000", "120000", "130000", "140000")[minute]
        upload(workspace.landing, f"{code}/2025-01/a.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
        assert kill_at(run_and_reply, failpoint) == -signal.SIGKILL, f"{failpoint}: never reached"
        assert_receipts_follow_the_warehouse(workspace)
        run_and_reply()
        assert_receipts_follow_the_warehouse(workspace)
        assert set(receipts_by_source(workspace)) == {r["source"] for r in query(workspace, SUBMISSIONS)}


def test_a_late_file_is_locked_out_and_an_exception_lets_the_next_one_in(workspace, capsys):
    late = csv_bytes(WINTER_WARMTH, [province_row("540000", LOCKED_PERIOD)])
    upload(workspace.landing, f"540000/{LOCKED_PERIOD}/tibet.csv", late, minute=0)
    run_and_reply()
    [row] = query(workspace, SUBMISSIONS)
    assert row["status"] == "locked" and row["received_at"] >= row["locks_at"]
    with opened(workspace.warehouse_url) as warehouse:
        [message] = answer_messages(warehouse, [row["submission_id"]], report_types())
    assert message.answer == "locked" and "晚于该报告期的锁定时间" in message.html, "its message says why too"
    assert query(workspace, "SELECT count(*) AS n FROM core.figures") == [{"n": 0}], "never loaded"
    assert (Path(workspace.lake) / row["raw_location"]).read_bytes() == late, "the raw copy is kept"
    [totals] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert totals["provinces_reported"] == 0
    tibet = "SELECT status FROM mart.completeness WHERE province_code = '540000' AND period = ?"
    assert query(workspace, tibet, (LOCKED_PERIOD,)) == [{"status": "locked"}], "locked, not rejected by a rule"

    assert cli.main(["unlock", "990000", LOCKED_PERIOD, "--until", "2025-02-10", "--reason", "x", "--by", "y"]) == 2
    assert cli.main(["unlock", "540000", "2024-1", "--until", "2025-02-10", "--reason", "x", "--by", "y"]) == 2
    reason = "network outage in Lhasa, file sent on time by fax"
    assert (
        cli.main(["unlock", "540000", LOCKED_PERIOD, "--until", "2025-02-10", "--reason", reason, "--by", "王审核"])
        == 0
    )
    assert "unlocked 540000 2024-10 until 2025-02-10 16:00 UTC" in capsys.readouterr().out
    [granted] = query(workspace, "SELECT * FROM mart.lock_exceptions")
    assert (granted["reason"], granted["granted_by"], granted["period"]) == (reason, "王审核", LOCKED_PERIOD)

    upload(workspace.landing, f"540000/{LOCKED_PERIOD}/tibet-again.csv", late, minute=10)
    run_and_reply()
    statuses = {r["source"]: r["status"] for r in query(workspace, SUBMISSIONS)}
    assert statuses == {
        f"540000/{LOCKED_PERIOD}/tibet.csv": "locked",
        f"540000/{LOCKED_PERIOD}/tibet-again.csv": "accepted",
    }
    [totals] = query(workspace, "SELECT * FROM mart.national_totals WHERE metric = 'funds_total'")
    assert totals["provinces_reported"] == 1
    assert query(workspace, tibet, (LOCKED_PERIOD,)) == [{"status": "resubmitted"}]
    assert_receipts_follow_the_warehouse(workspace)

    # Past the exception's end, the period is locked again.
    upload(workspace.landing, f"540000/{LOCKED_PERIOD}/tibet-v3.csv", late + b"\n", minute=60 * 24 * 8)
    run_and_reply()
    [row] = query(workspace, SUBMISSIONS + " AND source = ?", (f"540000/{LOCKED_PERIOD}/tibet-v3.csv",))
    assert row["status"] == "locked"


def test_a_warehouse_from_before_the_findings_gets_them_at_its_next_load(workspace):
    """A rejected file loaded before ingest.findings existed: the next load takes its findings from
    its result document in the lake, so its receipt lists why it was rejected."""
    broken = province_row("320000")
    broken["funds_regular"] = 2300
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, [broken]))
    run_and_reply()
    with opened(workspace.warehouse_url) as warehouse:
        warehouse.execute("DELETE FROM ingest.findings")
        warehouse.execute("DELETE FROM core.outbox_documents")
    pipeline.load([])
    pipeline.reply()
    [receipt] = receipts_by_source(workspace).values()
    assert receipt["status"] == "rejected" and [f["column"] for f in receipt["findings"]] == ["funds_total"]
