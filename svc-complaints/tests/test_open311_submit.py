"""Open311 POST requests, in process: a real complaint through the native submission rules, api_key through
identity, jurisdiction, form-urlencoded and multipart (photos, media_url, attribute[code][]), person fields
kept by identity only, errors in the Open311 shape, and an idempotent retry."""

import io
from typing import Any

import pytest
from factories import seed_catalogue
from fakes_identity import FakeIdentity
from fastapi import FastAPI
from httpx import AsyncClient, Response
from open311_schemas import parse_xml, validate, validate_openapi_list
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from test_open311_read import assert_error

from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.open311.middleware import install
from siantar_complaints.open311.models import Open311Submission

V2 = "/open311/v2"
KEY = "sia_open311demo_" + "k" * 43
READ_ONLY_KEY = "sia_readonly0000_" + "r" * 43
PERSON = {
    "first_name": "Rina",
    "last_name": "Simanjuntak",
    "email": "rina@example.test",
    "phone": "081234567890",
}


@pytest.fixture
def app(app_factory: Any) -> FastAPI:
    return install(app_factory())


@pytest.fixture(autouse=True)
async def catalogue(session: AsyncSession) -> None:
    await seed_catalogue(session)


def form(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "api_key": KEY,
        "service_code": "lampu-jalan",
        "lat": "2.9595",
        "long": "99.0687",
        "address_string": "Jl. Sutomo No. 12",
        "description": "Lampu jalan di depan gereja mati sejak tiga hari.\nJalan gelap di malam hari.",
        "attribute[masalah]": "mati",
        **PERSON,
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Complaint)) or 0)


async def only_complaint(session: AsyncSession) -> Complaint:
    return (await session.scalars(select(Complaint))).one()


async def post(client: AsyncClient, fmt: str = "json", **kwargs: Any) -> Response:
    return await client.post(f"{V2}/requests.{fmt}", **kwargs)


class TestSubmit:
    async def test_creates_a_complaint_found_by_id_and_in_the_list(
        self, client: AsyncClient, session: AsyncSession, identity: FakeIdentity
    ) -> None:
        answer = await post(client, data=form())
        assert answer.status_code == 200, answer.text
        body = answer.json()
        validate_openapi_list("RequestResponse", body)
        [item] = body
        assert set(item) == {"service_request_id", "service_notice"}
        assert "hari kerja" in item["service_notice"]
        complaint = await only_complaint(session)
        assert item["service_request_id"] == complaint.tracking_number
        assert complaint.channel == "open311"
        assert complaint.reporter_kind == "guest"
        assert complaint.identity_visibility == "agency"
        assert complaint.submitted_by_client == "open311-demo"
        assert complaint.answers == {"masalah": "mati"}
        assert complaint.title == "Lampu jalan di depan gereja mati sejak tiga hari."
        assert complaint.status == "submitted"
        assert complaint.sla_due_at is not None
        [guest] = identity.guests.values()
        assert guest["name"] == "Rina Simanjuntak"
        assert guest["email"] == "rina@example.test"
        assert str(complaint.reporter_id) in identity.guests

        by_id = await client.get(f"{V2}/requests/{complaint.tracking_number}.json")
        validate("requests", by_id.json())
        assert by_id.json()[0]["service_code"] == "lampu-jalan"
        listed = await client.get(f"{V2}/requests.xml")
        numbers = [r.findtext("service_request_id") for r in parse_xml(listed.content)]
        assert numbers == [complaint.tracking_number]
        for text in (answer.text, by_id.text, listed.text):
            for value in (*PERSON.values(), KEY):
                assert value not in text

    async def test_xml_answer_and_api_key_in_the_query_string(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        answer = await post(client, "xml", data=form(api_key=None), params={"api_key": KEY})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/xml; charset=utf-8"
        root = parse_xml(answer.content)
        assert root.tag == "service_requests"
        [request] = list(root)
        assert request.tag == "request"
        assert request.findtext("service_request_id") == (await only_complaint(session)).tracking_number

    async def test_multipart_with_photos_media_urls_and_list_attributes(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        fields = form(service_code="adminduk", **{"attribute[masalah]": None})
        fields["attribute[layanan][]"] = ["ktp-el", "kk"]
        fields["media_url"] = ["https://media.example.test/a.jpg", "https://media.example.test/b.jpg"]
        files = [("media", ("a.jpg", jpeg(), "image/jpeg")), ("photo1", ("b.jpg", jpeg(), "image/jpeg"))]
        answer = await post(client, data=fields, files=files)
        assert answer.status_code == 200, answer.text
        complaint = await only_complaint(session)
        assert complaint.answers == {"layanan": ["ktp-el", "kk"]}
        photos = (await session.scalars(select(ComplaintPhoto))).all()
        assert len(photos) == 2
        submission = (await session.scalars(select(Open311Submission))).one()
        assert submission.media_urls == fields["media_url"]
        [item] = (
            await client.get(f"{V2}/requests/{complaint.tracking_number}.json", params={"extensions": "true"})
        ).json()
        assert item["media_url"].startswith(
            f"http://testserver/complaints/v1/complaints/{complaint.id}/photos/"
        )
        assert item["extended_attributes"]["media_urls"][2:] == fields["media_url"]
        photo = await client.get(item["media_url"].removeprefix("http://testserver"))
        assert photo.status_code == 200
        assert photo.headers["content-type"] == "image/jpeg"

    async def test_a_retry_with_the_same_idempotency_key_files_one_complaint(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        headers = {"Idempotency-Key": "open311-retry-1"}
        first = await post(client, data=form(), headers=headers)
        again = await post(client, data=form(), headers=headers)
        assert first.status_code == again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert await count(session) == 1
        other = await post(client, data=form(description="Sesuatu yang lain sama sekali."), headers=headers)
        assert_error(other, 400, code=422)
        assert await count(session) == 1


class TestRefused:
    @pytest.mark.parametrize("key", [None, "", "sia_unknown00000_" + "u" * 43, READ_ONLY_KEY])
    async def test_missing_empty_invalid_or_unscoped_key_is_403(
        self, client: AsyncClient, session: AsyncSession, key: str | None
    ) -> None:
        for fmt in ("json", "xml"):
            assert_error(await post(client, fmt, data=form(api_key=key)), 403)
        assert await count(session) == 0

    async def test_api_key_check_is_cached(self, client: AsyncClient, identity: FakeIdentity) -> None:
        for _ in range(3):
            await post(client, data=form(service_code="nope"))
        assert identity.api_key_checks == 1

    async def test_jurisdiction_and_service_code(self, client: AsyncClient, session: AsyncSession) -> None:
        assert_error(await post(client, data=form(jurisdiction_id="medan.go.id")), 404)
        assert_error(await post(client, "xml", data=form(service_code="nope")), 404)
        assert "service_code" in assert_error(await post(client, data=form(service_code="")), 400)
        ok = await post(client, data=form(jurisdiction_id="pematangsiantar.go.id"))
        assert ok.status_code == 200
        assert (await post(client, data=form(jurisdiction_id=""))).status_code == 200
        assert await count(session) == 2

    @pytest.mark.parametrize(
        ("overrides", "named", "code"),
        [
            ({"lat": None, "long": None, "address_string": None}, "lokasi", 400),
            ({"lat": "-6.2", "long": "106.8"}, "lat/long", 400),
            ({"long": None}, "lat/long", 400),
            ({"description": None}, "description", 400),
            ({"description": "<b>Lampu</b> jalan mati di depan"}, "description", 400),
            ({"attribute[masalah]": "meledak"}, "masalah", 422),  # the native answers check
            ({"attribute[masalah]": None}, "masalah", 422),
            ({"email": None, "phone": None}, "email/phone", 400),
            ({"address_id": "99.99"}, "address_id", 400),
            ({"media_url": "javascript:alert(1)"}, "media_url", 400),
        ],
    )
    async def test_bad_fields_are_400_and_nothing_is_written(
        self, client: AsyncClient, session: AsyncSession, overrides: dict[str, Any], named: str, code: int
    ) -> None:
        for fmt in ("json", "xml"):
            assert named in assert_error(await post(client, fmt, data=form(**overrides)), 400, code=code)
        assert await count(session) == 0

    async def test_a_file_that_is_not_an_image_is_refused(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        files = [("media", ("a.jpg", b"not an image at all", "image/jpeg"))]
        assert_error(await post(client, data=form(), files=files), 400, code=415)
        assert await count(session) == 0
