"""A folder as a store. Writes go to a temporary file beside the target and are renamed into
place, so a reader never sees half a file and a crash leaves nothing under the final name.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from provincial_reports.stores.objects import StoredObject, checked_key, file_sha256

log = logging.getLogger(__name__)


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write` fills a temporary file of its own beside `path`, which then replaces `path` whole.
    The temporary name is unique, so two writers of one file at once (two DAG runs, or `make
    report` beside one) each replace it whole instead of renaming each other's file away."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class LocalStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def list(self) -> Iterator[StoredObject]:
        """Every file under the root; a symbolic link leading out of it is skipped loudly, as
        read() would refuse it."""
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                key = path.relative_to(self.root).as_posix()
                if not self._inside(path):
                    log.warning("Skipping %s: it leads outside %s", path, self.root)
                    continue
                stat = path.stat()
                yield StoredObject(key=key, size=stat.st_size, modified=datetime.fromtimestamp(stat.st_mtime, UTC))

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def sha256(self, key: str) -> tuple[str, int]:
        return file_sha256(self._path(key))

    def head(self, key: str, size: int) -> bytes:
        with open(self._path(key), "rb") as f:
            return f.read(size)

    def write(self, key: str, data: bytes) -> None:
        atomic_write(self._path(key), lambda out: out.write(data))

    def put_file(self, key: str, path: Path) -> None:
        with open(path, "rb") as source:
            atomic_write(self._path(key), lambda out: shutil.copyfileobj(source, out))

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        """The file itself: a folder needs no copy."""
        yield self._path(key)

    def location(self, key: str) -> str:
        return str(self._path(key))

    def within(self, prefix: str) -> LocalStore:
        return LocalStore(self._path(prefix))

    def _path(self, key: str) -> Path:
        """The file `key` names, refused if the key could climb out of the root or a symbolic
        link on the way leads out of it."""
        path = self.root / checked_key(key)
        if not self._inside(path):
            raise ValueError(f"refusing storage key {key!r}: it leads outside {self.root}")
        return path

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root.resolve())
