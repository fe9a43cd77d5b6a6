"""Each answered file's message to its province (issue 15, item 2), over SMTP to a real server on
127.0.0.1 (tests/smtp_server.py), on both engines: one message per answer across a retry and a
rerun, in the words the warehouse holds; a failing mail server fails the send, changes no
warehouse row but the ledger's record of what it did send, and the retry sends the rest; a bad
address fails its province alone; a crash between a send and its record sends that one message
once more, never zero times."""

from __future__ import annotations

import multiprocessing
import os
import signal
import smtplib
from html import escape
from pathlib import Path

import pytest
from browser import chromium, chromium_path
from smtp_server import BEIJING, CONTACTS, JIANGSU, JIANGXI, use_contacts
from warehouse_state import fingerprint

from provincial_reports import pipeline
from provincial_reports.declarations import Messages, report_types
from provincial_reports.reply.contacts import ContactsError, configured_contacts
from provincial_reports.reply.mailer import SendFailed
from provincial_reports.reply.messages import answer_messages, flag_line
from provincial_reports.stores.warehouse import opened
from provincial_reports.tools.builders.files import csv_bytes, upload
from provincial_reports.tools.builders.winter_warmth import WINTER_WARMTH, province_row, valid_rows

LEDGER = "SELECT * FROM ingest.messages_sent ORDER BY message_id"
ARTEFACTS = Path(os.environ.get("REPORTS_TEST_ARTEFACTS", Path(__file__).parents[1] / "data" / "test-artefacts"))
# Where each language's column and the list of rules are drawn on the page.
LAYOUT = """(() => {
  const box = e => {
    const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, bottom: r.bottom, width: r.width};
  };
  const list = document.querySelector('ol');
  return {zh: box(document.querySelector('td[lang=zh]')), en: box(document.querySelector('td[lang=en]')),
          rules: list ? list.children.length : 0, list_top: list ? list.getBoundingClientRect().top : 0};
})()"""


def run_once() -> list[dict]:
    """discover, process, load, as the DAG does: the answers `send_messages` is given."""
    answers = [pipeline.process(a) for a in pipeline.discover()]
    pipeline.load(answers)
    return answers


def query(workspace, sql: str, params: list | tuple = ()) -> list[dict]:
    with opened(workspace.warehouse_url) as warehouse:
        return warehouse.query(sql, params)


def unbalanced(province: str, period: str = "2025-01") -> list[dict]:
    row = province_row(province, period)
    row["funds_regular"] = 2300  # the parts no longer add up to funds_total
    return [row]


def test_each_answer_is_written_once_across_a_retry_and_a_rerun(workspace, mail_server, tmp_path, monkeypatch):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, unbalanced("360000")), 1)
    answers = run_once()
    pipeline.send_messages(answers)
    pipeline.send_messages(answers)  # the task retried
    pipeline.send_messages(run_once())  # the DAG run again: nothing new, nothing sent

    assert [m.to for m in mail_server.received] == [(JIANGSU,), (JIANGXI, "baosong@jx-federation.example.cn")]
    accepted, rejected = mail_server.received
    assert accepted.subject.startswith("【已接收】江苏省") and "Accepted: Jiangsu" in accepted.subject
    assert rejected.subject.startswith("【已退回】江西省") and "Rejected: Jiangxi" in rejected.subject
    [jiangxi] = query(workspace, "SELECT * FROM mart.submissions WHERE province_code = '360000'")
    assert jiangxi["reason"] and all(escape(line) in rejected.html for line in jiangxi["reason"].splitlines())
    assert escape(jiangxi["source"]) in rejected.html
    assert rejected.html.index("未通过校验") < rejected.html.index("did not pass the checks"), "Chinese first"
    ledger = query(workspace, LEDGER)
    assert [(r["message_id"], r["answer"]) for r in ledger] == sorted(
        [(f"answer/{a['submission_id']}", a["outcome"]) for a in answers]
    )
    assert len({m.message_id for m in mail_server.received}) == 2, "each message its own Message-ID"

    quiet = {"winter_warmth": report_types()["winter_warmth"].model_copy(update={"messages": Messages()})}
    with opened(workspace.warehouse_url) as warehouse:
        told = answer_messages(warehouse, [a["submission_id"] for a in answers], quiet)
    assert [m.answer for m in told] == ["rejected"], "a plain acceptance only where declared"

    february = province_row("320000", "2025-02")
    february.update({k: february[k] * 10000 for k in ("funds_total", "funds_holiday", "funds_regular")})  # yuan
    upload(workspace.landing, "320000/2025-02/jiangsu.csv", csv_bytes(WINTER_WARMTH, [february]), 2)
    pipeline.send_messages(run_once())
    warned = mail_server.received[-1]
    assert len(mail_server.received) == 3 and warned.to == (JIANGSU,)
    assert warned.subject.startswith("【已接收，请核实】江苏省") and "2025-02" in warned.subject
    flags = query(
        workspace,
        "SELECT f.*, m.label_zh, m.value_type FROM mart.review_flags AS f JOIN mart.dim_metric AS m "
        "USING (report_type, metric) WHERE f.period = '2025-02'",
    )
    assert flags and all(escape(flag_line(f)) in warned.html for f in flags)


def test_a_file_returned_by_a_reviewer_is_told_once_with_the_reviewers_notes(
    workspace, mail_server, tmp_path, monkeypatch
):
    from provincial_reports import cli

    use_contacts(tmp_path, monkeypatch, CONTACTS)
    upload(workspace.landing, "320000/2025-01/jiangsu.csv", csv_bytes(WINTER_WARMTH, valid_rows("320000")))
    february = province_row("320000", "2025-02")
    february.update({k: february[k] * 10000 for k in ("funds_total", "funds_holiday", "funds_regular")})  # yuan
    upload(workspace.landing, "320000/2025-02/jiangsu.csv", csv_bytes(WINTER_WARMTH, [february]), 1)
    pipeline.send_messages(run_once())
    assert len(mail_server.received) == 2, "January accepted, February accepted with its flags"

    note = "单位应为万元，请更正 · funds typed in yuan: send them in 10k yuan"
    assert cli.main(["review", "return", "320000/2025-02/funds_total", "--note", note, "--by", "王复核"]) == 0
    pipeline.send_messages([])  # the next run, nothing new: the return is told
    pipeline.send_messages([])  # and the one after: not again
    [returned] = mail_server.received[2:]
    assert (
        returned.to == (JIANGSU,)
        and returned.subject.startswith("【复核退回】江苏省")
        and "2025-02" in returned.subject
    )
    assert escape(note.split(" · ")[0]) in returned.html and returned.html.index("复核退回") < returned.html.index(
        "returned by the central reviewers"
    ), "the reviewers' notes, Chinese first"
    [file] = query(workspace, "SELECT submission_id FROM mart.submissions WHERE period = '2025-02'")
    told = [r["message_id"] for r in query(workspace, LEDGER) if r["submission_id"] == file["submission_id"]]
    assert told == [f"answer/{file['submission_id']}", f"answer/{file['submission_id']}/returned"]


def test_a_failing_mail_server_fails_the_send_and_the_retry_sends_the_rest(
    workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    for minute, code in enumerate(("110000", "320000", "360000")):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    answers = run_once()
    loaded = fingerprint(workspace.warehouse_url)

    mail_server.stop()
    with pytest.raises(ConnectionRefusedError):
        pipeline.send_messages(answers)
    assert query(workspace, LEDGER) == [] and fingerprint(workspace.warehouse_url) == loaded, "nothing touched"

    mail_server.start()
    mail_server.accept = 1  # the first message, then 451: try later
    with pytest.raises(smtplib.SMTPDataError):
        pipeline.send_messages(answers)  # the first retry
    assert [r["province_code"] for r in query(workspace, LEDGER)] == ["110000"], "what was sent, recorded"
    assert fingerprint(workspace.warehouse_url) == loaded

    mail_server.accept = None
    pipeline.send_messages(answers)  # the second retry
    assert [m.to[0] for m in mail_server.received] == [BEIJING, JIANGSU, JIANGXI], "each once"
    assert len(query(workspace, LEDGER)) == 3 and fingerprint(workspace.warehouse_url) == loaded


def test_a_bad_address_fails_only_its_province_and_says_so(workspace, mail_server, tmp_path, monkeypatch, capsys):
    contacts = {**CONTACTS, "360000": ["tongji@jx-federation.example.cn", "jiangxi"], "990000": "x@y.example.cn"}
    use_contacts(tmp_path, monkeypatch, contacts)
    mail_server.refused = {BEIJING}  # an address the mail server does not know
    for minute, code in enumerate(("110000", "320000", "360000")):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    answers = run_once()

    with pytest.raises(SendFailed) as failed:
        pipeline.send_messages(answers)
    assert "360000: 'jiangxi'" in str(failed.value) and f"110000: the mail server refused {BEIJING} (550" in str(
        failed.value
    )
    log = capsys.readouterr().out
    assert log.count("NOT SENT") == 2 and "SENT answer/" in log
    assert "'990000' is no declared province" in log
    assert [m.to for m in mail_server.received] == [(JIANGSU,)], "no address of Jiangxi's half written to"
    assert [r["province_code"] for r in query(workspace, LEDGER)] == ["320000"]


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_a_crash_between_a_send_and_its_record_sends_that_message_once_more(
    workspace, mail_server, tmp_path, monkeypatch
):
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    for minute, code in enumerate(("320000", "360000")):
        upload(workspace.landing, f"{code}/2025-01/{code}.csv", csv_bytes(WINTER_WARMTH, valid_rows(code)), minute)
    answers = run_once()
    task = multiprocessing.get_context("fork").Process(target=pipeline.send_messages, args=(answers,))
    mail_server.on_data = lambda: os.kill(task.pid, signal.SIGKILL)  # the server has it; the sender dies
    task.start()
    task.join(60)
    assert task.exitcode == -signal.SIGKILL
    assert len(mail_server.received) == 1 and query(workspace, LEDGER) == [], "sent, not recorded"

    mail_server.on_data = None
    pipeline.send_messages(answers)  # the retry
    ids = [m.message_id for m in mail_server.received]
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2], "one duplicate, with the same Message-ID"
    assert len(query(workspace, LEDGER)) == 2


def test_without_contacts_nothing_is_sent_and_the_log_says_so(monkeypatch, tmp_path):
    monkeypatch.delenv("REPORTS_CONTACTS", raising=False)
    monkeypatch.setenv("REPORTS_WAREHOUSE", f"duckdb:///{tmp_path / 'never-opened.duckdb'}")
    assert "no contacts configured" in pipeline.send_messages([{"submission_id": "x", "outcome": "accepted"}])
    assert not (tmp_path / "never-opened.duckdb").exists()


def test_contacts_come_from_the_file_or_else_the_airflow_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("REPORTS_CONTACTS", raising=False)
    monkeypatch.setenv("AIRFLOW_VAR_REPORTS_CONTACTS", '{"contacts": {"320000": "a@b.example.cn"}}')
    contacts = configured_contacts()
    assert contacts.addresses("320000") == ("a@b.example.cn",) and "reports_contacts" in contacts.source
    assert contacts.addresses("360000") == ()
    use_contacts(tmp_path, monkeypatch, {320000: ["c@d.example.cn"]})  # an unquoted code is a number in YAML
    assert configured_contacts().addresses("320000") == ("c@d.example.cn",)
    (tmp_path / "contacts.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ContactsError, match=r"contacts\.yaml: expected `contacts:`"):
        configured_contacts()


@pytest.mark.parametrize("warehouse_url", ["duckdb"], indirect=True)
def test_a_message_reads_chinese_first_with_the_english_beside_it_in_a_browser(
    workspace, mail_server, tmp_path, monkeypatch
):
    if not chromium_path():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    use_contacts(tmp_path, monkeypatch, CONTACTS)
    upload(workspace.landing, "360000/2025-01/jiangxi.csv", csv_bytes(WINTER_WARMTH, unbalanced("360000")))
    pipeline.send_messages(run_once())
    [rejected] = mail_server.received
    page_file = tmp_path / "message.html"
    page_file.write_text(rejected.html, encoding="utf-8")
    with chromium() as page:
        page.open(page_file.as_uri())
        boxes = page.evaluate(LAYOUT)
        page.screenshot(ARTEFACTS / "message-rejected.png", width=900)
        assert page.errors == [] and page.requests == [page_file.as_uri()], "nothing fetched but the message"
    zh, en = boxes["zh"], boxes["en"]
    assert zh["width"] > 0 and en["width"] > 0 and zh["left"] < en["left"] and zh["top"] == en["top"], boxes
    assert boxes["rules"] >= 1 and boxes["list_top"] > max(zh["bottom"], en["bottom"]), "the rules below both"


def test_a_rejected_explanation_file_is_told_as_an_explanation_file(workspace, mail_server, tmp_path, monkeypatch):
    from provincial_reports.tools.builders.explanations import explanation, explanation_csv_bytes

    use_contacts(tmp_path, monkeypatch, CONTACTS)
    early = explanation_csv_bytes([explanation("320000", "funds_total", "an explanation before its report")])
    upload(workspace.landing, "320000/2025-01/jiangsu-explanation.csv", early)
    pipeline.send_messages(run_once())
    [told] = mail_server.received
    assert told.subject.startswith("【已退回】江苏省 说明文件 2025-01") and "explanation file" in told.subject
