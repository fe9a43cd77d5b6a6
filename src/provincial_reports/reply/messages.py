"""Each answered file's message to its province's contacts: one per file version, sent by the
`send_messages` task once `load` has committed the run's answers.

Everything a message says is read back from the warehouse (mart.submissions, mart.review_flags),
never from the answers travelling between tasks: a message never tells a province what the marts
do not hold. A rejection and an acceptance with open review flags are always written; a plain
acceptance only where the report type declares `messages: {on_accept: true}`. A file a central
reviewer returns (`cli review return`) is a second answer to it, told by the next run's
`send_messages`, once. A file that names no province has nobody to tell. Sending, and sending once:
reply/mailer.py.
"""

from __future__ import annotations

from collections import defaultdict

from provincial_reports.declarations import EXPLANATIONS, ReportType
from provincial_reports.reply.letter import letter_html
from provincial_reports.reply.mailer import Message
from provincial_reports.reply.receipts import lock_finding
from provincial_reports.report.site_data import beijing_time
from provincial_reports.stores.warehouse import Warehouse
from provincial_reports.wording import figure_text

SUBMISSIONS = (
    "SELECT s.*, r.title_zh, r.title_en FROM mart.submissions AS s "
    "LEFT JOIN mart.dim_report_type AS r ON r.report_type = s.report_type "
    "WHERE s.submission_id IN ({marks}) ORDER BY s.province_code, s.received_at, s.source"
)
OPEN_FLAGS = (
    "SELECT f.*, m.label_zh, m.value_type FROM mart.review_flags AS f "
    "LEFT JOIN mart.dim_metric AS m ON m.report_type = f.report_type AND m.metric = f.metric "
    "WHERE f.state IN ('open', 'explained') AND f.submission_id IN ({marks}) "
    "ORDER BY f.org_unit_code, m.position, f.rule"
)
RETURNED = "SELECT submission_id FROM mart.submissions WHERE status = 'returned' ORDER BY submission_id"
# The answer a message tells, in both languages, by the file's status in mart.submissions.
ANSWER_WORDS = {
    "rejected": ("已退回", "Rejected"),
    "returned": ("复核退回", "Returned by the reviewers"),
    "accepted_with_warnings": ("已接收，请核实", "Accepted, please check"),
    "accepted": ("已接收", "Accepted"),
}
NOT_ACCEPTED = ("未接收", "Not accepted")
TITLES = {EXPLANATIONS: ("说明文件", "explanation file")}  # files of no declared report type
ACCEPTED_STATUSES = ("accepted", "superseded")  # superseded: accepted, then replaced by a later file


def answer_messages(
    warehouse: Warehouse, submission_ids: list[str], report_types: dict[str, ReportType]
) -> list[Message]:
    """The messages the files `submission_ids` call for, from what the warehouse holds of them."""
    if not submission_ids:
        return []
    marks = ", ".join("?" * len(submission_ids))
    files = warehouse.query(SUBMISSIONS.format(marks=marks), submission_ids)
    flags = defaultdict(list)
    for flag in warehouse.query(OPEN_FLAGS.format(marks=marks), submission_ids):
        flags[flag["submission_id"]].append(flag)
    messages = []
    for row in files:
        answer = answer_of(row, flags[row["submission_id"]])
        if is_told(row, answer, report_types.get(row["report_type"])):
            messages.append(answer_message(row, answer, flags[row["submission_id"]]))
    return messages


def returned_files(warehouse: Warehouse) -> list[str]:
    """Every file returned by a reviewer: each is told once (its message id), whichever run tells it."""
    return [r["submission_id"] for r in warehouse.query(RETURNED)]


def is_told(row: dict, answer: str, declared: ReportType | None) -> bool:
    """A file whose path names a province; a plain acceptance only where its type declares `on_accept`."""
    if row["province_code"] is None:
        return False
    return answer != "accepted" or bool(declared and declared.messages.on_accept)


def answer_of(row: dict, flags: list[dict]) -> str:
    """rejected, accepted_with_warnings, accepted; or the status itself for any other answer."""
    if row["status"] in ACCEPTED_STATUSES:
        return "accepted_with_warnings" if flags else "accepted"
    return row["status"]


def answer_message(row: dict, answer: str, flags: list[dict]) -> Message:
    """A file's row of mart.submissions (with its report type's titles) and its open flags, as the
    message its province reads."""
    zh_word, en_word = ANSWER_WORDS.get(answer, NOT_ACCEPTED)
    title_zh, title_en = TITLES.get(row["report_type"], (row["title_zh"] or "报表", row["title_en"] or "report"))
    period = row["period"] or "—"
    subject = (
        f"【{zh_word}】{row['province_name_zh']} {title_zh} {period} · "
        f"{en_word}: {row['province_name_en']}, {title_en}, {period}"
    )
    received = beijing_time(row["received_at"])
    file_zh = f"贵单位于北京时间{received}上报的{title_zh}（报告期{period}）文件“{row['source']}”"
    file_en = f"The file “{row['source']}” of the {title_en} for {period}, received {received} Beijing time,"
    zh, en, listed, heading = _answer_text(row, answer, flags, file_zh, file_en)
    return Message(
        # a return is a second answer to a file accepted (and told) before
        message_id=f"answer/{row['submission_id']}" + ("/returned" if answer == "returned" else ""),
        kind="answer",
        province_code=row["province_code"],
        subject=subject,
        html=letter_html([f"{row['province_name_zh']}：", *zh], [f"{row['province_name_en']}:", *en], listed, heading),
        report_type=row["report_type"],
        period=row["period"],
        submission_id=row["submission_id"],
        answer=answer,
    )


def _answer_text(
    row: dict, answer: str, flags: list[dict], file_zh: str, file_en: str
) -> tuple[list[str], list[str], list[str], str]:
    """(Chinese paragraphs, English paragraphs, listed items, their heading) for one answer."""
    reasons = (row["reason"] or "").splitlines()
    if answer == "rejected":
        return (
            [f"{file_zh}未通过校验，已被退回，不计入全国汇总。请按下列原因修改后重新上报。"],
            [
                f"{file_en} did not pass the checks and is rejected: it does not count in the national totals. "
                "Please correct it as listed below and upload it again."
            ],
            reasons,
            "未通过的规则 · Failed rules",
        )
    if answer == "returned":  # the reviewers' notes are its reason (mart.submissions)
        return (
            [f"{file_zh}经中央复核退回，在收到更正后的文件之前不计入全国汇总。请按下列复核意见更正后重新上报。"],
            [
                f"{file_en} was returned by the central reviewers: it does not count in the national totals until "
                "a corrected file arrives. Please correct it as noted below and upload it again."
            ],
            reasons,
            "复核意见 · The reviewers' notes",
        )
    if answer == "locked":  # why, in the receipt's words (reply/receipts.py)
        lock = lock_finding(row)
        reasons = [lock["zh"], lock["en"], *reasons]
    if answer not in ANSWER_WORDS:
        return (
            [f"{file_zh}未被接收（{answer}），不计入全国汇总，原因如下。"],
            [f"{file_en} is not accepted ({answer}): it does not count in the national totals, for the reasons below."],
            reasons,
            "原因 · Reasons",
        )
    zh, en = [f"{file_zh}已接收，计入全国汇总。"], [f"{file_en} is accepted and counts in the national totals."]
    if row["status"] == "superseded":
        zh.append("此后该报告期又收到一份文件，现以最新文件为准。")
        en.append("A later file for the same period has since replaced it.")
    if not flags:
        return zh, en, [], ""
    zh.append("下列数据与以往报告期相差较大，请核实；如有错误，请修改后重新上报。")
    en.append(
        "The figures below are far from their history: please check them, and upload a corrected file if one is wrong."
    )
    return zh, en, [flag_line(f) for f in flags], "请核实的数据 · Figures to check"


def flag_line(flag: dict) -> str:
    """One review flag as the province reads it: the unit, the figure, the finding in both languages."""
    value = figure_text(flag["value"], flag["value_type"] or "decimal")
    label = f"{flag['label_zh']} ({flag['metric']})" if flag["label_zh"] else flag["metric"]
    return f"{flag['org_unit_code']} {label} = {value}: {flag['detail_zh']} · {flag['detail_en']}"
