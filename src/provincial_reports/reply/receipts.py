"""A receipt (回执) for every file version a province sent: its answer as the warehouse holds it now,
as JSON for the province's programs and as a page for its people, Chinese first, English beside.

A receipt says what `mart.submissions` says (source, sha256, status, deadlines) and lists what
`mart.findings` lists (every failed rule, every review flag with its state, the province's
explanation and the central reviewer's decision from `mart.review_flags`), plus, for a locked file,
why it was locked. Nothing in it is the moment it was written: the same warehouse gives the same bytes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from html import escape

from provincial_reports.declarations import provinces
from provincial_reports.land import PERIOD
from provincial_reports.report.html import headers, heading, page, status_pill, table
from provincial_reports.report.site_data import beijing_time, due_date
from provincial_reports.stores.warehouse import Warehouse

SUBMISSIONS = """
SELECT submission_id, source, sha256, size_bytes, received_at, report_type, province_code, period, status,
    reason, superseded_by, due_at, on_time, locks_at
FROM mart.submissions
WHERE province_code IS NOT NULL
ORDER BY province_code, period, received_at, source
"""
FINDINGS = """
SELECT f.submission_id, f.severity, f.rule, f.column_name, f.source_rows, f.zh, f.en, f.position, f.flag_id,
    f.flag_state, r.explanation, r.explained_by, r.explained_at, r.decision_note, r.decided_by, r.decided_at
FROM mart.findings AS f
LEFT JOIN mart.review_flags AS r ON r.flag_id = f.flag_id
"""
# What each status means to the province, in a sentence: (zh, en).
MEANINGS = {
    "accepted": (
        "已接收：没有须退回的问题，数据计入全国汇总。",
        "accepted: no rule rejected it; its figures count in the national totals.",
    ),
    "rejected": (
        "已退回：未计入全国汇总。请按下列问题改正后，在同一目录重新上传。",
        "rejected: it does not count. Fix what is listed below and upload it again to the same folder.",
    ),
    "superseded": (
        "已被替换：本省同一报告期更晚接收的文件现行有效，本文件仍留存记录。",
        "superseded: a later accepted file of this province and period is in force; this one stays on record.",
    ),
    "locked": (
        "已锁定：报告期锁定后才收到，已留存记录，不计入全国汇总。",
        "locked: it arrived after the period was locked; it is kept on record and never counted.",
    ),
    "returned": (
        "已复核退回：全国总工会复核人员退回本文件（原因见下表复核意见），本省本期暂按缺报处理，不计入全国汇总。"
        "请改正后在同一目录重新上传。",
        "returned: a central reviewer sent this file back (the reviewer's note is listed below); this province "
        "counts as missing from the national totals for the period until a corrected file is uploaded to the "
        "same folder.",
    ),
}
# A warning's state in words (zh, en): the way a province answers it (强制上报).
FLAG_STATES = {
    "open": ("待说明", "open: explain it with an explanation file, or correct the file"),
    "explained": ("已说明，待复核", "explained: awaiting the central reviewer"),
    "cleared": ("已复核通过", "cleared by the central reviewer"),
    "returned": ("已复核退回", "returned by the central reviewer: correct the file and upload it again"),
}
WITH_WARNINGS = (
    "另有复核提示，见下表；提示不影响接收。",
    "It carries review warnings, listed below; they do not undo the acceptance.",
)
LOCK_RULE = "lock"


def outbox_folder(province_code: str, period: str | None) -> str:
    """`<province code>/<period>/`, or `<province code>/_unplaced/` for a file whose path named no
    period. Both parts come from the warehouse, where only a declared code and a YYYY-MM period are
    ever recorded; checked again, since they become keys."""
    if province_code not in provinces() or not (period is None or PERIOD.match(period)):
        raise ValueError(f"not an outbox folder: {province_code!r}, {period!r}")
    return f"{province_code}/{period or '_unplaced'}"


def receipt_key(row: dict, extension: str) -> str:
    return f"{outbox_folder(row['province_code'], row['period'])}/receipts/{row['submission_id']}.{extension}"


def moment(value: datetime | None) -> str | None:
    """A moment as the documents write it: ISO 8601 in UTC."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def submissions_and_findings(warehouse: Warehouse) -> tuple[list[dict], dict[str, list[dict]]]:
    """Every file version of a known province, and the findings of each, from the marts."""
    findings = defaultdict(list)
    for f in warehouse.query(FINDINGS):
        findings[f["submission_id"]].append(f)
    return warehouse.query(SUBMISSIONS), findings


def receipt(row: dict, findings: list[dict]) -> dict:
    """One file's receipt: its row of mart.submissions, what its status means, and its findings."""
    listed = ([lock_finding(row)] if row["status"] == "locked" else []) + [
        _finding(f) for f in sorted(findings, key=_finding_order)
    ]
    zh, en = MEANINGS[row["status"]]
    if row["status"] == "accepted" and any(f["severity"] == "warning" for f in listed):
        zh, en = f"{zh}{WITH_WARNINGS[0]}", f"{en} {WITH_WARNINGS[1]}"
    return {
        "submission_id": row["submission_id"],
        "source": row["source"],
        "sha256": row["sha256"],
        "size_bytes": row["size_bytes"],
        "received_at": moment(row["received_at"]),
        "report_type": row["report_type"],
        "province_code": row["province_code"],
        "period": row["period"],
        "status": row["status"],
        "superseded_by": row["superseded_by"],
        "due_at": moment(row["due_at"]),
        "on_time": row["on_time"],
        "locks_at": moment(row["locks_at"]),
        "answer": {"zh": zh, "en": en},
        "findings": listed,
    }


def _finding_order(f: dict) -> tuple:
    """Failed rules in the order the file was checked, then warnings by column and rule."""
    return (f["severity"] != "error", f["position"] or 0, f["column_name"] or "", f["rule"], f["en"])


def _finding(f: dict) -> dict:
    rows = json.loads(f["source_rows"])
    found = {
        "rule": f["rule"],
        "severity": f["severity"],
        "column": f["column_name"],
        "row": rows[0] if rows else None,
        "rows": rows,
        "zh": f["zh"],
        "en": f["en"],
    }
    if f["flag_id"]:
        found |= {"flag_id": f["flag_id"], "flag_state": f["flag_state"], **flag_answers(f)}
    return found


def flag_answers(f: dict) -> dict:
    """A warning's answers: the province's explanation and the central reviewer's decision, each
    with who and when, or null while there is none."""
    explanation = {"text": f["explanation"], "by": f["explained_by"], "at": moment(f["explained_at"])}
    review = {"decision": f["flag_state"], "note": f["decision_note"], "by": f["decided_by"]}
    review["at"] = moment(f["decided_at"])
    return {
        "explanation": explanation if f["explanation"] is not None else None,
        "review": review if f["decided_by"] is not None else None,
    }


def lock_finding(row: dict) -> dict:
    """Why a file is locked, for its receipt and its message: when it came, when the period locked."""
    received, locks = beijing_time(row["received_at"]), beijing_time(row["locks_at"])
    return {
        "rule": LOCK_RULE,
        "severity": "error",
        "column": None,
        "row": None,
        "rows": [],
        "zh": (
            f"文件：于{received}（北京时间）收到，晚于该报告期的锁定时间{locks}（截止日{due_date(row['due_at'])}之后）。"
            "如需补报，请联系全国总工会为本省该报告期解锁，解锁后重新上传。"
        ),
        "en": (
            f"the file: received {received} (Beijing time), after the period locked at {locks} (past its due day"
            f" {due_date(row['due_at'])}). To report it, ask the national federation to unlock this province"
            " and period, then upload it again."
        ),
    }


def document_bytes(document: dict) -> bytes:
    """One stable text form: keys sorted, Chinese as itself, a final newline."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def receipt_page(document: dict) -> str:
    """The receipt for a person: the answer in both languages, the file, and every finding."""
    d = document
    facts = [
        ("文件 · file", f"<code>{escape(d['source'])}</code>"),
        ("状态 · status", status_pill(d["status"], d["on_time"] if d["status"] == "accepted" else None)),
        ("收到时间 · received (Beijing)", beijing_time(_parsed(d["received_at"]))),
        ("截止 · due", due_date(_parsed(d["due_at"]))),
        ("锁定 · locks (Beijing)", beijing_time(_parsed(d["locks_at"]))),
        ("SHA-256", f"<code>{d['sha256']}</code>"),
        ("编号 · submission id", f"<code>{d['submission_id']}</code>"),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in facts)
    answer = f"<p><strong>{escape(d['answer']['zh'])}</strong><br>{escape(d['answer']['en'])}</p>"
    findings = "".join(
        f"<tr><td>{'错误 · error' if f['severity'] == 'error' else '提示 · warning'}</td>"
        f'<td>{escape(f["zh"])}<br><span class="note">{escape(f["en"])}</span>{_answers_html(f)}</td>'
        f"<td><code>{escape(f['rule'])}</code></td></tr>"
        for f in d["findings"]
    )
    body = f"<section>{answer}<table>{rows}</table></section>"
    if findings:
        body += f"<section>{heading('Findings', '问题与提示')}"
        body += table(headers(("severity", "类别"), ("finding", "内容"), ("rule", "规则")), findings) + "</section>"
    if d.get("explained"):  # an explanation file's (reply/explanation_receipts.py)
        explained = "".join(
            f"<tr><td><code>{escape(e['org_unit_code'])}</code></td><td><code>{escape(e['metric'])}</code></td>"
            f"<td>{escape(e['explanation'])}</td><td>{escape(e['explained_by'])}</td>"
            f"<td><code>{escape(e['source'])}</code></td></tr>"
            for e in d["explained"]
        )
        columns = (
            ("unit", "单位代码"),
            ("metric", "指标"),
            ("explanation", "说明"),
            ("by", "填报人"),
            ("file", "被说明文件"),
        )
        body += f"<section>{heading('Explained', '已记录的说明')}{table(headers(*columns), explained)}</section>"
    return page("Receipt", "回执", escape(f"{d['province_code']} · {d['period'] or '—'}"), body, "")


def _answers_html(finding: dict) -> str:
    """Under a warning: its state, the province's explanation and the reviewer's note, as recorded."""
    if "flag_state" not in finding:
        return ""
    zh, en = FLAG_STATES[finding["flag_state"]]
    lines = [f"{zh} · {en}"]
    if finding["explanation"]:
        e = finding["explanation"]
        lines.append(f"说明 explanation ({e['by']}, {e['at']}): {e['text']}")
    if finding["review"]:
        r = finding["review"]
        lines.append(f"复核意见 reviewer's note ({r['by']}, {r['at']}): {r['note']}")
    return "".join(f'<br><span class="note">{escape(line)}</span>' for line in lines)


def _parsed(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
