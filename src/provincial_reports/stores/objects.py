"""The landing zone and the lake as key/value stores: a local folder or an S3 (or MinIO) prefix.

Keys are always relative, '/'-separated paths under the store's root, whatever the backend, so
that a file's `source` in the warehouse reads the same on a laptop and in production.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # boto3 is imported only when an S3 store is first used
    from botocore.client import BaseClient as S3Client

log = logging.getLogger(__name__)
HASH_CHUNK_BYTES = 1024 * 1024


def file_sha256(path: Path) -> tuple[str, int]:
    """The content hash and size of a file, read as a stream: memory stays flat whatever its size."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest(), f.tell()


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


# --- landing entries that are not plain files (issue 18) ------------------------------------------
# One rule for listing and reading alike: a symbolic link is never followed (wherever it points,
# inside the province, into another, out of the landing zone, nowhere, or round in a loop), and
# nothing but a regular file is ever opened. Such an entry is a submission all the same: it is
# answered, rejected with its problem, under a stand-in identity (a hash of what it is, never of
# what it points to), so that the ledger records it and no later run tries it again, while a fix
# (the file itself uploaded in place of the link, permissions repaired) is a new version.

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


def _modified(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def odd_entry(key: str, path: Path, st: os.stat_result) -> LandingEntry:
    """The entry at `path` (lstat `st`), which is not a regular file: a link or a special file."""
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = ""
        return LandingEntry(key, 0, _modified(st), SYMLINK, _stand_in("symbolic link", target))
    en, zh = SPECIAL_KINDS.get(stat.S_IFMT(st.st_mode), ("an entry of an unknown kind", "未知类型"))
    problem = f"not a regular file but {en}: only files are read (这不是普通文件，而是{zh}；只读取普通文件)"
    return LandingEntry(key, 0, _modified(st), problem, _stand_in("not a regular file", en))


def unreadable_entry(key: str, st: os.stat_result) -> LandingEntry:
    """A regular file or folder the pipeline may not open; its identity changes with its permissions."""
    problem = UNLISTABLE if stat.S_ISDIR(st.st_mode) else UNREADABLE
    return LandingEntry(key, 0, _modified(st), problem, _stand_in(problem, st.st_mode, st.st_size, st.st_mtime_ns))


class Store(Protocol):
    """What the pipeline needs of a landing zone or a lake, whichever backend serves it."""

    def list(self) -> Iterator[StoredObject]: ...
    def read(self, key: str) -> bytes: ...
    def sha256(self, key: str) -> tuple[str, int]: ...
    def write(self, key: str, data: bytes) -> None: ...
    def location(self, key: str) -> str: ...
    def within(self, prefix: str) -> Store: ...
    def entries(self) -> Iterator[StoredObject]: ...
    def entry_problem(self, key: str) -> LandingEntry | None: ...
    def entry_location(self, key: str) -> str: ...


class LocalStore:
    """A folder. Writes go to a temporary file and are renamed into place, so a reader never
    sees half a file and a crash leaves nothing behind under the final name."""

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
                yield StoredObject(key=key, size=st.st_size, modified=_modified(st))
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


class S3Store:
    """A prefix in an S3 bucket (or MinIO, or anything speaking the S3 API).

    Endpoint, region and credentials come from boto3's own chain (AWS_ENDPOINT_URL,
    AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, ~/.aws, instance roles...), so the same code serves AWS
    and a MinIO container; only when that chain has no credentials does it fall back to the
    Airflow connection `aws_default`. A PUT replaces an object whole, so, as with LocalStore's
    rename, a reader never sees half a file.
    """

    def __init__(self, url: str) -> None:
        if not url.startswith("s3://"):
            raise ValueError(f"not an s3:// URL: {url!r}")
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {url!r}")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client: S3Client | None = None

    def __repr__(self) -> str:
        return f"S3Store('s3://{self.bucket}/{self.prefix}')"

    @property
    def client(self) -> S3Client:
        """Made on first use, so opening a store (or importing this module) costs nothing."""
        if self._client is None:
            self._client = s3_client()
        return self._client

    def list(self) -> Iterator[StoredObject]:
        """Every object under the prefix, 1,000 per request. Folder markers (keys ending in '/',
        as consoles create them) are not files; a key no read() would accept is skipped loudly
        rather than failing the whole listing."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if not key or key.endswith("/"):
                    continue
                problem = unsafe_key_problem(key)
                if problem:
                    log.warning("Skipping s3://%s/%s: its key %s", self.bucket, item["Key"], problem)
                    continue
                yield StoredObject(key=key, size=item["Size"], modified=item["LastModified"].astimezone(UTC))

    def read(self, key: str) -> bytes:
        """The whole body in one GET: if the object was replaced since listing, these are the new
        bytes, which the caller re-hashes (botocore checks the length against Content-Length)."""
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + checked_key(key))["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def sha256(self, key: str) -> tuple[str, int]:
        """Like LocalStore.sha256, over the body of one GET, chunk by chunk."""
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + checked_key(key))["Body"]
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        finally:
            body.close()
        return digest.hexdigest(), size

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + checked_key(key), Body=data)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{checked_key(key)}"

    def within(self, prefix: str) -> S3Store:
        """The same bucket and client, narrowed to `prefix` under this store's prefix."""
        narrowed = S3Store(f"s3://{self.bucket}/{self.prefix}{checked_key(prefix)}")
        narrowed._client = self._client
        return narrowed

    def entries(self) -> Iterator[StoredObject]:
        """An object store has no links nor special files: its entries are its listing."""
        return self.list()

    def entry_problem(self, key: str) -> LandingEntry | None:
        """None while the object exists (an object is always a plain file); FileNotFoundError once it is gone."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + checked_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(self.location(key)) from exc
            raise
        return None

    def entry_location(self, key: str) -> str:
        return self.location(key)


def s3_client() -> S3Client:
    """An S3 client from boto3's standard chain, or from the Airflow connection `aws_default`
    (login = access key, password = secret, extra endpoint_url / region_name) when the chain has
    no credentials and Airflow is there to ask. Nothing secret is ever logged."""
    import boto3

    session = boto3.session.Session()
    if session.get_credentials() is None:
        fallback = _airflow_connection_settings()
        if fallback is not None:
            log.info("No AWS credentials in the environment; using the Airflow connection aws_default")
            return session.client("s3", **fallback)
    return session.client("s3")


def _airflow_connection_settings() -> dict[str, str] | None:
    """boto3 client arguments from the Airflow connection `aws_default`, or None without Airflow
    or without that connection (boto3 then reports the missing credentials itself)."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        conn = BaseHook.get_connection("aws_default")
    except AirflowNotFoundException:
        return None
    extra = conn.extra_dejson
    settings = {
        "aws_access_key_id": conn.login,
        "aws_secret_access_key": conn.password,
        "endpoint_url": extra.get("endpoint_url"),
        "region_name": extra.get("region_name"),
    }
    return {name: value for name, value in settings.items() if value}


def open_store(url: str) -> Store:
    """An s3:// URL is an S3 prefix; anything else is a local folder."""
    if url.startswith("s3://"):
        return S3Store(url)
    return LocalStore(url)
