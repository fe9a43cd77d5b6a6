"""Sending messages to the provinces' contacts through Airflow's SMTP provider, each at most once
across retries and reruns, and at least once across crashes.

Each message has an id saying what it is about (`answer/<submission id>`,
`reminder/<report type>/<province>/<period>/<days from due>`). ingest.messages_sent holds the id of
every message the mail server accepted, and a message whose id is there is not sent again. The row
is committed right after the server accepts the message, one message at a time, so a task that
fails half-way (the server down, a retry) keeps what it sent and its retry sends only the rest.

A crash between the server's acceptance and that commit (the worker killed, the warehouse gone at
that moment) leaves the message sent but not recorded, and the retry sends it again: one
duplicate at most per crash, carrying the same Message-ID header (mail clients that thread by it
show it once). Recording first and sending second would turn that same crash into a message never
sent while the ledger says it was: a province not told that its file was rejected, or that its
report is overdue, with nothing anywhere to show it. A duplicate costs a province official a
glance; a lost rejection costs the national report that province's figures.

Failures: a server that cannot be reached or refuses a message for a while (4xx) fails the task,
which Airflow retries; a province whose contact is not an address, or whose addresses the server
refuses for good (5xx), is named in the log and fails the task only after every other province's
message has gone out (`SendFailed`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256

from provincial_reports.reply.contacts import BadAddress, Contacts
from provincial_reports.stores.warehouse import create_tables, opened

SMTP_CONNECTION = "smtp_default"
SENT = "SELECT message_id FROM ingest.messages_sent"
RECORD = (
    "INSERT INTO ingest.messages_sent (message_id, kind, province_code, report_type, period, submission_id, "
    "answer, days_from_due, recipients, subject, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"  # a second copy of the task sent it at the same time: one row is the record
)


@dataclass(frozen=True)
class Message:
    message_id: str
    kind: str  # answer, reminder, overdue
    province_code: str
    subject: str
    html: str
    report_type: str | None = None
    period: str | None = None
    submission_id: str | None = None
    answer: str | None = None
    days_from_due: int | None = None


class SendFailed(RuntimeError):
    """Some provinces' messages could not be sent for a reason of theirs (their contacts): the task
    fails, saying which, after the others went out."""


class AddressesRefused(RuntimeError):
    """The mail server refused every address of a province for good (5xx): a wrong contact."""


def unsent(warehouse_url: str, messages: Iterable[Message]) -> list[Message]:
    """The messages the ledger does not hold; the ledger created if the warehouse predates it."""
    with opened(warehouse_url) as warehouse:
        with warehouse.transaction():
            create_tables(warehouse)
        sent = {r["message_id"] for r in warehouse.query(SENT)}
    return [m for m in messages if m.message_id not in sent]


def send_all(warehouse_url: str, messages: list[Message], contacts: Contacts) -> str:
    """Send every message not yet sent, recording each as soon as the server accepted it, with a
    line in the log for each; a line saying how many. SendFailed at the end if some provinces'
    contacts failed; any other failure at once. The mail server is not called when no message has
    anyone to go to, nor the warehouse when there is no message."""
    if not messages:
        return "no message to send"
    pending, failed = unsent(warehouse_url, messages), []
    deliveries = []
    for message in pending:
        try:
            to = contacts.addresses(message.province_code)
        except BadAddress as exc:
            failed.append(_not_sent(message, exc))
            continue
        if to:
            deliveries.append((message, to))
        else:
            print(f"NOT SENT {message.message_id}: {contacts.source} lists no contact for {message.province_code}")
    sent = _deliver(warehouse_url, deliveries, failed) if deliveries else 0
    summary = f"{sent} message(s) sent, {len(messages) - len(pending)} sent before"
    if failed:
        advice = f"{summary}; {len(failed)} not sent: fix the contacts, then clear the task"
        raise SendFailed("\n".join([*failed, advice]))
    return summary


def _deliver(warehouse_url: str, deliveries: list[tuple[Message, tuple[str, ...]]], failed: list[str]) -> int:
    """Over one SMTP connection, each message sent and then recorded; how many were sent."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    sent = 0
    with SmtpHook(smtp_conn_id=SMTP_CONNECTION) as hook:
        for message, to in deliveries:
            try:
                _send(hook, message, to)
            except AddressesRefused as exc:
                failed.append(_not_sent(message, exc))
                continue
            _record(warehouse_url, message, to)
            sent += 1
            print(f"SENT {message.message_id} to {message.province_code} ({len(to)} address(es))", flush=True)
    return sent


def _not_sent(message: Message, why: Exception) -> str:
    line = f"NOT SENT {message.message_id}: {why}"
    print(line, flush=True)
    return line


def _send(hook: object, message: Message, to: tuple[str, ...]) -> None:
    """Through the SMTP connection; a refusal of the addresses that is permanent is the province's
    (AddressesRefused), anything else (the server down, 4xx: try later) propagates and fails the task."""
    try:
        hook.send_email_smtp(
            to=list(to),
            subject=message.subject,
            html_content=message.html,
            custom_headers={"Message-ID": message_header_id(message.message_id)},
        )
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        if all(code >= 500 for code in codes):
            refused = ", ".join(f"{a} ({c} {r.decode(errors='replace')})" for a, (c, r) in exc.recipients.items())
            raise AddressesRefused(f"{message.province_code}: the mail server refused {refused}") from exc
        raise


def message_header_id(message_id: str) -> str:
    """The Message-ID header: the same for every copy of one message, so a duplicate is recognisable."""
    return f"<{sha256(message_id.encode()).hexdigest()[:32]}@provincial-reports>"


def _record(warehouse_url: str, message: Message, to: tuple[str, ...]) -> None:
    """One row, committed at once; a connection of its own, so that the warehouse is not held
    (DuckDB: locked to other processes) while the mail server is talked to."""
    at = datetime.now(UTC).replace(tzinfo=None)  # the warehouse's tables hold UTC without a zone
    row = [
        message.message_id,
        message.kind,
        message.province_code,
        message.report_type,
        message.period,
        message.submission_id,
        message.answer,
        message.days_from_due,
        ", ".join(to),
        message.subject,
        at,
    ]
    with opened(warehouse_url) as warehouse, warehouse.transaction():
        warehouse.execute(RECORD, row)
