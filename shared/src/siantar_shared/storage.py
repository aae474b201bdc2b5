"""File storage behind one interface: complaint photos and permit documents.

`LocalStorage` keeps files under `var/<service>/uploads` (development; production refuses it) and `S3Storage`
talks to S3-compatible object storage (MinIO in production). Both run their blocking IO in worker threads.
Keys are chosen by the services, never by clients, and are checked anyway: ASCII letters, digits, `.`, `_`
and `-` in `/`-separated segments, no `..`, no leading `/`. Services give each version of a file its own key
and keep its key, size, SHA-256 and content type in their own tables.

    storage = build_storage(settings)                 # once, in the lifespan
    stored = await storage.put("complaints/2f3c/photo-1.jpg", data, "image/jpeg")
    chunks = await storage.open_stream(stored.key)    # raises ObjectNotFound before any chunk is sent
    return StreamingResponse(chunks, media_type="image/jpeg")
"""

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import anyio.to_thread
from botocore.exceptions import BotoCoreError, ClientError

from siantar_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef, ListObjectsV2OutputTypeDef

T = TypeVar("T")
CHUNK_SIZE = 64 * 1024
LIST_PAGE = 1000  # objects per page of a listing (S3's own maximum)
MAX_KEY_LENGTH = 512
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*")
_MISSING = frozenset({"NoSuchKey", "NotFound", "404"})


class StorageError(Exception):
    """The storage backend failed (unreachable, denied, out of space)."""


class InvalidKey(StorageError, ValueError):
    """A key outside the safe set; a programming error, since services choose the keys."""


class ObjectNotFound(StorageError):
    """No object under this key."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    sha256: str  # hex digest of the bytes stored


class Readable(Protocol):
    """An open file, or the body of an S3 answer."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Listed:
    """An object found by `Storage.listing`: its key and when it was last written (UTC)."""

    key: str
    modified_at: datetime


class Storage(Protocol):
    """Where services keep files. `open_stream` is awaited first (a missing key raises then), then iterated.
    `listing(prefix)` yields the objects under a key prefix (`"complaints/"`) in pages, for sweepers."""

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject: ...
    async def get(self, key: str) -> bytes: ...
    async def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...
    async def exists(self, key: str) -> bool: ...
    def listing(self, prefix: str, *, page_size: int = LIST_PAGE) -> AsyncIterator[list[Listed]]: ...


async def delete_unnamed(
    storage: Storage,
    prefix: str,
    named: Callable[[list[str]], Awaitable[set[str]]],
    *,
    older_than: timedelta,
    now: datetime,
) -> int:
    """Delete the objects under `prefix` written before `now - older_than` whose keys `named` (given a page of
    such keys, it answers those that some row still names) does not keep; returns how many were deleted.

    For the files a crash left between their put and the commit of the row that names them (the rollback that
    deletes them never ran): `older_than` must be far longer than any request that writes a file."""
    deleted = 0
    async for page in storage.listing(prefix):
        old = [item.key for item in page if item.modified_at < now - older_than]
        if not old:
            continue
        kept = await named(old)
        for key in old:
            if key not in kept:
                await storage.delete(key)
                deleted += 1
    return deleted


def check_prefix(prefix: str) -> str:
    """A listing prefix is a key's first segments and a `/` ("complaints/"), or "" for everything."""
    if prefix and not (prefix.endswith("/") and check_key(prefix[:-1])):
        raise InvalidKey(prefix)
    return prefix


def check_key(key: str) -> str:
    """Return `key` if it is safe both as a relative file path and as an object name, else raise InvalidKey."""
    if len(key) > MAX_KEY_LENGTH or ".." in key or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key[:80]!r}")
    return key


def describe(key: str, data: bytes) -> StoredObject:
    return StoredObject(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())


async def _in_thread(func: Callable[[], T]) -> T:
    """Blocking IO off the event loop (anyio's default thread pool: IO waits, it does not compute)."""
    return await anyio.to_thread.run_sync(func)


async def _chunks(body: Readable, chunk_size: int) -> AsyncIterator[bytes]:
    """Read an open file-like `body` in worker threads, chunk by chunk; closed at the end or when abandoned."""
    try:
        while chunk := await anyio.to_thread.run_sync(body.read, chunk_size):
            yield chunk
    finally:
        body.close()


class LocalStorage:
    """Files under `root`; each write goes to a temporary file in the same folder, then is renamed into place,
    so a reader sees the old bytes or the new ones, never a partial file. Content types are not kept."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        path = self.path_of(key)

        def write() -> StoredObject:
            _write_atomically(path, data)
            return describe(key, data)  # hashed in the worker thread too: 10 MB take about 20 ms

        with _local_errors(key, reading=False):
            return await _in_thread(write)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        with _local_errors(key):
            return await _in_thread(path.read_bytes)

    async def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        with _local_errors(key):
            file = await _in_thread(lambda: path.open("rb"))
        return _chunks(file, chunk_size)

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error (as in S3)."""
        path = self.path_of(key)
        await _in_thread(lambda: path.unlink(missing_ok=True))

    async def exists(self, key: str) -> bool:
        return await _in_thread(self.path_of(key).is_file)

    async def listing(self, prefix: str, *, page_size: int = LIST_PAGE) -> AsyncIterator[list[Listed]]:
        """The files under `prefix`, in key order; the hidden temporary files of writes are not objects."""
        folder = self.root / check_prefix(prefix) if prefix else self.root

        def walk() -> list[Listed]:
            if not folder.is_dir():
                return []
            found = []
            for path in folder.rglob("*"):
                key = path.relative_to(self.root).as_posix()
                if path.is_file() and _KEY.fullmatch(key):
                    found.append(Listed(key, datetime.fromtimestamp(path.stat().st_mtime, UTC)))
            return sorted(found, key=lambda item: item.key)

        found = await _in_thread(walk)
        for start in range(0, len(found), page_size):
            yield found[start : start + page_size]


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path` (never a valid key), flush it to disk, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _local_errors(key: str, *, reading: bool = True) -> Iterator[None]:
    try:
        yield
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        if not reading:  # writing "a/b" where "a" is a file, or "a" where "a/b" exists
            raise StorageError(f"local storage cannot write {key!r}: {exc.strerror}") from exc
        raise ObjectNotFound(key) from exc
    except OSError as exc:
        raise StorageError(f"local storage failed for {key!r}: {exc.strerror}") from exc


class S3Storage:
    """Objects in one bucket of S3-compatible storage, through a boto3 client (thread-safe) in worker threads.
    Each object carries its content type and its SHA-256 (as metadata, and as the upload's checksum, which S3
    and MinIO verify before storing anything)."""

    def __init__(self, client: "S3Client", bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        check_key(key)

        def upload() -> StoredObject:
            stored = describe(key, data)
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(stored.sha256)).decode(),
                Metadata={"sha256": stored.sha256},
            )
            return stored

        with _s3_errors(key):
            return await _in_thread(upload)

    async def get(self, key: str) -> bytes:
        response = await self._get_object(key)
        with _s3_errors(key), response["Body"] as body:
            return await _in_thread(body.read)

    async def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        response = await self._get_object(key)
        return _chunks(response["Body"], chunk_size)

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        check_key(key)
        with _s3_errors(key):
            await _in_thread(lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    async def exists(self, key: str) -> bool:
        check_key(key)
        try:
            with _s3_errors(key):
                await _in_thread(lambda: self.client.head_object(Bucket=self.bucket, Key=key))
        except ObjectNotFound:
            return False
        return True

    async def listing(self, prefix: str, *, page_size: int = LIST_PAGE) -> AsyncIterator[list[Listed]]:
        """The objects under `prefix`, a page per ListObjectsV2 call, in key order."""
        check_prefix(prefix)
        token = ""
        while True:

            def page_of(after: str = token) -> "ListObjectsV2OutputTypeDef":
                if after:
                    return self.client.list_objects_v2(
                        Bucket=self.bucket, Prefix=prefix, MaxKeys=page_size, ContinuationToken=after
                    )
                return self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=page_size)

            with _s3_errors(prefix):
                page = await _in_thread(page_of)
            yield [Listed(item["Key"], item["LastModified"]) for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    async def _get_object(self, key: str) -> "GetObjectOutputTypeDef":
        check_key(key)
        with _s3_errors(key):
            return await _in_thread(lambda: self.client.get_object(Bucket=self.bucket, Key=key))


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise ObjectNotFound(key) from exc
        raise StorageError(f"object storage refused {key!r}: {code or 'unknown error'}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"object storage failed for {key!r}: {type(exc).__name__}") from exc


def s3_client(
    *,
    endpoint_url: str | None,
    region: str,
    access_key: str | None,
    secret_key: str | None,
    path_style: bool = True,
) -> "S3Client":
    """A boto3 S3 client for AWS (`endpoint_url` None) or an S3-compatible server such as MinIO, which wants
    path-style addresses (`http://minio:9000/<bucket>/<key>`). Checksums are sent only when asked for,
    which every S3-compatible server accepts. No credentials: boto3's usual chain (environment, role)."""
    import boto3  # about 0.4 s to import: only services that use S3 pay for it
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": "path" if path_style else "auto"},
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=config,
    )


def build_storage(settings: ServiceSettings) -> Storage:
    """The storage `settings` choose: `STORAGE_BACKEND=s3` (production), else files in var/<service>/uploads."""
    if settings.STORAGE_BACKEND == "s3":
        secret = settings.STORAGE_S3_SECRET_KEY
        client = s3_client(
            endpoint_url=settings.STORAGE_S3_ENDPOINT,
            region=settings.STORAGE_S3_REGION,
            access_key=settings.STORAGE_S3_ACCESS_KEY,
            secret_key=secret.get_secret_value() if secret else None,
        )
        return S3Storage(client, settings.STORAGE_S3_BUCKET)
    return LocalStorage(settings.VAR_DIR / settings.SERVICE / "uploads")
