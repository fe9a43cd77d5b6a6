"""Identity numbers never leave the landing zone in clear: a keyed pseudonym replaces them.

The pseudonym is HMAC-SHA256 under a secret key, cut to 128 bits (hex): the same person gets the
same pseudonym in every file and period (so distinct beneficiaries and duplicate payments can
still be counted), while nobody without the key can go back from pseudonym to person, not even
by hashing all 10^17 possible numbers. The key comes from the environment
(REPORTS_PSEUDONYM_KEY) or the Airflow connection `reports_pseudonym_key` (its password); with
neither, processing personal data is refused. `make demo` sets a demo key of its own.

The HMAC is computed inside DuckDB (SQL over Arrow batches, on all cores); `pseudonym()` is the
same function in Python, for auditors looking a person up and for tests.
"""

from __future__ import annotations

import hashlib
import hmac
import os

KEY_ENV = "REPORTS_PSEUDONYM_KEY"
KEY_CONNECTION = "reports_pseudonym_key"
MIN_KEY_BYTES = 16
PSEUDONYM_HEX = 32  # 128 bits
SHA256_BLOCK = 64


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
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        return BaseHook.get_connection(KEY_CONNECTION).password
    except AirflowNotFoundException:
        return None


def pseudonym(identity_number: str, key: bytes) -> str:
    return hmac.new(key, identity_number.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def hmac_parameters(key: bytes) -> dict[str, bytes]:
    """The inner and outer padded keys of RFC 2104, the named parameters of `hmac_sql`."""
    if len(key) > SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK, b"\0")
    return {"hmac_inner": bytes(b ^ 0x36 for b in key), "hmac_outer": bytes(b ^ 0x5C for b in key)}


def hmac_sql(column: str) -> str:
    """`pseudonym()` of a text column as DuckDB SQL, bound with `hmac_parameters(key)`."""
    return f"left(sha256($hmac_outer::BLOB || unhex(sha256($hmac_inner::BLOB || encode({column})))), {PSEUDONYM_HEX})"
