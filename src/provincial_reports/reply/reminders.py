"""Reminders before the due day and overdue notices after it, to the provinces with no accepted file
(DHIS2's scheduled notifications): the body of the `remind_provinces` DAG, run once a day.

A report type declares the days, counted from its due day, in Beijing time:
`reminders: {before_due: [3, 1], after_due: [1, 5]}`. Which periods are open on a day: those for
which that day is one of the declared days. A report type has one due day a month, so each
declared day names at most one period, the one whose due day is that many days away; with the
days above, on 2 March (due day 5) the reminder is for February's report, due in 3 days, and on
10 March the overdue notice is for February's, 5 days late. A province gets the message if it has
no accepted file in force for that period as the warehouse holds it when the task runs (a file
uploaded but not yet loaded does not count). Each (report type, province, period, day) is sent at
most once, by the ledger of reply/mailer.py; a day the DAG does not run sends nothing for that day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from provincial_reports.declarations import Province, ReportType
from provincial_reports.reply.letter import letter_html
from provincial_reports.reply.mailer import Message
from provincial_reports.stores.warehouse import MARTS_LOADED, Warehouse

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no daylight saving time
FILES = (
    "SELECT province_code, count(*) AS files, sum(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS accepted "
    "FROM mart.submissions WHERE report_type = ? AND period = ? GROUP BY province_code"
)


def beijing_day(moment: datetime) -> date:
    """The day it is in Beijing at `moment` (timezone-aware): 16:00 UTC is already tomorrow there."""
    return moment.astimezone(BEIJING).date()


def due_date(period: str, due_day: int) -> date:
    """The due day of a period `YYYY-MM`: that day of the following month."""
    year, month = (int(part) for part in period.split("-"))
    return date(year + month // 12, month % 12 + 1, due_day)


def open_periods(report_type: ReportType, today: date) -> list[tuple[str, int]]:
    """(period, days from its due day) for each declared day that `today` is: -3 three days before."""
    found = []
    for days in report_type.reminders.days_from_due:
        due = today - timedelta(days=days)
        if due.day == report_type.due_day:
            before = due.replace(day=1) - timedelta(days=1)
            found.append((f"{before:%Y-%m}", days))
    return found


def reminder_messages(
    warehouse: Warehouse, report_types: dict[str, ReportType], provinces: dict[str, Province], today: date
) -> list[Message]:
    """Every reminder and overdue notice `today` calls for, to the provinces with no accepted file."""
    loaded = bool(warehouse.query(MARTS_LOADED))
    messages = []
    for rt in report_types.values():
        for period, days in open_periods(rt, today):
            files = {r["province_code"]: r for r in warehouse.query(FILES, [rt.name, period])} if loaded else {}
            for code, province in provinces.items():
                row = files.get(code, {"files": 0, "accepted": 0})
                if not row["accepted"]:
                    messages.append(reminder_message(rt, province, period, days, int(row["files"])))
    return messages


def reminder_message(rt: ReportType, province: Province, period: str, days: int, files: int) -> Message:
    """Before the due day a reminder, after it an overdue notice; a word on the files that came and
    were not accepted, if any."""
    due = due_date(period, rt.due_day)
    kind = "reminder" if days < 0 else "overdue"
    upload = f"{province.code}/{period}/"
    if kind == "reminder":
        word_zh, word_en = "报送提醒", "Reminder"
        zh = (
            f"{rt.title_zh}（报告期{period}）应于北京时间{due:%Y-%m-%d}当日结束前报送（还有{-days}天），"
            "尚未收到贵单位通过校验的文件，请按时上报。"
        )
        en = (
            f"The {rt.title_en} for {period} is due by the end of {due:%Y-%m-%d}, Beijing time, in {-days} day(s). "
            "No file of yours for it has been accepted yet: please upload it in time."
        )
    else:
        word_zh, word_en = "逾期提醒", "Overdue"
        zh = (
            f"{rt.title_zh}（报告期{period}）应于北京时间{due:%Y-%m-%d}当日结束前报送，现已逾期{days}天，"
            "尚未收到贵单位通过校验的文件，请尽快上报。"
        )
        en = (
            f"The {rt.title_en} for {period} was due by the end of {due:%Y-%m-%d}, Beijing time, {days} day(s) ago. "
            "No file of yours for it has been accepted: please upload it as soon as you can."
        )
    zh_parts, en_parts = [f"{province.name_zh}：", zh], [f"{province.name_en}:", en]
    if files:
        zh_parts.append(f"贵单位已上报的{files}个文件均未通过校验，请按退回原因修改后重新上报。")
        en_parts.append(f"The {files} file(s) you sent did not pass the checks: correct them as their answers say.")
    zh_parts.append(f"上传位置：{upload}")
    en_parts.append(f"Upload to: {upload}")
    return Message(
        message_id=f"{kind}/{rt.name}/{province.code}/{period}/{days}",
        kind=kind,
        province_code=province.code,
        subject=(
            f"【{word_zh}】{province.name_zh} {rt.title_zh} {period} 截止{due:%Y-%m-%d} · "
            f"{word_en}: {province.name_en}, {rt.title_en}, {period}, due {due:%Y-%m-%d}"
        ),
        html=letter_html(zh_parts, en_parts),
        report_type=rt.name,
        period=period,
        days_from_due=days,
    )
