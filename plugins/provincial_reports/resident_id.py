"""The 18-character resident identity number (GB 11643-1999), as SQL over a text column.

Layout: 6 digits of the issuing region, 8 of the birth date (YYYYMMDD), 3 of a sequence whose
last digit is odd for men and even for women, and a check character: ISO 7064 MOD 11-2 over the
first 17 digits, written 0-9 or X (for 10). The expressions expect the number trimmed and
upper-cased; `check_character` is the same rule in Python, for building test data.
"""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum modulo 11
PATTERN = r"\d{17}[\dX]"


def check_character(first_17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first_17, WEIGHTS, strict=True)) % 11]


def check_character_sql(column: str) -> str:
    """The expected 18th character of a well-formed number in `column`."""
    weighted = " + ".join(f"{w} * CAST(substr({column}, {i}, 1) AS INTEGER)" for i, w in enumerate(WEIGHTS, start=1))
    return f"substr('{CHECK_CHARACTERS}', CAST(({weighted}) % 11 AS INTEGER) + 1, 1)"


def birth_date_sql(column: str) -> str:
    """The birth date of a well-formed number, or NULL when its digits 7-14 are not a real date."""
    return f"CAST(try_strptime(substr({column}, 7, 8), '%Y%m%d') AS DATE)"


def sex_sql(column: str) -> str:
    return f"CASE WHEN CAST(substr({column}, 17, 1) AS INTEGER) % 2 = 1 THEN 'male' ELSE 'female' END"
