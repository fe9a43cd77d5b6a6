"""Identity numbers never leave the landing zone in clear: a keyed pseudonym replaces them, and a
number quoted in an answer is masked.

The pseudonym is HMAC-SHA-256 of the trimmed, upper-cased number under the key, its first 128 bits
in hex (docs/pseudonyms.md: the exact definition and test vectors): the same person gets the same
pseudonym in every file and period (so distinct beneficiaries and duplicate payments can still be
counted), while nobody without the key can go back from pseudonym to person, not even by hashing
all 10^17 possible numbers. Over a batch it is computed in native code, a whole array at a time.
The key comes from the environment (REPORTS_PSEUDONYM_KEY) or the Airflow connection
`reports_pseudonym_key` (its password); with neither, processing personal data is refused.
`make demo` sets a demo key of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

import pyarrow as pa

from provincial_reports.stores.secrets import airflow_connection
from provincial_reports.validate.resident_id import cleaned

KEY_ENV = "REPORTS_PSEUDONYM_KEY"
KEY_CONNECTION = "reports_pseudonym_key"
MIN_KEY_BYTES = 16
PSEUDONYM_BYTES = 16  # 128 bits
POLARS_THREADS = "POLARS_MAX_THREADS"
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
    return hmac.new(key, clean, hashlib.sha256).hexdigest()[: 2 * PSEUDONYM_BYTES]


def pseudonyms(numbers: pa.Array, key: bytes) -> pa.Array:
    """`pseudonym` of every number in a batch (null stays null), over the whole array in native
    code (polars-hash's HMAC-SHA-256), a fraction of the cost of hashing row by row in Python."""
    # Polars on one thread, set before its first import: worker processes are the parallelism, as
    # for a worker's DuckDB, and a process forked after polars' pool of threads had started would
    # deadlock on its first use of polars (the crash tests fork, so may a worker).
    os.environ.setdefault(POLARS_THREADS, "1")
    import polars as pl
    import polars_hash  # registers the `chash` namespace on polars expressions  # noqa: F401

    frame = pl.DataFrame({"number": cleaned(numbers)})
    hexed = frame.select(pl.col("number").chash.hmac_sha256(key=key.decode()).str.head(2 * PSEUDONYM_BYTES))
    return hexed.to_series().to_arrow().cast(pa.string())


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
