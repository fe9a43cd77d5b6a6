"""Bytes to text: which encoding a file is in, and which file type its name says it is.

The contract allows UTF-8 (with or without BOM) and GBK; GB18030, GBK's superset, is what Excel
writes on Chinese Windows. UTF-8 is tried first: GB18030 decodes almost any bytes, so it is only
the answer for bytes that are not UTF-8.
"""

from __future__ import annotations

from provincial_reports.read import Unreadable

ENCODINGS = ("utf-8-sig", "gb18030")


def suffix_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def encoding_of(data: bytes, *, head: bool = False) -> str:
    """The encoding `data` decodes in, or Unreadable. The `head` of a larger file is judged up to
    its last line end, so that a character cut by the head's end does not count. UTF-16 (Excel's
    "Unicode Text") is outside the contract and is named as such."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable(
            "the text is UTF-16 (Excel's 'Unicode Text'), neither UTF-8 nor GB18030/GBK: save it as "
            "'CSV UTF-8' (文件编码为UTF-16，不是UTF-8或GB18030/GBK，请另存为“CSV UTF-8”)"
        )
    judged = data[: data.rfind(b"\n") + 1] or data if head else data
    for encoding in ENCODINGS:
        try:
            judged.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise Unreadable("the text is neither UTF-8 nor GB18030/GBK (文件编码不是UTF-8或GB18030/GBK)")


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
