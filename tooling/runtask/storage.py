"""Where the run task keeps what outlives one run: baselines, reported results, accepted requests.

Keys are relative paths (`baselines/<workspace id>/current.json`, `results/<task result id>.json`,
`accepted/<task result id>`). The local `serve` mode keeps them in a directory (`--state-dir`); the
deployed function (tooling/runtask/lambda_handler.py) in its stack's S3 bucket, which is versioned and
encrypted by default with the stack's key, so objects are written without encryption headers.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")  # no "..", no leading "/": never outside the store


def _checked(key: str) -> str:
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"storage key {key!r} is not a relative path of plain names")
    return key


class Storage(Protocol):
    def read(self, key: str) -> bytes | None:
        """The object's content, None when there is none."""

    def write(self, key: str, data: bytes) -> None:
        """Create or replace the object (readers see the old or the new content, never a part)."""

    def create(self, key: str, data: bytes) -> bool:
        """Create the object only if it does not exist; False (nothing written) when it did."""


class LocalStorage:
    """A directory: atomic replace by rename, exclusive create by O_EXCL."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / _checked(key)

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)

    def create(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        return True


class S3Storage:
    """Objects of one bucket. A missing object is NoSuchKey (404) because the role may list the bucket
    (without s3:ListBucket S3 answers 403 for it); exclusive create is S3's conditional write
    (If-None-Match: *, https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)."""

    def __init__(self, bucket: str, client=None):
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.bucket, self.client = bucket, client

    def read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return response["Body"].read()

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, ContentType="application/json")

    def create(self, key: str, data: bytes) -> bool:
        try:
            self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, IfNoneMatch="*")
        except self.client.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True
