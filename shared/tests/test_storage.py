"""Storage: local files (atomic writes, safe keys), S3 against moto's real HTTP server, the settings that pick one."""

import base64
import hashlib
import os
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import uuid4

import anyio
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from siantar_shared import storage
from siantar_shared.settings import Environment, ServiceSettings
from siantar_shared.storage import (
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    Storage,
    StorageError,
    StoredObject,
    build_storage,
    s3_client,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PHOTO = os.urandom(200_000)  # a few chunks' worth
KEY = "complaints/7b1e2c/photo-1.jpg"
BAD_KEYS = [
    "../etc/passwd",
    "complaints/../../etc/passwd",
    "a/..b",
    "/etc/passwd",
    "",
    "a//b",
    "a/",
    ".hidden",
    "a/.tmp",
    "a\\b",
    "a b",
    "a\nb",
    "foto-ø.jpg",
    "foto-١.jpg",  # an Arabic-Indic digit: not ASCII
    "x" * 513,
]
PG_URL = "postgresql://siantar:pw@db.internal:5432/demo"
S3_SECRET = "minio-secret-key-0123456789"


async def read_all(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def round_trip(store: Storage) -> None:
    stored = await store.put(KEY, PHOTO, "image/jpeg")
    assert stored == StoredObject(key=KEY, size=len(PHOTO), sha256=hashlib.sha256(PHOTO).hexdigest())
    assert await store.exists(KEY)
    assert await store.get(KEY) == PHOTO
    chunks = await read_all(await store.open_stream(KEY, chunk_size=64 * 1024))
    assert len(chunks) == 4
    assert b"".join(chunks) == PHOTO
    await store.put(KEY, b"second version", "image/jpeg")
    assert await store.get(KEY) == b"second version"
    await store.delete(KEY)
    assert not await store.exists(KEY)
    await store.delete(KEY)  # deleting twice is fine


async def missing_key(store: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        await store.get("complaints/none/photo.jpg")
    with pytest.raises(ObjectNotFound):  # raised by the await, before any chunk: an endpoint can answer 404
        await store.open_stream("complaints/none/photo.jpg")
    assert not await store.exists("complaints/none/photo.jpg")


async def bad_key(store: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        await store.get(key)
    with pytest.raises(InvalidKey):
        await store.open_stream(key)
    with pytest.raises(InvalidKey):
        await store.exists(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)


class TestKeys:
    @pytest.mark.parametrize("key", [KEY, "a", "permits/2026/SIP-0001/v2/ijazah.pdf", "A-b_c.d/e", "x" * 512])
    def test_accepted(self, key: str) -> None:
        assert storage.check_key(key) == key

    @pytest.mark.parametrize("key", BAD_KEYS)
    def test_refused(self, key: str) -> None:
        with pytest.raises(InvalidKey):
            storage.check_key(key)


async def listed_keys(store: "storage.Storage", prefix: str, page_size: int = 2) -> list[list[str]]:
    return [[item.key for item in page] async for page in store.listing(prefix, page_size=page_size)]


async def check_listing(store: "storage.Storage") -> None:
    """Objects under a prefix, in pages and key order, with their write time; other prefixes left out."""
    before = datetime.now(UTC) - timedelta(minutes=5)
    for key in ("complaints/a/1.jpg", "complaints/a/1.thumb.webp", "complaints/b/2.png", "permits/x/doc.pdf"):
        await store.put(key, PHOTO, "image/jpeg")
    assert await listed_keys(store, "complaints/") == [
        ["complaints/a/1.jpg", "complaints/a/1.thumb.webp"],
        ["complaints/b/2.png"],
    ]
    assert await listed_keys(store, "complaints/a/", page_size=1000) == [
        ["complaints/a/1.jpg", "complaints/a/1.thumb.webp"]
    ]
    assert [key for page in await listed_keys(store, "") for key in page][-1] == "permits/x/doc.pdf"
    assert await listed_keys(store, "nothing-here/") in ([], [[]])
    async for page in store.listing("complaints/"):
        assert all(before < item.modified_at <= datetime.now(UTC) + timedelta(minutes=5) for item in page)
    for prefix in ("complaints", "/complaints/", "../"):
        with pytest.raises(InvalidKey):
            await listed_keys(store, prefix)


class TestLocalStorage:
    @pytest.fixture
    def root(self, tmp_path: Path) -> Path:
        return tmp_path / "uploads"

    @pytest.fixture
    def store(self, root: Path) -> LocalStorage:
        return LocalStorage(root)

    async def test_round_trip(self, store: LocalStorage, root: Path) -> None:
        await store.put(KEY, PHOTO, "image/jpeg")
        assert (root / KEY).read_bytes() == PHOTO

    async def test_listing(self, store: LocalStorage, root: Path) -> None:
        await check_listing(store)
        (root / "complaints" / "a" / ".1.jpg.x1y2.tmp").write_bytes(b"half")  # a crashed write's temporary
        assert await listed_keys(store, "complaints/a/") == [
            ["complaints/a/1.jpg", "complaints/a/1.thumb.webp"]
        ]
        await round_trip(store)

    async def test_missing_key(self, store: LocalStorage) -> None:
        await missing_key(store)

    async def test_a_folder_is_not_an_object(self, store: LocalStorage) -> None:
        await store.put(KEY, PHOTO, "image/jpeg")
        await missing_key(store)
        with pytest.raises(ObjectNotFound):
            await store.get("complaints/7b1e2c")
        assert not await store.exists("complaints/7b1e2c")

    async def test_a_file_and_a_folder_cannot_share_a_name(self, store: LocalStorage) -> None:
        await store.put("complaints/a", b"file", "text/plain")
        with pytest.raises(StorageError, match="complaints/a/b") as excinfo:
            await store.put("complaints/a/b", b"under a file", "text/plain")
        assert not isinstance(excinfo.value, ObjectNotFound)
        with pytest.raises(ObjectNotFound):
            await store.get("complaints/a/b")

    @pytest.mark.parametrize("key", BAD_KEYS)
    async def test_bad_key_refused(self, store: LocalStorage, root: Path, key: str) -> None:
        await bad_key(store, key)
        assert not await anyio.Path(root).exists()  # nothing written anywhere

    async def test_written_through_a_temporary_file_renamed_in_place(
        self, store: LocalStorage, root: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        renames: list[tuple[Path, Path, bytes]] = []
        replace = os.replace

        def watch(source: str, target: Path) -> None:
            renames.append((Path(source), Path(target), Path(source).read_bytes()))
            replace(source, target)

        monkeypatch.setattr(os, "replace", watch)
        await store.put(KEY, PHOTO, "image/jpeg")
        [(source, target, content)] = renames
        assert target == root / KEY
        assert source.parent == target.parent  # same folder, same file system: an atomic rename
        assert source.name.startswith(".photo-1.jpg.")
        assert content == PHOTO  # complete before the rename
        with pytest.raises(InvalidKey):
            storage.check_key(f"complaints/7b1e2c/{source.name}")  # never readable as an object
        assert sorted(p.name for p in target.parent.iterdir()) == ["photo-1.jpg"]

    async def test_failed_write_keeps_the_old_object(
        self, store: LocalStorage, root: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await store.put(KEY, b"old photo", "image/jpeg")

        def disk_full(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", disk_full)
        with pytest.raises(StorageError, match="No space left"):
            await store.put(KEY, PHOTO, "image/jpeg")
        assert await store.get(KEY) == b"old photo"
        assert [p.name for p in (root / KEY).parent.iterdir()] == ["photo-1.jpg"]  # no temporary file left

    async def test_stream_closes_its_file_when_abandoned(self, store: LocalStorage) -> None:
        await store.put(KEY, PHOTO, "image/jpeg")
        chunks = await store.open_stream(KEY, chunk_size=1000)
        assert isinstance(chunks, AsyncGenerator)
        assert len(await anext(chunks)) == 1000
        await chunks.aclose()  # what the server does when the client goes away
        await store.delete(KEY)
        assert not await store.exists(KEY)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 over real HTTP on a free loopback port, for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client_for(endpoint: str) -> "S3Client":
    return s3_client(endpoint_url=endpoint, region="us-east-1", access_key="siantar", secret_key=S3_SECRET)


@pytest.fixture(scope="module")
def moto_client(moto_endpoint: str) -> "S3Client":
    return client_for(moto_endpoint)  # boto3 clients are thread-safe, and slow to make


@pytest.fixture
def bucket(moto_client: "S3Client") -> str:
    name = f"siantar-test-{uuid4().hex[:12]}"
    moto_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3(moto_client: "S3Client", bucket: str) -> S3Storage:
    return S3Storage(moto_client, bucket)


class TestS3Storage:
    async def test_round_trip(self, s3: S3Storage) -> None:
        await round_trip(s3)

    async def test_listing(self, s3: S3Storage) -> None:
        await check_listing(s3)

    async def test_object_carries_its_type_and_checksum(self, s3: S3Storage) -> None:
        sent: dict[str, Any] = {}
        event = "before-send.s3.PutObject"
        s3.client.meta.events.register(event, lambda request, **_: sent.update(request.headers), "spy")
        try:
            stored = await s3.put(KEY, PHOTO, "image/jpeg")
        finally:
            s3.client.meta.events.unregister(event, unique_id="spy")  # the client is shared by the module
        digest = base64.b64encode(hashlib.sha256(PHOTO).digest())
        assert sent["x-amz-checksum-sha256"] == digest  # the server verifies the bytes it received
        head = s3.client.head_object(Bucket=s3.bucket, Key=KEY)
        assert head["ContentType"] == "image/jpeg"
        assert head["ContentLength"] == len(PHOTO)
        assert head["Metadata"] == {"sha256": stored.sha256}

    async def test_missing_key(self, s3: S3Storage) -> None:
        await missing_key(s3)

    @pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a b"])
    async def test_bad_key_refused_without_a_request(self, s3: S3Storage, key: str) -> None:
        await bad_key(s3, key)
        assert s3.client.list_objects_v2(Bucket=s3.bucket)["KeyCount"] == 0

    async def test_missing_bucket_is_a_storage_error(self, moto_client: "S3Client") -> None:
        store = S3Storage(moto_client, "no-such-bucket")
        with pytest.raises(StorageError, match="NoSuchBucket") as excinfo:
            await store.put(KEY, PHOTO, "image/jpeg")
        assert not isinstance(excinfo.value, ObjectNotFound)

    async def test_unreachable_server_is_a_storage_error(self) -> None:
        with socket.socket() as sock:  # a loopback port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        store = S3Storage(client_for(f"http://127.0.0.1:{port}"), "photos")
        with pytest.raises(StorageError, match="EndpointConnectionError"):
            await store.get(KEY)

    async def test_built_from_settings(self, moto_endpoint: str, bucket: str, tmp_path: Path) -> None:
        settings = ServiceSettings(
            _env_file=None,
            VAR_DIR=tmp_path,
            STORAGE_BACKEND="s3",
            STORAGE_S3_ENDPOINT=moto_endpoint,
            STORAGE_S3_BUCKET=bucket,
            STORAGE_S3_ACCESS_KEY="siantar",
            STORAGE_S3_SECRET_KEY=SecretStr(S3_SECRET),
        )
        store = build_storage(settings)
        assert isinstance(store, S3Storage)
        assert store.bucket == bucket
        await round_trip(store)


class ComplaintsLike(ServiceSettings):
    """A service with a development adapter of its own: local storage stays refused beside it."""

    model_config = SettingsConfigDict(env_prefix="STORAGETEST_")
    SERVICE: ClassVar[str] = "storagetest"
    DEV_ONLY_VALUES: ClassVar[dict[str, frozenset[str]]] = {"NOTIFIER": frozenset({"development"})}
    NOTIFIER: str = "smtp"


def production(**overrides: object) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ENV": Environment.production,
        "DATABASE_URL": PG_URL,
        "STORAGE_BACKEND": "s3",
        "STORAGE_S3_ENDPOINT": "https://minio.pematangsiantarkota.go.id",
        "STORAGE_S3_BUCKET": "siantar-complaints",
        "STORAGE_S3_ACCESS_KEY": "svc-complaints",
        "STORAGE_S3_SECRET_KEY": SecretStr(S3_SECRET),
    }
    return values | overrides


class TestSettings:
    def test_local_by_default_under_var(self, tmp_path: Path) -> None:
        settings = ComplaintsLike(_env_file=None, VAR_DIR=tmp_path)
        assert settings.STORAGE_BACKEND == "local"
        store = build_storage(settings)
        assert isinstance(store, LocalStorage)
        assert store.root == tmp_path / "storagetest" / "uploads"

    def test_production_with_s3_accepted(self) -> None:
        settings = ComplaintsLike(_env_file=None, **production())
        assert settings.STORAGE_BACKEND == "s3"

    @pytest.mark.parametrize("backend", ["local", "LOCAL", " Local "])
    def test_production_refuses_local_storage(self, backend: str) -> None:
        with pytest.raises(ValidationError, match="STORAGE_BACKEND=local is a development adapter"):
            ComplaintsLike(_env_file=None, **production(STORAGE_BACKEND=backend))

    def test_production_refuses_local_storage_by_default(self) -> None:
        values = production()
        del values["STORAGE_BACKEND"]
        with pytest.raises(ValidationError, match="STORAGE_BACKEND=local"):
            ServiceSettings(_env_file=None, **values)

    def test_every_service_refuses_it_beside_its_own_adapters(self) -> None:
        assert ComplaintsLike.DEV_ONLY_VALUES == {
            "STORAGE_BACKEND": frozenset({"local"}),
            "NOTIFIER": frozenset({"development"}),
        }
        assert ServiceSettings.DEV_ONLY_VALUES == {"STORAGE_BACKEND": frozenset({"local"})}
        with pytest.raises(ValidationError) as excinfo:
            ComplaintsLike(_env_file=None, **production(STORAGE_BACKEND="local", NOTIFIER="development"))
        assert "STORAGE_BACKEND=local" in str(excinfo.value)
        assert "NOTIFIER=development" in str(excinfo.value)

    @pytest.mark.parametrize(
        ("missing", "message"),
        [
            ("STORAGE_S3_SECRET_KEY", "STORAGE_S3_SECRET_KEY must be set to a real secret"),
            ("STORAGE_S3_ACCESS_KEY", "STORAGE_S3_ACCESS_KEY is required in production"),
            ("STORAGE_S3_BUCKET", "STORAGE_S3_BUCKET is required"),
        ],
    )
    def test_production_s3_needs_bucket_and_credentials(self, missing: str, message: str) -> None:
        values = production()
        del values[missing]
        with pytest.raises(ValidationError, match=message):
            ComplaintsLike(_env_file=None, **values)

    @pytest.mark.parametrize("secret", ["changeme", "short-secret"])
    def test_production_refuses_a_weak_secret_key(self, secret: str) -> None:
        with pytest.raises(ValidationError, match="STORAGE_S3_SECRET_KEY"):
            ComplaintsLike(_env_file=None, **production(STORAGE_S3_SECRET_KEY=SecretStr(secret)))

    def test_s3_needs_a_bucket_in_development_too(self) -> None:
        with pytest.raises(ValidationError, match="STORAGE_S3_BUCKET is required"):
            ComplaintsLike(_env_file=None, STORAGE_BACKEND="s3")

    def test_unknown_backend_refused(self) -> None:
        with pytest.raises(ValidationError):
            ComplaintsLike(_env_file=None, STORAGE_BACKEND="ftp")

    def test_read_from_the_prefixed_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("STORAGETEST_STORAGE_BACKEND", "s3")
        monkeypatch.setenv("STORAGETEST_STORAGE_S3_BUCKET", "siantar-permits")
        monkeypatch.setenv("STORAGETEST_STORAGE_S3_SECRET_KEY", S3_SECRET)
        settings = ComplaintsLike(_env_file=None)
        assert (settings.STORAGE_BACKEND, settings.STORAGE_S3_BUCKET) == ("s3", "siantar-permits")
        assert settings.STORAGE_S3_SECRET_KEY is not None
        assert settings.STORAGE_S3_SECRET_KEY.get_secret_value() == S3_SECRET
