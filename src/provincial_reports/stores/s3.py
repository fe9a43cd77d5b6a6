"""A prefix in an S3 bucket (or MinIO, or anything speaking the S3 API) as a store."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from provincial_reports.stores.entries import LandingEntry
from provincial_reports.stores.objects import StoredObject, checked_key, unsafe_key_problem
from provincial_reports.stores.secrets import airflow_connection

if TYPE_CHECKING:  # boto3 is imported only when an S3 store is first used
    from botocore.client import BaseClient as S3Client
    from botocore.config import Config

log = logging.getLogger(__name__)
HASH_CHUNK_BYTES = 1024 * 1024


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
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def sha256(self, key: str) -> tuple[str, int]:
        """Like LocalStore.sha256, over the body of one GET, chunk by chunk."""
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        finally:
            body.close()
        return digest.hexdigest(), size

    def head(self, key: str, size: int) -> bytes:
        """The first `size` bytes, without fetching the rest."""
        response = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes=0-{size - 1}")
        return response["Body"].read()

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def put_file(self, key: str, path: Path) -> None:
        self.client.upload_file(str(path), self.bucket, self._key(key))

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        """A temporary copy, streamed to disk, for the duration of the block."""
        with tempfile.TemporaryDirectory(prefix="reports-") as folder:
            path = Path(folder) / "object"
            self.client.download_file(self.bucket, self._key(key), str(path))
            yield path

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def within(self, prefix: str) -> S3Store:
        """The same bucket and client, narrowed to `prefix` under this store's prefix."""
        narrowed = S3Store(f"s3://{self.bucket}/{self.prefix}{checked_key(prefix)}")
        narrowed._client = self._client
        return narrowed

    def unreachable(self) -> str | None:
        """Why the prefix cannot be listed right now, in one line, or None. Asked once, with short
        timeouts and no retries, so that a run with a wrong endpoint or bucket is refused in seconds."""
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        client = s3_client(Config(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 1}))
        try:
            client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except (BotoCoreError, ClientError) as exc:
            return str(exc)
        return None

    def entries(self) -> Iterator[StoredObject]:
        """An object store has no links nor special files: its entries are its listing."""
        return self.list()

    def entry_problem(self, key: str) -> LandingEntry | None:
        """None while the object exists (an object is always a plain file); FileNotFoundError once it is gone."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(self.location(key)) from exc
            raise
        return None

    def entry_location(self, key: str) -> str:
        return self.location(key)


def s3_client(config: Config | None = None) -> S3Client:
    """An S3 client from boto3's standard chain, or from the Airflow connection `aws_default`
    (login = access key, password = secret, extra endpoint_url / region_name) when the chain has
    no credentials and Airflow is there to ask. Nothing secret is ever logged."""
    import boto3

    session = boto3.session.Session()
    if session.get_credentials() is None:
        fallback = _airflow_connection_settings()
        if fallback is not None:
            log.info("No AWS credentials in the environment; using the Airflow connection aws_default")
            return session.client("s3", config=config, **fallback)
    return session.client("s3", config=config)


def _airflow_connection_settings() -> dict[str, str] | None:
    """boto3 client arguments from the Airflow connection `aws_default`, or None without it (boto3
    then reports the missing credentials itself)."""
    conn = airflow_connection("aws_default")
    if conn is None:
        return None
    extra = conn.extra_dejson
    settings = {
        "aws_access_key_id": conn.login,
        "aws_secret_access_key": conn.password,
        "endpoint_url": extra.get("endpoint_url"),
        "region_name": extra.get("region_name"),
    }
    return {name: value for name, value in settings.items() if value}
