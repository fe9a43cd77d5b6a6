"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, in a thread of the test's process, that
keeps what it receives and can be told to fail (451 at DATA), to refuse addresses (550 at RCPT) or
to act while a message is being accepted; and Airflow's connection `smtp_default` pointing at it,
as an operator would set it (plain SMTP, no TLS on a test port)."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from aiosmtpd.controller import Controller

SENDER = "reports@consolidation.example.cn"
# The contacts the tests give three provinces; Jiangxi has two addresses.
JIANGSU, JIANGXI, BEIJING = "tongji@js-federation.example.cn", "tongji@jx-federation.example.cn", "tj@bj.example.cn"
CONTACTS = {"320000": JIANGSU, "360000": [JIANGXI, "baosong@jx-federation.example.cn"], "110000": BEIJING}


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    subject: str
    message_id: str
    html: str


@dataclass
class Mailbox:
    """The aiosmtpd handler: every message it accepted, in order."""

    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # addresses answered 550 at RCPT
    accept: int | None = None  # accept this many more messages, then answer 451 (None: all)
    on_data: Callable[[], None] | None = None  # called once a message is kept, before the 250
    port: int = 0
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """The server gone: connections to its port are refused until `start`."""
        self.controller.stop()
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.accept is not None:
            if self.accept <= 0:
                return "451 4.3.0 mail server busy, try again later"
            self.accept -= 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        html = message.get_body(("html",)).get_content()
        self.received.append(Received(tuple(envelope.rcpt_tos), message["Subject"], message["Message-ID"], html))
        if self.on_data:
            self.on_data()
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.to]


def smtp_connection(port: int) -> str:
    """`smtp_default` as AIRFLOW_CONN_SMTP_DEFAULT: one attempt per send (Airflow's task retries do the
    retrying), a short timeout."""
    extra = {"disable_ssl": True, "disable_tls": True, "from_email": SENDER, "retry_limit": 0, "timeout": 5}
    return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": extra})


def use_contacts(tmp_path, monkeypatch, contacts: dict) -> None:
    """The contacts as an operator provides them: a YAML file that REPORTS_CONTACTS names."""
    path = tmp_path / "contacts.yaml"
    path.write_text(yaml.safe_dump({"contacts": contacts}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("REPORTS_CONTACTS", str(path))
