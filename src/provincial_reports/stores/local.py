"""A folder as a store. Writes go to a temporary file beside the target and are renamed into
place, so a reader never sees half a file and a crash leaves nothing under the final name.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from provincial_reports.stores.entries import LandingEntry, modified_at, odd_entry, unreadable_entry
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

    def entries(self) -> Iterator[StoredObject]:
        """Every entry under the root, links never followed: regular files as StoredObject, links
        and special files (and folders that cannot be opened) as LandingEntry. Folders are walked,
        whatever their names: a folder named like a file is a folder."""
        if self.root.exists():
            yield from self._walk("")

    def _walk(self, prefix: str) -> Iterator[StoredObject]:
        folder = self.root / prefix if prefix else self.root
        try:
            with os.scandir(folder) as scan:
                found = sorted(scan, key=lambda e: e.name)
        except FileNotFoundError:
            return  # removed while listing
        except PermissionError:
            if not prefix:
                raise  # the landing zone itself: the pipeline's problem, not a province's
            yield unreadable_entry(prefix, os.lstat(folder))
            return
        for item in found:
            key = f"{prefix}/{item.name}" if prefix else item.name
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                yield from self._walk(key)
            elif stat.S_ISREG(st.st_mode):
                yield StoredObject(key=key, size=st.st_size, modified=modified_at(st))
            else:
                yield odd_entry(key, Path(item.path), st)

    def entry_problem(self, key: str) -> LandingEntry | None:
        """What is wrong with the entry `key` now, classified as entries() and hashing classify it
        (None for a readable regular file); FileNotFoundError if it is gone. Every step of the path
        is looked at without following links, so a link anywhere on the way is found."""
        parts = checked_key(key).split("/")
        path = self.root
        for depth, part in enumerate(parts, start=1):
            path = path / part
            st = os.lstat(path)
            if depth < len(parts) and stat.S_ISDIR(st.st_mode):
                continue
            if depth == len(parts) and stat.S_ISREG(st.st_mode):
                try:
                    with open(path, "rb"):
                        return None
                except PermissionError:
                    return unreadable_entry(key, st)
            if depth == len(parts) and stat.S_ISDIR(st.st_mode):
                try:
                    with os.scandir(path):
                        pass
                except PermissionError:
                    return unreadable_entry(key, st)
            return odd_entry(key, path, st)
        return None

    def entry_location(self, key: str) -> str:
        """Where the entry is, without following it: for a record of a link or a special file."""
        return str(self.root / checked_key(key))

    def _path(self, key: str) -> Path:
        """The file `key` names, refused if the key could climb out of the root or a symbolic
        link on the way leads out of it."""
        path = self.root / checked_key(key)
        if not self._inside(path):
            raise ValueError(f"refusing storage key {key!r}: it leads outside {self.root}")
        return path

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root.resolve())
