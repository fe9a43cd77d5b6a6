"""The identity-number rules and the pseudonym, against their plain-Python statements."""

from __future__ import annotations

import random

import pyarrow as pa

from provincial_reports.privacy import pseudonym, pseudonyms
from provincial_reports.validate.resident_id import check_character, check_characters

KEY = b"test-pseudonym-key-0123456789"


def test_bulk_check_characters_agree_with_the_standard_one_by_one():
    rng = random.Random(7)
    bodies = [f"{rng.randrange(10**17):017d}" for _ in range(2000)]
    numbers = pa.array([b + "0" for b in bodies])
    assert check_characters(numbers).to_pylist() == [check_character(b) for b in bodies]
    assert "X" in {check_character(b) for b in bodies}  # the 10 case is covered


def test_the_published_example_number():
    assert check_character("11010519491231002") == "X"  # GB 11643-1999's own example


def test_malformed_numbers_have_no_check_character_and_slices_are_honoured():
    numbers = pa.array(["11010519491231002X", None, "123", " 11010519491231002x ", "1101051949123100"])
    assert check_characters(numbers).to_pylist() == ["X", None, None, "X", None]
    assert check_characters(numbers.slice(3)).to_pylist() == ["X", None]


def test_eighteen_characters_that_are_not_digits_and_a_check_have_no_check_character():
    almost = [
        "1101051949123100X2",  # X before the end
        "11010519491231002Y",
        "11010519491231002/",  # the characters either side of the digits
        "11010519491231002:",
        "/1010519491231002X",
        "1101051949123100２X",  # a full-width digit: 18 characters, more bytes
        "110105194912310 2X",
    ]
    assert check_characters(pa.array(almost)).to_pylist() == [None] * len(almost)


def test_pseudonyms_are_keyed_stable_and_ignore_case_and_spaces():
    numbers = pa.array(["11010519491231002X", " 11010519491231002x", None])
    assert pseudonyms(numbers, KEY).to_pylist() == [pseudonym("11010519491231002X", KEY)] * 2 + [None]
    assert pseudonym("11010519491231002X", KEY) != pseudonym("11010519491231002X", KEY[::-1])
    assert len(pseudonym("11010519491231002X", KEY)) == 32
    assert pseudonym("11010519491231002X", b"k" * 100) == pseudonym("11010519491231002X", b"k" * 100)
