"""Identity numbers never leave the landing zone in clear: a keyed pseudonym replaces them, and a
number quoted in an answer is masked.

The pseudonym is keyed BLAKE2b (128 bits, hex) of the trimmed, upper-cased number: the same person
gets the same pseudonym in every file and period (so distinct beneficiaries and duplicate
payments can still be counted), while nobody without the key can go back from pseudonym to
person, not even by hashing all 10^17 possible numbers. The key comes from the environment
(REPORTS_PSEUDONYM_KEY) or the Airflow connection `reports_pseudonym_key` (its password); with
neither, processing personal data is refused. `make demo` sets a demo key of its own.
"""

from __future__ import annotations

import hashlib
import os
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from provincial_reports.stores.secrets import airflow_connection
from provincial_reports.validate.resident_id import cleaned

KEY_ENV = "REPORTS_PSEUDONYM_KEY"
KEY_CONNECTION = "reports_pseudonym_key"
MIN_KEY_BYTES = 16
PSEUDONYM_BYTES = 16  # 128 bits
# Masking keeps the issuing region (the first 6 characters) and the last 4, as a bank statement does.
SHOWN_FIRST, SHOWN_LAST = 6, 4
IDENTITY_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


class MissingPseudonymKey(RuntimeError):
    """No usable key: personal data must not be processed (a deployment error, not the province's)."""


def pseudonym_key() -> bytes:
    key = os.environ.get(KEY_ENV) or _key_from_airflow()
    if not key:
        raise MissingPseudonymKey(
            f"refusing to process identity numbers: no pseudonymisation key in {KEY_ENV} "
            f"or in the Airflow connection '{KEY_CONNECTION}'"
        )
    if len(key.encode()) < MIN_KEY_BYTES:
        raise MissingPseudonymKey(f"refusing a pseudonymisation key shorter than {MIN_KEY_BYTES} bytes")
    return key.encode()


def _key_from_airflow() -> str | None:
    connection = airflow_connection(KEY_CONNECTION)
    return connection.password if connection else None


def pseudonym(identity_number: str, key: bytes) -> str:
    """What an auditor holding the key computes to find one person's payments."""
    clean = identity_number.strip().upper().encode()
    return hashlib.blake2b(clean, key=_blake2b_key(key), digest_size=PSEUDONYM_BYTES).hexdigest()


def pseudonyms(numbers: pa.Array, key: bytes) -> pa.Array:
    """`pseudonym` of every number in a batch (null stays null), at a third of the cost of calling
    it row by row: the key is absorbed once into a prototype that each row copies, the numbers
    reach hashlib as bytes straight from Arrow, and the digests are hex-encoded all at once."""
    keyed = hashlib.blake2b(key=_blake2b_key(key), digest_size=PSEUDONYM_BYTES).copy
    clean = cleaned(numbers).cast(pa.binary()).fill_null(b"")
    digests = b"".join([_digest(keyed(), n) for n in clean.to_pylist()])
    width = 2 * PSEUDONYM_BYTES
    offsets = np.arange(0, width * len(clean) + 1, width, dtype=np.int32)
    hexed = pa.StringArray.from_buffers(len(clean), pa.py_buffer(offsets), pa.py_buffer(digests.hex().encode()))
    return pc.if_else(pc.is_null(numbers), pa.scalar(None, pa.string()), hexed)


def _digest(h: hashlib.blake2b, data: bytes) -> bytes:
    h.update(data)
    return h.digest()


def _blake2b_key(key: bytes) -> bytes:
    """BLAKE2b takes keys of up to 64 bytes; a longer secret is condensed to 64 first."""
    return key if len(key) <= hashlib.blake2b.MAX_KEY_SIZE else hashlib.blake2b(key).digest()


def mask_identity_numbers(text: str) -> str:
    """Any identity number quoted in a text keeps its region and last four characters only."""
    return IDENTITY_NUMBER.sub(r"\1" + "*" * (18 - SHOWN_FIRST - SHOWN_LAST) + r"\2", text)


def masked_sql(column: str) -> str:
    """The same rule in SQL, for a value of any length: one of SHOWN_FIRST + SHOWN_LAST characters or
    fewer is starred whole."""
    shown = SHOWN_FIRST + SHOWN_LAST
    return (
        f"CASE WHEN length({column}) > {shown} THEN left({column}, {SHOWN_FIRST}) || "
        f"repeat('*', length({column}) - {shown}) || right({column}, {SHOWN_LAST}) "
        f"ELSE repeat('*', length({column})) END"
    )
