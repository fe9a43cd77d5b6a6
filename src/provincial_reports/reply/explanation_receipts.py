"""The receipt of an explanation file (强制上报说明, read/explanations.py): what it explained, or why
it explained nothing. A receipt like any file's (reply/receipts.py), with the answer in the words
of an explanation and the explanations it recorded, each with the file it explains.
"""

from __future__ import annotations

from collections import defaultdict

from provincial_reports.stores.warehouse import Warehouse

EXPLAINED = """
SELECT e.source_id, e.submission_id, s.source, e.org_unit_code, e.metric, e.explanation, e.explained_by
FROM staging.stg_explanations AS e
JOIN mart.submissions AS s ON s.submission_id = e.submission_id
ORDER BY e.source_id, e.submission_id, e.org_unit_code, e.metric
"""
# What an explanation file's status means to the province: (zh, en).
MEANINGS = {
    "accepted": (
        "说明已记录：下列说明已对应到本省本报告期现行有效的文件，待全国总工会复核。",
        "explanations recorded: each one below is matched to the file in force of this province and period,"
        " for the national federation's reviewers.",
    ),
    "rejected": (
        "说明未记录：请按下列问题改正后重新上传；如尚未上传被说明的报表，请先上传报表，待其回执后再上传说明（文件须有改动或更名）。",
        "no explanation recorded: fix what is listed below and upload it again; if the report it explains is not"
        " in yet, upload the report first and the explanation after its receipt (changed, or under a new name).",
    ),
}


def explained_by_file(warehouse: Warehouse) -> dict[str, list[dict]]:
    """The explanations each file recorded, by the file's own submission id."""
    explained = defaultdict(list)
    for row in warehouse.query(EXPLAINED):
        explained[row.pop("source_id")].append(row)
    return explained


def explanation_receipt(document: dict, explained: list[dict]) -> dict:
    """A receipt made by reply/receipts.py, for an explanation file."""
    zh, en = MEANINGS[document["status"]]
    return {**document, "answer": {"zh": zh, "en": en}, "explained": explained}
