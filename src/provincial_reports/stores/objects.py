"""The landing zone and the lake as key/value stores: a local folder (`local`) or an S3 or MinIO
prefix (`s3`), behind one interface.

Keys are always relative, '/'-separated paths under the store's root, whatever the backend, so
that a file's `source` in the warehouse reads the same on a laptop and in production.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from provincial_reports.stores.entries import LandingEntry


def file_sha256(path: Path) -> tuple[str, int]:
    """The content hash and size of a file, read as a stream: memory stays flat whatever its size."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest(), f.tell()


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class Store(Protocol):
    """What the pipeline needs of a landing zone or a lake, whichever backend serves it. A write,
    from bytes or from a finished local file, replaces an object whole: a reader never sees half
    of one. Large objects move as files (`local_file`, `put_file`), never held whole in memory."""

    def list(self) -> Iterator[StoredObject]: ...
    def read(self, key: str) -> bytes: ...
    def head(self, key: str, size: int) -> bytes: ...
    def sha256(self, key: str) -> tuple[str, int]: ...
    def write(self, key: str, data: bytes) -> None: ...
    def put_file(self, key: str, path: Path) -> None: ...
    def local_file(self, key: str) -> AbstractContextManager[Path]: ...
    def location(self, key: str) -> str: ...
    def within(self, prefix: str) -> Store: ...
    # The landing zone's entries, files or not (stores.entries): listed and judged by one rule.
    def entries(self) -> Iterator[StoredObject]: ...
    def entry_problem(self, key: str) -> LandingEntry | None: ...
    def entry_location(self, key: str) -> str: ...


def unsafe_key_problem(key: str) -> str | None:
    """Why `key` may not be used, or None. A key is a relative path under the store's root; one
    that is absolute, climbs out with '..' or has empty segments could name an object outside the
    prefix (or, in a folder, outside the root), or one a listing would never have produced."""
    if not key:
        return "is empty"
    if key.startswith("/"):
        return "is absolute"
    segments = key.split("/")
    if "" in segments:
        return "has an empty path segment"
    if ".." in segments or "." in segments:
        return "has a '.' or '..' path segment"
    return None


def checked_key(key: str) -> str:
    """`key` itself if it is a safe relative key, else ValueError."""
    problem = unsafe_key_problem(key)
    if problem:
        raise ValueError(f"refusing storage key {key!r}: it {problem}")
    return key


def open_store(url: str) -> Store:
    """An s3:// URL is an S3 prefix; anything else is a local folder."""
    if url.startswith("s3://"):
        from provincial_reports.stores.s3 import S3Store

        return S3Store(url)
    from provincial_reports.stores.local import LocalStore

    return LocalStore(url)
