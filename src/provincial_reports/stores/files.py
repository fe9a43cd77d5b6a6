"""Large objects moved as files, never held whole in memory: a local path for reading, and a
finished local file put into a store. A folder store gives its own paths; S3 streams to and
from a temporary file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from provincial_reports.stores.objects import LocalStore, S3Store, Store, checked_key


@contextmanager
def local_file(store: Store, key: str) -> Iterator[Path]:
    """A path holding the object's bytes for the duration of the block."""
    if isinstance(store, LocalStore):
        yield Path(store.location(key))
        return
    if not isinstance(store, S3Store):
        raise TypeError(f"no file access to {store!r}")
    with tempfile.TemporaryDirectory(prefix="reports-") as folder:
        path = Path(folder) / "object"
        store.client.download_file(store.bucket, store.prefix + checked_key(key), str(path))
        yield path


def put_file(store: Store, key: str, path: Path) -> None:
    """Like Store.write, from a file: a reader never sees half an object."""
    if isinstance(store, S3Store):
        store.client.upload_file(str(path), store.bucket, store.prefix + checked_key(key))
        return
    if not isinstance(store, LocalStore):
        raise TypeError(f"no file access to {store!r}")
    target = Path(store.location(checked_key(key)))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".writing-")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def head_bytes(store: Store, key: str, size: int) -> bytes:
    """The first `size` bytes of an object, without fetching the rest."""
    if isinstance(store, S3Store):
        response = store.client.get_object(
            Bucket=store.bucket, Key=store.prefix + checked_key(key), Range=f"bytes=0-{size - 1}"
        )
        return response["Body"].read()
    with open(store.location(key), "rb") as f:
        return f.read(size)
