"""Photos of complaints through HTTP: checked by content, stripped, limited, and visible as the complaint is."""

import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from factories import create_complaint, seed_catalogue
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_photo_images import encode, jpeg_with_gps, photo

from siantar_complaints.complaint import endpoints as photo_endpoints
from siantar_complaints.complaint import photos
from siantar_complaints.complaint.models import ComplaintPhoto
from siantar_complaints.models import platform
from siantar_complaints.photo.jobs import SWEEP_PHOTO_FILES, register_photo_jobs
from siantar_shared.db import utcnow
from siantar_shared.jobs import JobRunner
from siantar_shared.storage import LocalStorage
from siantar_shared.testing.tokens import TestKeys

COMPLAINTS = "/complaints/v1/complaints"


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


@pytest.fixture
def reporter_id() -> UUID:
    return uuid4()


@pytest.fixture
def reporter(test_keys: TestKeys, reporter_id: UUID) -> dict[str, str]:
    return bearer(test_keys, subject=reporter_id, roles=["citizen"])


@pytest.fixture
async def complaint_id(session: AsyncSession, reporter_id: UUID) -> UUID:
    await seed_catalogue(session)
    return (await create_complaint(session, reporter_id=reporter_id)).id


async def upload(
    client: httpx.AsyncClient, complaint_id: UUID, headers: dict[str, str], data: bytes, name: str = "p.jpg"
) -> httpx.Response:
    files = {"file": (name, data, "image/jpeg")}
    return await client.post(f"{COMPLAINTS}/{complaint_id}/photos", files=files, headers=headers)


async def test_a_photo_is_stored_without_its_gps_and_with_a_thumbnail(
    client: httpx.AsyncClient, complaint_id: UUID, reporter: dict[str, str], storage: LocalStorage
) -> None:
    response = await upload(client, complaint_id, reporter, jpeg_with_gps())
    assert response.status_code == 201, response.text
    created = response.json()
    image = await client.get(created["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(image.content))
    assert 0x8825 not in stored.getexif()  # the GPS IFD is gone
    thumbnail = await client.get(created["thumbnail_url"])
    assert thumbnail.headers["content-type"] == "image/webp"
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= 320
    listed = (await client.get(f"{COMPLAINTS}/{complaint_id}")).json()
    assert [p["id"] for p in listed["photos"]] == [created["id"]]
    assert listed["photo_count"] == 1


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n" * 50, "laporan.jpg", 415),  # a PDF renamed .jpg
        (b"GIF89a" + b"\x00" * 100, "anim.gif", 415),
        (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), "huge.jpg", 413),  # 11 MB
    ],
)
async def test_what_is_not_a_photo_is_refused(
    client: httpx.AsyncClient,
    complaint_id: UUID,
    reporter: dict[str, str],
    session: AsyncSession,
    data: bytes,
    name: str,
    status: int,
) -> None:
    response = await upload(client, complaint_id, reporter, data, name)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await session.scalars(select(ComplaintPhoto))).all() == []


async def test_at_most_five_photos(
    client: httpx.AsyncClient, complaint_id: UUID, reporter: dict[str, str]
) -> None:
    small = encode(photo((40, 30)), "PNG")
    for _ in range(5):
        assert (await upload(client, complaint_id, reporter, small, "p.png")).status_code == 201
    refused = await upload(client, complaint_id, reporter, small, "p.png")
    assert refused.status_code == 409
    assert (await client.get(f"{COMPLAINTS}/{complaint_id}")).json()["photo_count"] == 5


async def test_only_the_reporter_or_staff_of_the_complaint_add_photos(
    client: httpx.AsyncClient, complaint_id: UUID, test_keys: TestKeys, session: AsyncSession
) -> None:
    small = encode(photo((40, 30)), "PNG")
    stranger = bearer(test_keys, roles=["citizen"])
    assert (await upload(client, complaint_id, stranger, small)).status_code == 403
    other_opd = bearer(test_keys, roles=["officer"], agency="DINKES")
    assert (await upload(client, complaint_id, other_opd, small)).status_code == 403
    complaint = (await session.scalars(select(ComplaintPhoto))).all()
    assert complaint == []
    own_opd = bearer(test_keys, roles=["officer"], agency="DISHUB")  # lampu-jalan goes to DISHUB
    assert (await upload(client, complaint_id, own_opd, small)).status_code == 201


async def test_photos_of_a_restricted_complaint_are_404_to_others(
    client: httpx.AsyncClient,
    session: AsyncSession,
    reporter_id: UUID,
    reporter: dict[str, str],
    test_keys: TestKeys,
) -> None:
    await seed_catalogue(session)
    restricted = await create_complaint(session, reporter_id=reporter_id, report_visibility="restricted")
    created = (await upload(client, restricted.id, reporter, jpeg_with_gps())).json()
    assert (await client.get(created["url"], headers=reporter)).status_code == 200
    for headers in ({}, bearer(test_keys, roles=["citizen"])):
        assert (await client.get(created["url"], headers=headers)).status_code == 404
        assert (await client.get(created["thumbnail_url"], headers=headers)).status_code == 404


async def test_a_retried_upload_with_the_same_key_adds_one_photo(
    client: httpx.AsyncClient, complaint_id: UUID, reporter: dict[str, str]
) -> None:
    headers = {**reporter, "Idempotency-Key": "photo-retry-1"}
    data = encode(photo((40, 30)), "PNG")
    first = await upload(client, complaint_id, headers, data, "p.png")
    again = await upload(client, complaint_id, headers, data, "p.png")
    assert first.json()["id"] == again.json()["id"]
    assert (await client.get(f"{COMPLAINTS}/{complaint_id}")).json()["photo_count"] == 1


async def test_the_files_of_a_photo_whose_request_fails_are_removed(
    client: httpx.AsyncClient,
    complaint_id: UUID,
    reporter: dict[str, str],
    storage: LocalStorage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The files are put before the row that names them; a request failing after that rolls the row back and
    the files go too (no photo of a person left in storage without its complaint)."""

    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(photo_endpoints.presenter, "photo_url", broken)
    try:
        response = await upload(client, complaint_id, reporter, jpeg_with_gps())
        assert response.status_code == 500
    except RuntimeError:
        pass  # the test transport may re-raise what the app answered 500 for
    assert [path for path in storage.root.rglob("*") if path.is_file()] == []
    monkeypatch.undo()
    assert (await upload(client, complaint_id, reporter, jpeg_with_gps())).status_code == 201
    assert (
        len([path for path in storage.root.rglob("*") if path.is_file()]) == 2
    )  # the photo and its thumbnail


async def test_sweep_deletes_only_old_files_that_no_photo_names(
    client: httpx.AsyncClient,
    session: AsyncSession,
    complaint_id: UUID,
    reporter: dict[str, str],
    storage: LocalStorage,
) -> None:
    """A crash between a photo's put and its commit leaves its files (the rollback that deletes them never
    ran): the `sweep-photo-files` job deletes such files once older than an hour, and nothing else."""
    assert (await upload(client, complaint_id, reporter, encode(photo((40, 30)), "PNG"))).status_code == 201
    kept = {path.relative_to(storage.root).as_posix() for path in storage.root.rglob("*") if path.is_file()}
    assert len(kept) == 2  # the photo and its thumbnail
    crashed = f"complaints/{complaint_id}/{uuid4()}.jpg"
    just_written = f"complaints/{complaint_id}/{uuid4()}.jpg"
    other_prefix = "permits/somewhere/document.pdf"
    for key in (crashed, just_written, other_prefix):
        await storage.put(key, b"bytes", "image/jpeg")
    now = utcnow()
    hours_ago = (now - timedelta(hours=2)).timestamp()
    for key in (*kept, crashed, other_prefix):
        os.utime(storage.path_of(key), (hours_ago, hours_ago))

    assert await photos.sweep_orphans(session, storage, now=now) == 1

    assert not await storage.exists(crashed)
    for key in (*kept, just_written, other_prefix):
        assert await storage.exists(key), key
    assert await photos.sweep_orphans(session, storage, now=now + timedelta(hours=2)) == 1  # now old enough
    assert not await storage.exists(just_written)


def test_the_sweep_is_a_registered_job() -> None:
    runner = JobRunner(sessionmaker=None, models=platform)  # type: ignore[arg-type]
    register_photo_jobs(runner, LocalStorage(Path("unused")))
    assert SWEEP_PHOTO_FILES in runner.jobs
