"""Bytes to text: which of the contract's encodings a file is in, decided from its bytes and never
guessed, and which file type its name says it is.

A text is read as UTF-8 (with or without BOM) when it is valid UTF-8, and as GB18030 (the superset
of GBK that Excel writes on Chinese Windows) only when it is not and does not look like UTF-8
either. Bytes that are UTF-8 except for a few invalid sequences (a character cut in the middle, as
export systems that cut text at a byte limit leave it, or a stray byte) are refused with the place
and the cut text shown: GB18030 decodes almost any byte string, so re-reading them as GB18030 would
turn every Chinese text of the file into other, equally Chinese-looking characters (黑龙江省工会 into
榛戦緳姹熺渷宸ヤ細). GB18030 text holding private-use characters is refused too.

The rule, measured (docs/input-handling.md, "Encodings"): of the non-ASCII bytes, the share that
forms valid UTF-8 sequences. UTF-8 text with a few bad sequences scores near 1; GBK text scores at
most 0.7 once it has more than 20 non-ASCII bytes. A text is "UTF-8 with damage" when at least
UTF8_SHARE of its non-ASCII bytes are valid UTF-8, or when every bad sequence is a character cut
short and at least CUT_SHARE are.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from provincial_reports.read import Unreadable

UTF8_SHARE = 0.9
CUT_SHARE = 0.8
MAX_COUNTED = 50  # bad sequences looked at; beyond that, the bytes are not damaged UTF-8
CONTEXT_CHARS = 24
PRIVATE_USE = ("\ue000", "\uf8ff")
CUT_REASONS = ("invalid continuation byte", "unexpected end of data")


NEITHER = "the text is neither UTF-8 nor GB18030/GBK (文件编码不是UTF-8或GB18030/GBK)"


def suffix_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def encoding_of(data: bytes, *, head: bool = False) -> str:
    """'utf-8-sig' or 'gb18030', or Unreadable with the reason. The `head` of a larger file is judged
    up to its last line end, so that a character cut by where the read stopped does not count.
    UTF-16 (Excel's "Unicode Text") is outside the contract and is named as such."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable(
            "the text is UTF-16 (Excel's 'Unicode Text'), neither UTF-8 nor GB18030/GBK: save it as "
            "'CSV UTF-8' (文件编码为UTF-16，不是UTF-8或GB18030/GBK，请另存为“CSV UTF-8”)"
        )
    complete = not head or b"\n" in data
    judged = data[: data.rfind(b"\n") + 1] if head and complete else data
    bad = _bad_utf8_sequences(judged, final=complete)
    if not bad:
        return "utf-8-sig"
    if _is_damaged_utf8(judged, bad):
        raise Unreadable(_damaged_utf8_message(judged, bad))
    try:
        text = judged.decode("gb18030")
    except UnicodeDecodeError as exc:
        if not head:
            raise Unreadable(NEITHER) from exc
        return "gb18030"  # not GB18030 further on either: the reader says so where it meets them
    if "\x00" not in text:  # NUL bytes are named as such by decode_text
        _refuse_private_use(text)
    return "gb18030"


def sniffing_encoding(head: bytes) -> str:
    """The encoding to look for a header row in (never refusing): what encoding_of would read the
    head in, or, for bytes it refuses, UTF-8 when they look like it, so that the file is still
    recognised and then refused with the reason."""
    try:
        return encoding_of(head, head=True)
    except Unreadable:
        bad = _bad_utf8_sequences(head, final=False)
        return "utf-8-sig" if _is_damaged_utf8(head, bad) else "gb18030"


def decode_text(data: bytes) -> str:
    """The whole file as text. NUL bytes mean a binary file or UTF-16 without its BOM, which
    GB18030 would otherwise decode as garbage."""
    text = data.decode(encoding_of(data))
    if "\x00" in text:
        raise Unreadable(
            "the file contains NUL bytes: it is binary or UTF-16 text, not a CSV or JSON file "
            "(文件含有NUL字节，不是文本文件)"
        )
    return text


@dataclass(frozen=True)
class BadSequence:
    start: int
    end: int
    reason: str

    @property
    def is_cut(self) -> bool:
        """A lead byte (and its continuation bytes so far) not followed by the rest of its character."""
        return self.reason in CUT_REASONS


def _bad_utf8_sequences(data: bytes, final: bool = True) -> list[BadSequence]:
    """The first MAX_COUNTED + 1 invalid UTF-8 sequences; with `final` False a character cut by the
    end of `data` (a head read from a longer file) is not counted."""
    found, position = [], 0
    while len(found) <= MAX_COUNTED:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(data[position:], final=final)
            break
        except UnicodeDecodeError as exc:
            found.append(BadSequence(position + exc.start, position + exc.end, exc.reason))
            position += exc.end
    return found


def _utf8_share(data: bytes) -> float:
    """Of the bytes above 0x7F, the share that are part of a valid UTF-8 sequence."""
    high = sum(1 for b in data if b > 0x7F)
    if not high:
        return 1.0
    bad = sum(1 for c in data.decode("utf-8", errors="surrogateescape") if "\udc80" <= c <= "\udcff")
    return (high - bad) / high


def _is_damaged_utf8(data: bytes, bad: list[BadSequence]) -> bool:
    if not bad or len(bad) > MAX_COUNTED:
        return False
    share = _utf8_share(data)
    return share >= UTF8_SHARE or (all(b.is_cut for b in bad) and share >= CUT_SHARE)


def _damaged_utf8_message(data: bytes, bad: list[BadSequence]) -> str:
    first = bad[0]
    line = data.count(b"\n", 0, first.start) + 1
    line_start = data.rfind(b"\n", 0, first.start) + 1
    before = data[line_start : first.start].decode("utf-8", errors="replace").lstrip("\ufeff")[-CONTEXT_CHARS:]
    shown = f"{before}\ufffd"
    many = f"{len(bad)} invalid byte sequences" if len(bad) > 1 else "one invalid byte sequence"
    kind = "a character cut in the middle" if first.is_cut else "bytes that are not UTF-8"
    return (
        f"the text is neither UTF-8 nor GB18030/GBK: it is UTF-8 except for {many}, the first at byte "
        f"{first.start} (line {line}): '{shown}', {kind} (as systems that cut text at a byte limit leave it); "
        "save or export the file again as complete UTF-8 "
        f"(文件既不是有效的UTF-8也不是GB18030/GBK编码：它是UTF-8编码，但有{len(bad)}处无效字节，第一处在第{line}行"
        f"（第{first.start}字节）：“{shown}”，字符可能被截断；请重新导出为完整的UTF-8文件)"
    )


def _refuse_private_use(text: str) -> None:
    """GB18030 text holding private-use characters (GBK's user-defined areas, stray bytes paired
    with their neighbours) has no meaning outside the computer that wrote it: refused, with where."""
    at = next((i for i, c in enumerate(text) if PRIVATE_USE[0] <= c <= PRIVATE_USE[1]), None)
    if at is None:
        return
    line = text.count("\n", 0, at) + 1
    before = text[text.rfind("\n", 0, at) + 1 : at][-CONTEXT_CHARS:]
    raise Unreadable(
        f"the text is neither UTF-8 nor GB18030/GBK that means one thing: read as GB18030 it holds a "
        f"private-use character (U+{ord(text[at]):04X}) on line {line}, after '{before}' (stray bytes, or a "
        "character only the sending computer knows); save the file as UTF-8 "
        f"(文件按GB18030读取时第{line}行“{before}”之后出现自定义区字符（U+{ord(text[at]):04X}），"
        "可能含有错误字节或自造字；请另存为UTF-8)"
    )
