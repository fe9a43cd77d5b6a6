"""The outbox (REPORTS_OUTBOX): receipts and status documents written where each province reads its
own, once their answers are committed, and only what changed.

Every document is derived from the warehouse alone and written with a hash of its bytes recorded in
core.outbox_documents, inside one warehouse transaction, after the load has committed. So a
receipt never runs ahead of the warehouse; a document whose warehouse facts changed (a file
superseded or returned, a warning explained or decided) is rewritten; one a crash left unwritten is
written by the next reply, since its hash was never recorded; and a rerun writes nothing, or, asked
to rewrite everything, the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from provincial_reports.declarations import EXPLANATIONS
from provincial_reports.reply.explanation_receipts import explained_by_file, explanation_receipt
from provincial_reports.reply.receipts import (
    document_bytes,
    receipt,
    receipt_key,
    receipt_page,
    submissions_and_findings,
)
from provincial_reports.reply.status import status_documents, status_key, status_page
from provincial_reports.stores.objects import Store
from provincial_reports.stores.warehouse import Warehouse

RECORD = (
    "INSERT INTO core.outbox_documents (outbox_key, sha256, written_at) VALUES (?, ?, ?) "
    "ON CONFLICT (outbox_key) DO UPDATE SET sha256 = excluded.sha256, written_at = excluded.written_at"
)


def outbox_documents(warehouse: Warehouse) -> dict[str, bytes]:
    """Every document the outbox should hold, by key: per file its receipt (JSON and page), per
    province and period its status (JSON and page)."""
    submissions, findings = submissions_and_findings(warehouse)
    explained = explained_by_file(warehouse)
    documents = {}
    for row in submissions:
        document = receipt(row, findings.get(row["submission_id"], []))
        if row["report_type"] == EXPLANATIONS:
            document = explanation_receipt(document, explained.get(row["submission_id"], []))
        documents[receipt_key(row, "json")] = document_bytes(document)
        documents[receipt_key(row, "html")] = receipt_page(document).encode()
    for (province, period), document in status_documents(warehouse, submissions, findings).items():
        key = status_key(province, period)
        documents[key] = document_bytes(document)
        documents[key.removesuffix(".json") + ".html"] = status_page(document).encode()
    return documents


def reply_to_provinces(warehouse: Warehouse, outbox: Store, everything: bool = False) -> list[str]:
    """Write the documents whose bytes differ from those last written (all of them if `everything`),
    then record them; the keys written. The marts must be this code's: a load made them (the DAG's
    reply follows its load; `cli reply` refreshes them first)."""
    with warehouse.transaction():
        held = {r["outbox_key"]: r["sha256"] for r in warehouse.query("SELECT * FROM staging.stg_outbox_documents")}
        written = []
        for key, data in sorted(outbox_documents(warehouse).items()):
            digest = hashlib.sha256(data).hexdigest()
            if everything or held.get(key) != digest:
                outbox.write(key, data)
                written.append((key, digest))
        at = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's tables hold UTC without a zone
        for key, digest in written:
            warehouse.execute(RECORD, [key, digest, at])
    return [key for key, _ in written]
