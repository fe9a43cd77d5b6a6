"""Nothing ambiguous is read as if it were clear (issue 18): a JSON document that says one thing
twice is refused with the key named, and bytes that are UTF-8 except for a few invalid sequences
are refused with the place and the cut text, never re-read as GB18030 (mojibake). Real GBK and
GB18030 files are still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_read import REPORT, assert_clean, cell, city_row, csv_bytes, en, json_bytes, valid_row

from provincial_reports.declarations import report_types
from provincial_reports.read import Unreadable
from provincial_reports.read.batches import open_batches
from provincial_reports.read.tables import read_submission

HEILONGJIANG = "黑龙江省工会"

# --- JSON that says one thing twice -------------------------------------------------------------------


def test_a_key_given_twice_in_a_row_object_is_refused_with_the_key_named():
    text = json.dumps([valid_row(workers_hardship=228197)], ensure_ascii=False)
    twice = text.replace('"workers_hardship": 228197', '"workers_hardship": 228197, "workers_hardship": 22819')
    assert twice != text and json.loads(twice)[0]["workers_hardship"] == 22819  # what json.loads does
    with pytest.raises(Unreadable) as refused:
        read_submission(twice.encode(), "report.json")
    message = str(refused.value)
    assert "'workers_hardship'" in message and "twice" in message
    assert "“workers_hardship”" in message and "重复" in message  # both languages


def test_rows_given_twice_is_refused():
    first = json.dumps([valid_row()], ensure_ascii=False)
    second = json.dumps([valid_row(funds_total=1)], ensure_ascii=False)
    data = f'{{"rows": {first}, "rows": {second}}}'.encode()
    with pytest.raises(Unreadable, match=r"'rows'.*twice"):
        read_submission(data, "report.json")


def test_a_key_given_twice_in_a_nested_object_is_refused_too():
    data = b'[{"period": "2025-01", "org_unit_code": {"a": 1, "a": 2}, "funds_total": 1}]'
    with pytest.raises(Unreadable, match=r"'a'.*twice"):
        read_submission(data, "report.json")


def test_json_with_every_key_once_is_read_as_before():
    for wrapped in (False, True):
        assert_clean(read_submission(json_bytes([valid_row(), city_row()], wrapped), "report.json"))


# --- no mojibake --------------------------------------------------------------------------------------


def cut_utf8(text: str, keep_bytes: int) -> bytes:
    """`text` in UTF-8 cut after `keep_bytes` bytes, as an export limited to N bytes leaves it."""
    return text.encode("utf-8")[:keep_bytes]


def csv_with_name(name: bytes, heading=None) -> bytes:
    marker = "NAME-PLACEHOLDER"
    options = {"heading": heading} if heading else {}
    return csv_bytes([valid_row(org_unit_name=marker), city_row()], "utf-8", **options).replace(marker.encode(), name)


@pytest.mark.parametrize("keep", [1, 2, 4, 5, 16, 17])  # every cut inside a 3-byte character
@pytest.mark.parametrize("heading", ["zh", "en"])
def test_utf8_cut_in_the_middle_of_a_character_is_refused_with_the_place_and_the_cut_text(keep, heading):
    name = cut_utf8(HEILONGJIANG, keep)
    with pytest.raises(UnicodeDecodeError):
        name.decode("utf-8")
    data = csv_with_name(name, en if heading == "en" else None)
    with pytest.raises(Unreadable) as refused:
        read_submission(data, "report.csv")
    message = str(refused.value)
    line_two = data.index(b"\n") + 1
    assert data[line_two:].startswith(b"2025-01,360000,")
    position = line_two + len(b"2025-01,360000,") + len(name.decode("utf-8", errors="ignore").encode())
    assert f"at byte {position} (line 2)" in message, message
    whole = name.decode("utf-8", errors="ignore")
    assert f"{whole}\ufffd'" in message, message  # the cut text, as far as it goes
    assert "neither UTF-8 nor GB18030" in message and "截断" in message


def issue_file(harbin: bytes) -> bytes:
    """English headers, Heilongjiang's own row whole, Harbin's name as given."""
    rows = [valid_row(org_unit_name=HEILONGJIANG), city_row(org_unit_name="CITY")]
    return csv_bytes(rows, heading=en).replace(b"CITY", harbin)


def test_the_issues_file_is_no_longer_read_as_mojibake():
    """The file of issue 18: one name cut at a byte limit, and every name was stored as mojibake,
    黑龙江省工会 as 榛戦緳姹熺渷宸ヤ細."""
    data = issue_file(cut_utf8("哈尔滨市总工会", 8))
    assert "榛戦緳姹熺渷宸ヤ細" in data.decode("gb18030")  # the reading the old fallback gave
    with pytest.raises(Unreadable, match=r"UTF-8 except for one invalid byte sequence.*'2025-01,360100,哈尔\ufffd'"):
        read_submission(data, "report.csv")


def test_utf8_with_a_stray_byte_is_refused_with_the_place():
    data = issue_file("哈尔滨".encode() + b"\xb5" + "市总工会".encode())
    with pytest.raises(Unreadable, match=r"UTF-8 except for one invalid byte sequence.*哈尔滨\ufffd.*not UTF-8"):
        read_submission(data, "report.csv")


def test_utf8_cut_in_several_names_names_how_many_and_the_first():
    rows = [valid_row(org_unit_name=f"NAME{i}") for i in range(5)]
    data = csv_bytes(rows)
    for i in range(5):
        data = data.replace(f"NAME{i}".encode(), cut_utf8(f"第{i}市总工会", 8))
    with pytest.raises(Unreadable, match="UTF-8 except for 5 invalid byte sequences, the first at byte"):
        read_submission(data, "report.csv")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
@pytest.mark.parametrize("heading", ["zh", "en"])
def test_real_gbk_and_gb18030_files_are_still_read(encoding, heading):
    name = "𠀀黑龙江省工会" if encoding == "gb18030" else HEILONGJIANG
    data = csv_bytes(
        [valid_row(org_unit_name=name), city_row()], encoding, **({"heading": en} if heading == "en" else {})
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read_submission(data, "report.csv")
    assert_clean(table)
    assert cell(table, "org_unit_name") == name


@pytest.mark.parametrize(
    "stray",
    [b"\xff", b"\x80", b"\xaa\xa1"],  # never GBK lead bytes / a pair in GBK's user-defined area
)
def test_gbk_with_stray_bytes_is_refused(stray):
    data = csv_bytes([valid_row(org_unit_name="江西省总工会"), city_row()], "gbk")
    data = data.replace("总工会".encode("gbk"), "总".encode("gbk") + stray + "工会".encode("gbk"), 1)
    with pytest.raises(Unreadable, match="neither UTF-8 nor GB18030"):
        read_submission(data, "report.csv")


def test_the_corpus_gbk_file_is_read_as_gbk():
    from corpus.build import FILES

    table = read_submission((FILES / "good-gbk.csv").read_bytes(), "good-gbk.csv")
    assert "工会" in cell(table, "org_unit_name")


# --- the same rule for beneficiary-level records, read in batches ---------------------------------------

RECORDS = next(rt for rt in report_types().values() if rt.records)


def records_csv(name_bytes: bytes, encoding: str = "utf-8") -> bytes:
    header = ",".join(c.label_zh for c in RECORDS.columns).encode(encoding)
    row = b",".join(name_bytes if c.type == "category" else b"x" for c in RECORDS.columns)
    return header + b"\n" + row + b"\n"


def test_a_records_csv_cut_in_a_character_is_refused_not_read_as_gb18030(tmp_path: Path):
    path = tmp_path / "records.csv"
    path.write_bytes(records_csv(cut_utf8("困难职工", 5)))
    with pytest.raises(Unreadable, match=r"UTF-8 except for one invalid byte sequence.*line 2"):
        open_batches(path, "records.csv", RECORDS)


def test_a_gbk_records_csv_is_still_read(tmp_path: Path):
    path = tmp_path / "records.csv"
    path.write_bytes(records_csv("困难职工".encode("gbk"), "gbk"))
    source = open_batches(path, "records.csv", RECORDS)
    [batch] = list(source.batches)
    category = next(c.name for c in RECORDS.columns if c.type == "category")
    assert batch.column(category).to_pylist() == ["困难职工"]
    assert REPORT is not RECORDS
