"""The landing zone and the lake as key/value stores: a local folder now, object storage later.

Keys are always relative, '/'-separated paths under the store's root, whatever the backend, so
that a file's `source` in the warehouse reads the same on a laptop and in production.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class LocalStore:
    """A folder. Writes go to a temporary file and are renamed into place, so a reader never
    sees half a file and a crash leaves nothing behind under the final name."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def list(self) -> Iterator[StoredObject]:
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                stat = path.stat()
                yield StoredObject(
                    key=path.relative_to(self.root).as_posix(),
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, UTC),
                )

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def location(self, key: str) -> str:
        return str(self._path(key))

    def _path(self, key: str) -> Path:
        return self.root / key


def open_store(url: str) -> LocalStore:
    if url.startswith("s3://"):
        raise NotImplementedError("S3 landing and lake are not built yet (issue: production stack)")
    return LocalStore(url)
