"""The identity-number rules and the pseudonym, against their plain-Python statements."""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import random
from pathlib import Path

import pyarrow as pa

from provincial_reports.privacy import pseudonym, pseudonyms
from provincial_reports.validate.resident_id import check_character, check_characters

KEY = b"test-pseudonym-key-0123456789"
VECTORS_DOC = Path(__file__).resolve().parents[1] / "docs" / "pseudonyms.md"


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


def doc_vectors() -> list[tuple[bytes, str, str]]:
    """(key, number, pseudonym) of each row of the test-vector table in docs/pseudonyms.md."""
    text = VECTORS_DOC.read_text(encoding="utf-8").split("## Test vectors", 1)[1]
    rows = [line.split("|")[1:4] for line in text.splitlines() if line.startswith("| `")]
    vectors = []
    for key, number, expected in ([cell.strip().strip("`") for cell in row] for row in rows):
        key = "k" * 80 if key.startswith("kkkk") else key
        vectors.append((key.encode(), number.replace("␠", " "), expected))
    return vectors


def test_pseudonyms_match_the_documented_vectors_and_pythons_own_hmac():
    vectors = doc_vectors()
    assert len(vectors) == 6
    for key, number, expected in vectors:
        clean = number.strip().upper().encode()
        assert hmac.new(key, clean, hashlib.sha256).hexdigest()[:32] == expected, (key, number)
        assert pseudonym(number, key) == expected
        assert pseudonyms(pa.array([number, None]), key).to_pylist() == [expected, None]


def test_whole_array_pseudonyms_agree_with_hmac_row_by_row_over_many_numbers():
    rng = random.Random(11)
    numbers = [f"{rng.randrange(10**17):017d}" + rng.choice("0123456789Xx") for _ in range(5000)]
    numbers += ["", " ", "１２３", "a" * 300]  # empty, a space only, full-width digits, longer than a block
    found = pseudonyms(pa.array(numbers), KEY).to_pylist()
    assert found == [hmac.new(KEY, n.strip().upper().encode(), hashlib.sha256).hexdigest()[:32] for n in numbers]
    assert pseudonyms(pa.array(numbers).slice(5000), KEY).to_pylist() == found[5000:]


def test_pseudonyms_still_work_in_a_process_forked_after_using_them():
    """Polars' pool of threads does not survive a fork: a child of a process that had used it would
    hang on its first pseudonym (the crash tests fork; so may a worker) unless polars runs on one."""
    numbers = pa.array([f"{n:018d}" for n in range(50_000)])
    expected = pseudonyms(numbers, KEY)
    results = multiprocessing.get_context("fork").Queue()
    in_child = multiprocessing.get_context("fork").Process(
        target=lambda: results.put(pseudonyms(numbers, KEY).to_pylist())
    )
    in_child.start()
    try:
        assert results.get(timeout=60) == expected.to_pylist()
    finally:
        in_child.join(5)
        in_child.kill()
