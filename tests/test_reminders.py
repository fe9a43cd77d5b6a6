"""Reminders before the due day and overdue notices after it (issue 15, item 3), over SMTP to a real
server on 127.0.0.1, on both engines: on the declared days of Beijing's calendar only, to the
provinces with no accepted file, each once however often a day's task runs; the day turning at
16:00 UTC; `mart.completeness` and the report site saying who was reminded when. The DAG itself,
run under Airflow: tests/test_dag.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from smtp_server import BEIJING, CONTACTS, JIANGSU, JIANGXI, use_contacts
from test_messages import run_once, unbalanced

from provincial_reports import pipeline
from provincial_reports.reply.reminders import beijing_day
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

COMPLETENESS = (
    "SELECT province_code, status, reminders_sent, last_reminded_at, overdue_notices_sent, last_overdue_notice_at "
    "FROM mart.completeness WHERE report_type = 'winter_warmth' AND period = ? ORDER BY province_code"
)


def query(workspace, sql: str, params: list | tuple = ()) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return warehouse.query(sql, params)


def test_reminders_go_out_on_the_declared_days_to_who_has_no_accepted_file_once_each(
    workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    upload(workspace.landing, "320000/2025-02/jiangsu.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000", "2025-02")))
    upload(workspace.landing, "360000/2025-02/jiangxi.csv", csv_bytes(WINTER_WARMTH, unbalanced("360000", "2025-02")))
    run_once()

    sent_on = {}
    for offset in range(16):  # 25 February to 12 March 2025; winter_warmth is due on the 5th
        day = date(2025, 2, 25) + timedelta(days=offset)
        before = len(mail_server.received)
        pipeline.remind(day.isoformat())
        pipeline.remind(day.isoformat())  # the day's task retried, or the day's run repeated
        sent_on[f"{day:%m-%d}"] = [(m.to[0], m.subject[:6]) for m in mail_server.received[before:]]

    reminders = [(BEIJING, "【报送提醒】"), (JIANGXI, "【报送提醒】")]
    overdue = [(BEIJING, "【逾期提醒】"), (JIANGXI, "【逾期提醒】")]
    assert {day: sent for day, sent in sent_on.items() if sent} == {
        "03-02": reminders,  # 3 days before the due day
        "03-04": reminders,  # 1 day before
        "03-06": overdue,  # 1 day after
        "03-10": overdue,  # 5 days after
    }, "Jiangsu's file is accepted: never reminded"
    assert not mail_server.to(JIANGSU)
    first = mail_server.to(JIANGXI)[0]
    assert "Reminder: Jiangxi" in first.subject and "due 2025-03-05" in first.subject
    assert "1个文件均未通过校验" in first.html and first.html.index("还有3天") < first.html.index("in 3 day(s)")

    rows = {r["province_code"]: r for r in query(workspace, COMPLETENESS, ["2025-02"])}
    assert len(rows) == 31
    ledger = query(workspace, "SELECT * FROM ingest.messages_sent WHERE province_code = '110000' ORDER BY sent_at")
    assert [r["days_from_due"] for r in ledger] == [-3, -1, 1, 5]
    beijing = rows["110000"]
    assert (beijing["status"], beijing["reminders_sent"], beijing["overdue_notices_sent"]) == ("missing", 2, 2)
    assert beijing["last_reminded_at"].replace(tzinfo=None) == ledger[1]["sent_at"]
    assert beijing["last_overdue_notice_at"].replace(tzinfo=None) == ledger[3]["sent_at"]
    assert (rows["360000"]["status"], rows["360000"]["reminders_sent"]) == ("rejected", 2)
    assert rows["320000"]["reminders_sent"] == rows["320000"]["overdue_notices_sent"] == 0
    assert rows["130000"]["reminders_sent"] == 0 and rows["130000"]["last_reminded_at"] is None, "no contact: none"


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_the_day_turns_at_16_00_utc_and_a_period_nobody_sent_shows_its_reminders(
    workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    upload(workspace.landing, "110000/2025-01/beijing.csv", csv_bytes(WINTER_WARMTH, [province_row("110000")]))
    run_once()  # January's file: nobody has sent anything for February

    last_second = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on 1 March in Beijing
    pipeline.remind(beijing_day(last_second).isoformat())
    assert mail_server.received == []
    midnight = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 March: 3 days before the 5th
    pipeline.remind(beijing_day(midnight).isoformat())
    assert sorted(m.to[0] for m in mail_server.received) == sorted([BEIJING, JIANGSU, JIANGXI])

    rows = query(workspace, COMPLETENESS, ["2025-02"])
    assert len(rows) == 31 and {r["status"] for r in rows} == {"missing"}
    assert sorted(r["province_code"] for r in rows if r["reminders_sent"] == 1) == ["110000", "320000", "360000"]
    pipeline.report()
    index = (workspace.site / "index.html").read_text(encoding="utf-8")
    assert index.count('class="note reminded">✉ 1 · ') == 3, "each reminded province marked, with the date"
    assert (workspace.site / "winter_warmth" / "2025-02.html").is_file(), "the reminded period has its page"
