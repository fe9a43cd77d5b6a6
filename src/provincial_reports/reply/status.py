"""The status document of a province for a period (`status.json`): per report type, which file is in
force, which were superseded, rejected, locked or returned (with the reviewer's reason), whether the
report is still missing (a returned file leaves it missing until a corrected file arrives), the
deadline and the lock, and the review warnings on the file in force not yet cleared (open, or
explained and awaiting the central reviewer). From the marts only, so it says what the national
totals count; like a receipt, the same warehouse gives the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from provincial_reports.reply.receipts import FLAG_STATES, moment, outbox_folder
from provincial_reports.report.flags import UNDECIDED
from provincial_reports.report.html import headers, heading, page, status_pill, table
from provincial_reports.stores.warehouse import Warehouse

# Every report type due from every province for each period any file arrived for (mart.completeness).
EXPECTED = """
SELECT report_type, period, province_code, province_name_zh, province_name_en, status, due_at
FROM mart.completeness
"""
LISTED_STATUSES = ("superseded", "rejected", "locked", "returned")


def status_key(province_code: str, period: str) -> str:
    return f"{outbox_folder(province_code, period)}/status.json"


def status_documents(warehouse: Warehouse, submissions: list[dict], findings: dict[str, list[dict]]) -> dict:
    """(province, period) → its status document, for every province and period it sent a file for."""
    sent = defaultdict(list)
    for row in submissions:
        if row["period"] is not None:
            sent[row["province_code"], row["period"]].append(row)
    expected = defaultdict(list)
    for row in warehouse.query(EXPECTED):
        if (row["province_code"], row["period"]) in sent:
            expected[row["province_code"], row["period"]].append(row)
    locks = {(r["report_type"], r["period"]): r["locks_at"] for r in submissions}
    return {
        place: _document(place, expected[place], files, locks, findings)
        for place, files in sorted(sent.items())
        if expected[place]
    }


def _document(place: tuple[str, str], expected: list[dict], files: list[dict], locks: dict, findings: dict) -> dict:
    """A file that could not be read names no report type: it is listed under each, as
    mart.completeness counts it for each."""
    province_code, period = place
    first = expected[0]
    return {
        "province_code": province_code,
        "province_name_zh": first["province_name_zh"],
        "province_name_en": first["province_name_en"],
        "period": period,
        "report_types": [
            _report_type(e, [f for f in files if f["report_type"] in (e["report_type"], None)], locks, findings)
            for e in sorted(expected, key=lambda e: e["report_type"])
        ],
    }


def _report_type(expected: dict, files: list[dict], locks: dict, findings: dict) -> dict:
    in_force = next((f for f in files if f["status"] == "accepted"), None)
    warnings = findings.get(in_force["submission_id"], []) if in_force else []
    return {
        "report_type": expected["report_type"],
        "missing": in_force is None,
        "due_at": moment(expected["due_at"]),
        "locks_at": moment(locks.get((expected["report_type"], expected["period"]))),
        "in_force": _file(in_force) | {"on_time": in_force["on_time"]} if in_force else None,
        **{status: [_file(f) for f in files if f["status"] == status] for status in LISTED_STATUSES},
        "open_warnings": [
            {
                "flag_id": w["flag_id"],
                "flag_state": w["flag_state"],
                "rule": w["rule"],
                "column": w["column_name"],
                "zh": w["zh"],
                "en": w["en"],
            }
            for w in sorted(warnings, key=lambda w: (w["column_name"] or "", w["rule"], w["en"]))
            if w["severity"] == "warning" and w["flag_state"] in UNDECIDED
        ],
    }


def _file(row: dict) -> dict:
    """A file as the status lists it; a returned one with the reviewer's reason."""
    listed = {
        "submission_id": row["submission_id"],
        "source": row["source"],
        "sha256": row["sha256"],
        "received_at": moment(row["received_at"]),
    }
    return listed | {"reason": row["reason"]} if row["status"] == "returned" else listed


def status_page(document: dict) -> str:
    """The status document for a person, one section per report type, Chinese first."""
    sections = []
    for rt in document["report_types"]:
        state = "已报送 · reported" if not rt["missing"] else "未报送（无有效文件）· missing: no file in force"
        if rt["returned"]:
            state = "已复核退回，请改正后重新上传 · returned: missing until a corrected file arrives"
        rows = [("现行有效 · in force", rt["in_force"], "accepted")] if rt["in_force"] else []
        rows += [(status, f, status) for status in LISTED_STATUSES for f in rt[status]]
        files = "".join(
            f"<tr><td>{status_pill(pill)}</td><td><code>{escape(f['source'])}</code>{_reason_html(f)}</td>"
            f"<td>{escape(f['received_at'] or '')}</td></tr>"
            for _, f, pill in rows
        )
        warnings = "".join(
            f"<li>{escape(w['zh'])}<br>{escape(w['en'])}<br>"
            f'<span class="note">{" · ".join(FLAG_STATES[w["flag_state"]])}</span></li>'
            for w in rt["open_warnings"]
        )
        sections.append(
            f"<section>{heading(rt['report_type'], state)}"
            f"<p>截止 due: {escape(rt['due_at'] or '—')} · 锁定 locks: {escape(rt['locks_at'] or '—')} (UTC)</p>"
            + (table(headers(("status", "状态"), ("file", "文件"), ("received (UTC)", "收到")), files) if files else "")
            + (f"{heading('Open warnings', '待处理的复核提示', 3)}<ul>{warnings}</ul>" if warnings else "")
            + "</section>"
        )
    title = f"{document['province_name_zh']} {document['province_name_en']} · {document['period']}"
    return page("Status", "报送情况", escape(title), "".join(sections), "")


def _reason_html(listed: dict) -> str:
    """Under a returned file: the reviewer's reason, a line each."""
    lines = (listed.get("reason") or "").splitlines()
    return "".join(f'<br><span class="note">{escape(line)}</span>' for line in lines)
