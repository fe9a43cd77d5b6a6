"""`make demo`'s mail server: SMTP on 127.0.0.1 for as long as a command runs, every message it
receives kept as one file in a maildir (aiosmtpd's Mailbox handler). The demo's answers to the
provinces and its reminders are then really sent, through Airflow's SMTP provider on
`smtp_default` as in production, to the example contacts (deploy/contacts.example.yaml), and can
be read afterwards without a mail account. aiosmtpd is a development requirement: the demo runs
from the project's .venv, which has it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_with_mailbox(maildir: Path, port: int, command: list[str]) -> int:
    """`command`'s exit status, run while the server takes mail on `port` into `maildir`."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    maildir.parent.mkdir(parents=True, exist_ok=True)
    server = Controller(Mailbox(maildir), hostname="127.0.0.1", port=port)
    server.start()
    try:
        return subprocess.run(command).returncode
    finally:
        server.stop()
        kept = len(list((maildir / "new").iterdir())) if (maildir / "new").is_dir() else 0
        print(f"Messages to the provinces (answers, reminders): {kept} in the maildir {maildir}")
