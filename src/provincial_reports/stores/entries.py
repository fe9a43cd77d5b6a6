"""Landing entries that are not plain files: one rule for listing and reading alike.

A symbolic link is never followed (wherever it points: inside the province, into another, out of
the landing zone, nowhere, or round in a loop), and nothing but a regular file is ever opened.
Such an entry is a submission all the same: it is answered, rejected with its problem, under a
stand-in identity (a hash of what it is, never of what it points to), so that the ledger records
it and no later run tries it again, while a fix (the file itself uploaded in place of the link,
permissions repaired) is a new version.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from provincial_reports.stores.objects import StoredObject

SYMLINK = (
    "a symbolic link, not an uploaded file: links are never followed, wherever they point; upload the file "
    "itself (这是符号链接，不是上传的文件；系统不跟随链接，请直接上传文件本身)"
)
UNREADABLE = (
    "the file cannot be read (permission denied): the landing zone's operator must make it readable, and it "
    "is read again once it is (文件无读取权限；权限修复后将重新读取)"
)
UNLISTABLE = (
    "a folder that cannot be opened (permission denied): nothing in it can be read "
    "(文件夹无读取权限，其中的文件无法读取)"
)
SPECIAL_KINDS = {
    stat.S_IFIFO: ("a FIFO (named pipe)", "命名管道"),
    stat.S_IFSOCK: ("a socket", "套接字"),
    stat.S_IFCHR: ("a character device", "字符设备"),
    stat.S_IFBLK: ("a block device", "块设备"),
    stat.S_IFDIR: ("a folder", "文件夹"),
}


@dataclass(frozen=True)
class LandingEntry(StoredObject):
    """An entry of the landing zone that is not a readable regular file: what is wrong with it, and
    the stand-in for a content hash that identifies it in the ledger."""

    problem: str
    stand_in: str


def _stand_in(*facts: object) -> str:
    return hashlib.sha256("\0".join(map(str, facts)).encode()).hexdigest()


def modified_at(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def odd_entry(key: str, path: Path, st: os.stat_result) -> LandingEntry:
    """The entry at `path` (lstat `st`), which is not a regular file: a link or a special file."""
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = ""
        return LandingEntry(key, 0, modified_at(st), SYMLINK, _stand_in("symbolic link", target))
    en, zh = SPECIAL_KINDS.get(stat.S_IFMT(st.st_mode), ("an entry of an unknown kind", "未知类型"))
    problem = f"not a regular file but {en}: only files are read (这不是普通文件，而是{zh}；只读取普通文件)"
    return LandingEntry(key, 0, modified_at(st), problem, _stand_in("not a regular file", en))


def unreadable_entry(key: str, st: os.stat_result) -> LandingEntry:
    """A regular file or folder the pipeline may not open; its identity changes with its permissions."""
    problem = UNLISTABLE if stat.S_ISDIR(st.st_mode) else UNREADABLE
    return LandingEntry(key, 0, modified_at(st), problem, _stand_in(problem, st.st_mode, st.st_size, st.st_mtime_ns))
