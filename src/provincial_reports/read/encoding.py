"""Which of the contract's encodings a text upload is in, decided from its bytes and never guessed.

A text is read as UTF-8 when it is valid UTF-8, and as GB18030 (the superset of GBK that Excel
writes) only when it is not and does not look like UTF-8 either. Bytes that are UTF-8 except for a
few invalid sequences (a character cut in the middle, as export systems that cut text at a byte
limit leave it, or a stray byte) are refused with the place and the cut text shown: GB18030 decodes
almost any byte string, so re-reading them as GB18030 would turn every Chinese text of the file into
other, equally Chinese-looking characters (黑龙江省工会 into 榛戦緳姹熺渷宸ヤ細).

The rule, measured (docs/input-handling.md): of the non-ASCII bytes, the share that forms valid UTF-8
sequences. UTF-8 text with a few bad sequences scores near 1; GBK text scores at most 0.7 once it
has more than 20 non-ASCII bytes (50,000 random GBK tables). A text is "UTF-8 with damage" when at
least UTF8_SHARE of its non-ASCII bytes are valid UTF-8, or when every bad sequence is a character
cut short and at least CUT_SHARE are.
"""

from __future__ import annotations

import codecs
import contextlib
from dataclasses import dataclass

UTF8_SHARE = 0.9
CUT_SHARE = 0.8
MAX_COUNTED = 50  # bad sequences looked at; beyond that, the bytes are not damaged UTF-8
CONTEXT_CHARS = 24
PRIVATE_USE = ("\ue000", "\uf8ff")
CUT_REASONS = ("invalid continuation byte", "unexpected end of data")


class EncodingRefused(ValueError):
    """Bytes that could be read two ways; the message (English and Chinese) says where and why."""


@dataclass(frozen=True)
class BadSequence:
    start: int
    end: int
    reason: str

    @property
    def is_cut(self) -> bool:
        """A lead byte (and its continuation bytes so far) not followed by the rest of its character."""
        return self.reason in CUT_REASONS


def bad_utf8_sequences(data: bytes, final: bool = True) -> list[BadSequence]:
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


def utf8_share(data: bytes) -> float:
    """Of the bytes above 0x7F, the share that are part of a valid UTF-8 sequence."""
    high = sum(1 for b in data if b > 0x7F)
    if not high:
        return 1.0
    bad = sum(1 for c in data.decode("utf-8", errors="surrogateescape") if "\udc80" <= c <= "\udcff")
    return (high - bad) / high


def is_damaged_utf8(data: bytes, bad: list[BadSequence]) -> bool:
    if not bad or len(bad) > MAX_COUNTED:
        return False
    share = utf8_share(data)
    return share >= UTF8_SHARE or (all(b.is_cut for b in bad) and share >= CUT_SHARE)


def damaged_utf8_message(data: bytes, bad: list[BadSequence]) -> str:
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


def refuse_damaged_utf8(data: bytes, final: bool = True) -> None:
    """EncodingRefused if `data` is UTF-8 except for a few invalid sequences; nothing otherwise."""
    bad = bad_utf8_sequences(data, final)
    if is_damaged_utf8(data, bad):
        raise EncodingRefused(damaged_utf8_message(data, bad))


def looks_like_utf8(data: bytes, final: bool = True) -> bool:
    """Valid UTF-8, or UTF-8 with damage: never to be read as GB18030."""
    bad = bad_utf8_sequences(data, final)
    return not bad or is_damaged_utf8(data, bad)


def refuse_implausible_gb18030(text: str) -> None:
    """GB18030 text holding private-use characters (GBK's user-defined areas, stray bytes paired
    with their neighbours) has no meaning outside the computer that wrote it: refused, with where."""
    at = next((i for i, c in enumerate(text) if PRIVATE_USE[0] <= c <= PRIVATE_USE[1]), None)
    if at is None:
        return
    line = text.count("\n", 0, at) + 1
    before = text[text.rfind("\n", 0, at) + 1 : at][-CONTEXT_CHARS:]
    raise EncodingRefused(
        f"the text is neither UTF-8 nor GB18030/GBK that means one thing: read as GB18030 it holds a "
        f"private-use character (U+{ord(text[at]):04X}) on line {line}, after '{before}' (stray bytes, or a "
        "character only the sending computer knows); save the file as UTF-8 "
        f"(文件按GB18030读取时第{line}行“{before}”之后出现自定义区字符（U+{ord(text[at]):04X}），"
        "可能含有错误字节或自造字；请另存为UTF-8)"
    )


def head_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes ('utf-8' or 'gb18030'), or EncodingRefused. The
    head is cut at its last line end, so no character is split by where the read stopped."""
    complete = b"\n" in head
    cut = head[: head.rfind(b"\n") + 1] if complete else head
    bad = bad_utf8_sequences(cut, final=complete)
    if not bad:
        return "utf-8"
    if is_damaged_utf8(cut, bad):
        raise EncodingRefused(damaged_utf8_message(cut, bad))
    with contextlib.suppress(UnicodeDecodeError):  # not GB18030 either: the reader says so when it meets them
        refuse_implausible_gb18030(cut.decode("gb18030"))
    return "gb18030"
