"""The provinces' contacts: who hears from the pipeline in each province (answers, reminders).

Deployment data, not code: the operator provides them as a YAML or JSON file named by
REPORTS_CONTACTS, or as the Airflow Variable `reports_contacts` holding the same text; the format
is `deploy/contacts.example.yaml`. With neither, nobody is written to and the tasks say so.
A list that cannot be read at all is the operator's to fix and stops the sending; one wrong address
is its province's problem only: that province's messages fail, named in the task log, and every
other province's go out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CONTACTS_ENV = "REPORTS_CONTACTS"
CONTACTS_VARIABLE = "reports_contacts"
# One plain address, local@domain.tld, in ASCII: no display name, no list, nothing a mail header
# could split. An internationalised address is refused: the SMTP provider sends ASCII only.
ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class ContactsError(ValueError):
    """The contacts as a whole cannot be read: where they came from and what is wrong."""


class BadAddress(ValueError):
    """A province's contact that is not an e-mail address."""


@dataclass(frozen=True)
class Contacts:
    source: str  # where they came from, as the log names it
    by_province: dict[str, tuple[str, ...]]

    def addresses(self, province_code: str) -> tuple[str, ...]:
        """The province's addresses (none when it has no entry); BadAddress naming the first that
        is not an address, so that a mistyped contact is never half written to."""
        addresses = self.by_province.get(province_code, ())
        for address in addresses:
            if not ADDRESS.fullmatch(address):
                raise BadAddress(f"{province_code}: {address!r} in {self.source} is not an e-mail address")
        return addresses


def configured_contacts() -> Contacts | None:
    """The contacts REPORTS_CONTACTS names, else those of the Airflow Variable; None when neither is set."""
    path = os.environ.get(CONTACTS_ENV)
    if path:
        try:
            return parse_contacts(Path(path).read_text(encoding="utf-8"), f"{CONTACTS_ENV}={path}")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContactsError(f"{CONTACTS_ENV}={path}: cannot be read: {exc}") from exc
    text = airflow_variable(CONTACTS_VARIABLE)
    return None if text is None else parse_contacts(text, f"the Airflow Variable {CONTACTS_VARIABLE}")


def parse_contacts(text: str, source: str) -> Contacts:
    """`contacts:` mapping each province code to an address or a list of them (YAML or JSON)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContactsError(f"{source}: not YAML or JSON: {exc}") from exc
    entries = doc.get("contacts") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        raise ContactsError(
            f"{source}: expected `contacts:` mapping province codes to e-mail addresses (deploy/contacts.example.yaml)"
        )
    return Contacts(source, {str(code): _listed(value) for code, value in entries.items()})


def unknown_provinces(contacts: Contacts, known: set[str]) -> list[str]:
    """Codes in the contacts that are no declared province: nobody there is ever written to."""
    return sorted(set(contacts.by_province) - known)


def _listed(value: object) -> tuple[str, ...]:
    """An entry's addresses as text; whatever else an entry holds (a number, a mapping) stays, to be
    refused as an address for that province alone."""
    if value is None:
        return ()
    return tuple(str(v).strip() for v in (value if isinstance(value, list) else [value]))


def airflow_variable(key: str) -> str | None:
    """An Airflow Variable's text, or None without Airflow or without that Variable."""
    try:
        from airflow.sdk import Variable
    except ImportError:
        return None
    return Variable.get(key, default=None)
