"""Open311 GeoReport v2 reads in both formats, in process: discovery, services, service definitions, requests
(filters, pages, default window, extensions), one request, tokens, the update feed; visibility; errors."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from factories import create_complaint, get_category, seed_catalogue
from fastapi import FastAPI
from httpx import AsyncClient, Response
from open311_schemas import assert_datetimes, parse_xml, texts, validate, validate_openapi_list
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.open311.config import Open311Settings, get_settings
from siantar_complaints.open311.middleware import install
from siantar_shared.testing.plugin import save

V2 = "/open311/v2"
WIB_SUFFIX = "+07:00"


@pytest.fixture
def app(app_factory: Any) -> FastAPI:
    """The service's app with the Open311 edge installed (a no-op once main.py installs it itself)."""
    return install(app_factory())


async def get_both(client: AsyncClient, path: str, **params: Any) -> tuple[Response, Response]:
    json_answer = await client.get(f"{V2}/{path}.json", params=params)
    xml_answer = await client.get(f"{V2}/{path}.xml", params=params)
    return json_answer, xml_answer


def assert_ok(json_answer: Response, xml_answer: Response) -> None:
    assert json_answer.status_code == 200, json_answer.text
    assert xml_answer.status_code == 200, xml_answer.text
    assert json_answer.headers["content-type"] == "application/json; charset=utf-8"
    assert xml_answer.headers["content-type"] == "text/xml; charset=utf-8"


def assert_error(answer: Response, status: int, code: int | None = None) -> str:
    """An Open311 error list in the format of the path; returns the description."""
    assert answer.status_code == status, answer.text
    if answer.url.path.endswith(".xml"):
        root = parse_xml(answer.content)
        assert root.tag == "errors"
        [error] = list(root)
        assert error.tag == "error"
        values = texts(error)
        assert values["code"] == str(code or status)
        return values["description"] or ""
    body = answer.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == (code or status)
    return str(body[0]["description"])


async def complaint(session: AsyncSession, **overrides: Any) -> Complaint:
    return await create_complaint(session, **overrides)


class TestDiscovery:
    async def test_both_formats(self, client: AsyncClient) -> None:
        json_answer, xml_answer = await get_both(client, "discovery")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        assert set(body) >= {"changeset", "contact", "key_service", "endpoints"}
        [endpoint] = body["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["type"] == "test"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        root = parse_xml(xml_answer.content)
        assert root.tag == "discovery"
        endpoint_element = root.find("endpoints/endpoint")
        assert endpoint_element is not None
        assert [f.text for f in endpoint_element.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]
        assert root.findtext("changeset") == body["changeset"]

    async def test_behind_the_gateway_and_when_configured(self, app: FastAPI, client: AsyncClient) -> None:
        forwarded = {"X-Forwarded-Host": "api.siantar.test:8443", "X-Forwarded-Proto": "https"}
        answer = await client.get(f"{V2}/discovery.json", headers=forwarded)
        assert answer.json()["endpoints"][0]["url"] == "https://api.siantar.test:8443/open311/v2"
        configured = Open311Settings(PUBLIC_URL="https://api.pematangsiantar.go.id/open311/v2")
        app.dependency_overrides[get_settings] = lambda: configured
        answer = await client.get(f"{V2}/discovery.xml", headers=forwarded)
        assert parse_xml(answer.content).findtext("endpoints/endpoint/url") == configured.PUBLIC_URL


class TestServices:
    async def test_list_in_both_formats_validates(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        (await get_category(session, "aspirasi")).active = False
        (await get_category(session, "taman")).attributes = []
        await session.flush()
        json_answer, xml_answer = await get_both(client, "services")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate("services", body)
        by_code = {item["service_code"]: item for item in body}
        assert "aspirasi" not in by_code
        assert by_code["sampah"]["metadata"] is True
        assert by_code["taman"]["metadata"] is False
        assert by_code["sampah"]["type"] == "realtime"
        assert by_code["sampah"]["service_name"] == "Sampah"
        root = parse_xml(xml_answer.content)
        assert root.tag == "services"
        assert [element.tag for element in root] == ["service"] * len(body)
        xml_sampah = next(s for s in root if s.findtext("service_code") == "sampah")
        assert xml_sampah.findtext("metadata") == "true"
        assert xml_sampah.findtext("service_name") == "Sampah"

    async def test_english_names_on_request(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        answer = await client.get(f"{V2}/services.json", headers={"Accept-Language": "en"})
        assert {item["service_code"]: item["service_name"] for item in answer.json()}["sampah"] == "Rubbish"

    async def test_lat_long_inside_and_outside_the_city(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        inside = await client.get(f"{V2}/services.json", params={"lat": "2.9595", "long": "99.0687"})
        assert len(inside.json()) > 0
        outside = await client.get(f"{V2}/services.xml", params={"lat": "-6.2", "long": "106.8"})
        assert outside.status_code == 200
        assert list(parse_xml(outside.content)) == []
        half = await client.get(f"{V2}/services.json", params={"lat": "2.9595"})
        assert "lat/long" in assert_error(half, 400)

    async def test_definition_lists_attributes(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        json_answer, xml_answer = await get_both(client, "services/adminduk")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate("service-definition", body)
        assert body["service_code"] == "adminduk"
        layanan = body["attributes"][0]
        assert layanan["code"] == "layanan"
        assert layanan["datatype"] == "multivaluelist"
        assert layanan["required"] is True
        assert layanan["variable"] is True
        assert layanan["order"] == 1
        assert layanan["values"]
        assert set(layanan["values"][0]) == {"key", "name"}
        root = parse_xml(xml_answer.content)
        assert root.tag == "service_definition"
        attributes = root.findall("attributes/attribute")
        assert len(attributes) == len(body["attributes"])
        assert [v.findtext("key") for v in attributes[0].findall("values/value")] == [
            v["key"] for v in layanan["values"]
        ]

    async def test_unknown_or_inactive_service_is_404(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        (await get_category(session, "aspirasi")).active = False
        await session.flush()
        assert_error(await client.get(f"{V2}/services/nope.json"), 404)
        assert_error(await client.get(f"{V2}/services/aspirasi.xml"), 404)


class TestJurisdiction:
    @pytest.mark.parametrize("value", [None, "", "pematangsiantar.go.id", "PemATANGsiantar.go.id"])
    async def test_absent_empty_or_ours_is_accepted(
        self, client: AsyncClient, session: AsyncSession, value: str | None
    ) -> None:
        await seed_catalogue(session)
        params = {} if value is None else {"jurisdiction_id": value}
        answer = await client.get(f"{V2}/services.json", params=params)
        assert answer.status_code == 200

    async def test_another_is_404_in_both_formats(self, client: AsyncClient) -> None:
        for fmt in ("json", "xml"):
            answer = await client.get(f"{V2}/requests.{fmt}", params={"jurisdiction_id": "medan.go.id"})
            assert "medan.go.id" in assert_error(answer, 404)


class TestRequests:
    async def test_list_in_both_formats_validates(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        first = await complaint(session, address_text="Jl. Sutomo No. 12", sla_due_at=datetime.now(UTC))
        await complaint(session, status="closed", closed_at=datetime.now(UTC))
        json_answer, xml_answer = await get_both(client, "requests")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate("requests", body)
        assert len(body) == 2
        item = next(item for item in body if item["service_request_id"] == first.tracking_number)
        assert item["status"] == "open"
        assert item["service_code"] == "lampu-jalan"
        assert item["agency_responsible"] == "Nama DISHUB"  # from identity's OPD list
        assert (
            item["address"] == "Jl. Sutomo No. 12, Kel. Sukaraja, Kec. Siantar Marihat, Kota Pematangsiantar"
        )
        assert item["zipcode"]
        assert item["lat"] == pytest.approx(2.9595)
        assert "Diterima" in item["status_notes"]
        dates = [item["requested_datetime"], item["updated_datetime"], item["expected_datetime"]]
        assert all(value.endswith(WIB_SUFFIX) for value in dates)
        assert_datetimes(dates)
        assert "extended_attributes" not in item
        root = parse_xml(xml_answer.content)
        assert root.tag == "service_requests"
        assert [element.tag for element in root] == ["request", "request"]
        xml_item = next(r for r in root if r.findtext("service_request_id") == first.tracking_number)
        assert texts(xml_item)["address_id"] is None  # null as an empty element
        assert xml_item.findtext("requested_datetime") == item["requested_datetime"]

    async def test_restricted_never_appears_and_no_person_data(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        secret = await complaint(session, report_visibility="restricted")
        anonymous = await complaint(session, identity_visibility="hidden")
        body = (await client.get(f"{V2}/requests.json", params={"extensions": "true"})).json()
        assert [item["service_request_id"] for item in body] == [anonymous.tracking_number]
        assert str(anonymous.reporter_id) not in json_text(body)
        assert "reporter" not in json_text(body)
        for path in (f"requests/{secret.tracking_number}", f"tokens/{secret.id}"):
            assert_error(await client.get(f"{V2}/{path}.json"), 404)
        listed = await client.get(f"{V2}/requests.xml", params={"service_request_id": secret.tracking_number})
        assert list(parse_xml(listed.content)) == []

    async def test_one_by_id_is_a_list_of_one(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        row = await complaint(session)
        json_answer, xml_answer = await get_both(client, f"requests/{row.tracking_number}")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate("requests", body)
        assert [item["service_request_id"] for item in body] == [row.tracking_number]
        root = parse_xml(xml_answer.content)
        assert root.tag == "service_requests"
        assert [r.tag for r in root] == ["request"]
        assert_error(await client.get(f"{V2}/requests/SIANTAR-1999-000001.xml"), 404)

    async def test_filters(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        now = datetime.now(UTC)
        lamp = await complaint(session, created_at=now - timedelta(days=2))
        rubbish = await complaint(session, category_code="sampah", status="in_progress")
        old = await complaint(
            session, created_at=now - timedelta(days=120), last_activity_at=now - timedelta(days=1)
        )
        done = await complaint(session, status="resolved", resolved_at=now)

        async def numbers(**params: str) -> list[str]:
            answer = await client.get(f"{V2}/requests.json", params=params)
            assert answer.status_code == 200, answer.text
            return [item["service_request_id"] for item in answer.json()]

        assert set(await numbers()) == {lamp.tracking_number, rubbish.tracking_number, done.tracking_number}
        assert await numbers(service_code="sampah") == [rubbish.tracking_number]
        assert set(await numbers(service_code="sampah,lampu-jalan", status="open")) == {
            lamp.tracking_number,
            rubbish.tracking_number,
        }
        assert await numbers(status="closed") == [done.tracking_number]
        assert len(await numbers(status="open,closed")) == 3
        # service_request_id overrides every other parameter, even the default window
        ids = f"{old.tracking_number},{rubbish.tracking_number}"
        assert set(await numbers(service_request_id=ids, service_code="pasar")) == {
            old.tracking_number,
            rubbish.tracking_number,
        }
        start = (now - timedelta(days=3)).astimezone().isoformat()
        end = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        assert await numbers(start_date=start, end_date=end) == [lamp.tracking_number]
        # "+07:00" sent unescaped in a query string arrives as " 07:00"
        wib = (now - timedelta(days=3)).astimezone(timezone(timedelta(hours=7))).isoformat(timespec="seconds")
        answer = await client.get(f"{V2}/requests.json?start_date={wib}&end_date={end}")
        assert [item["service_request_id"] for item in answer.json()] == [lamp.tracking_number]
        assert old.tracking_number in await numbers(updated_after=(now - timedelta(days=2)).isoformat())
        after_old = (now - timedelta(days=121)).isoformat()
        assert await numbers(start_date=after_old, end_date=(now - timedelta(days=100)).isoformat()) == [
            old.tracking_number
        ]

    async def test_pages_are_one_based(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        now = datetime.now(UTC)
        rows = [await complaint(session, created_at=now - timedelta(minutes=i)) for i in range(5)]
        newest_first = [row.tracking_number for row in rows]

        async def page(number: int) -> list[str]:
            answer = await client.get(f"{V2}/requests.json", params={"page": number, "page_size": 2})
            return [item["service_request_id"] for item in answer.json()]

        assert [*await page(1), *await page(2), *await page(3)] == newest_first
        assert await page(4) == []

    @pytest.mark.parametrize(
        ("params", "named"),
        [
            ({"start_date": "2026-01-01T00:00:00"}, "start_date"),  # no offset
            ({"start_date": "kemarin"}, "start_date"),
            ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
            ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
            ({"status": "fixed"}, "status"),
            ({"page": "0"}, "page"),
            ({"page_size": "1001"}, "page_size"),
            ({"extensions": "maybe"}, "extensions"),
        ],
    )
    async def test_bad_parameters_are_400_naming_them(
        self, client: AsyncClient, params: dict[str, str], named: str
    ) -> None:
        for fmt in ("json", "xml"):
            answer = await client.get(f"{V2}/requests.{fmt}", params=params)
            assert named in assert_error(answer, 400)

    async def test_empty_parameters_are_ignored(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        row = await complaint(session)
        params = {"service_code": "", "status": "", "start_date": "", "page": "", "jurisdiction_id": ""}
        answer = await client.get(f"{V2}/requests.json", params=params)
        assert [item["service_request_id"] for item in answer.json()] == [row.tracking_number]

    async def test_extensions(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        master = await complaint(session)
        row = await complaint(session, status="duplicate", duplicate_of_id=master.id, status_reason="Sama")
        await save(session, entry(row, to_status="duplicate", note="Laporan sama dengan yang lain"))
        await save(session, entry(row, kind="internal_note", visibility="staff", note="catatan dalam"))
        json_answer, xml_answer = await get_both(client, f"requests/{row.tracking_number}", extensions="true")
        assert_ok(json_answer, xml_answer)
        [item] = json_answer.json()
        validate("requests", [item])
        assert item["status"] == "closed"
        assert item["status_notes"] == "Laporan ganda. Sama"
        extended = item["extended_attributes"]
        assert extended["state"] == "duplicate"
        assert extended["parent_service_request_id"] == master.tracking_number
        assert extended["kelurahan_code"] == "12.72.05.1002"
        assert extended["kecamatan_code"] == "12.72.05"
        assert extended["opd_code"] == "DISHUB"
        assert [note["description"] for note in item["notes"]] == ["Laporan sama dengan yang lain"]
        assert "catatan dalam" not in json_answer.text
        assert "catatan dalam" not in xml_answer.text
        root = parse_xml(xml_answer.content)
        assert root.findtext("request/extended_attributes/state") == "duplicate"
        assert [n.findtext("summary") for n in root.findall("request/notes/note")] == ["Laporan ganda"]


class TestTokensAndUpdates:
    async def test_token_gives_the_request_id(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        row = await complaint(session)
        json_answer, xml_answer = await get_both(client, f"tokens/{row.id}")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate_openapi_list("TokenResponse", body)
        assert body == [{"service_request_id": row.tracking_number, "token": str(row.id)}]
        root = parse_xml(xml_answer.content)
        assert root.tag == "service_requests"
        assert root.findtext("request/service_request_id") == row.tracking_number
        assert_error(await client.get(f"{V2}/tokens/not-a-token.json"), 404)

    async def test_update_feed(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        row = await complaint(session, status="in_progress")
        hidden = await complaint(session, report_visibility="restricted")
        now = datetime.now(UTC)
        first = await save(session, entry(row, to_status="in_progress", created_at=now - timedelta(hours=2)))
        second = await save(
            session, entry(row, kind="public_update", note="Petugas ke lokasi", created_at=now)
        )
        await save(session, entry(row, kind="internal_note", visibility="staff", note="rahasia"))
        await save(session, entry(hidden, to_status="verified"))
        json_answer, xml_answer = await get_both(client, "servicerequestupdates")
        assert_ok(json_answer, xml_answer)
        body = json_answer.json()
        validate_openapi_list("Update", body)
        assert [item["update_id"] for item in body] == [str(first.id), str(second.id)]
        assert [item["status"] for item in body] == ["IN_PROGRESS", "IN_PROGRESS"]
        assert body[1]["description"] == "Petugas ke lokasi"
        assert {item["service_request_id"] for item in body} == {row.tracking_number}
        assert_datetimes([item["updated_datetime"] for item in body])
        root = parse_xml(xml_answer.content)
        assert root.tag == "service_request_updates"
        assert [element.tag for element in root] == ["request_update", "request_update"]
        old = await client.get(
            f"{V2}/servicerequestupdates.json", params={"end_date": (now - timedelta(days=1)).isoformat()}
        )
        assert old.json() == []


class TestErrors:
    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("nothing-here.json", 404),
            ("nothing-here.xml", 404),
            ("services.csv", 400),
            ("discovery.html", 400),
            ("requests/abc.yaml", 400),
        ],
    )
    async def test_unknown_paths_and_formats(self, client: AsyncClient, path: str, status: int) -> None:
        assert_error(await client.get(f"{V2}/{path}"), status)

    async def test_wrong_method_is_an_open311_400(self, client: AsyncClient) -> None:
        answer = await client.delete(f"{V2}/services.xml")
        assert_error(answer, 400, code=405)

    async def test_description_in_english_on_request(self, client: AsyncClient) -> None:
        answer = await client.get(f"{V2}/services.csv", headers={"Accept-Language": "en"})
        assert "Unknown format" in assert_error(answer, 400)

    async def test_double_slashes_are_merged(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        answer = await client.get("/open311/v2//services.xml")
        assert answer.status_code == 200
        assert parse_xml(answer.content).tag == "services"
        assert (await client.get("/open311//v2///discovery.json")).status_code == 200

    async def test_other_paths_keep_problem_json(self, client: AsyncClient) -> None:
        answer = await client.get("/complaints/v1/nothing-here")
        assert answer.headers["content-type"] == "application/problem+json"


def entry(complaint_row: Complaint, **overrides: Any) -> ComplaintUpdate:
    values: dict[str, Any] = {
        "complaint_id": complaint_row.id,
        "kind": "status_change",
        "visibility": "public",
        "from_status": None,
        "to_status": None,
        "note": "",
        "actor_role": "officer",
        "data": {},
        "hidden": False,
    }
    values.update(overrides)
    return ComplaintUpdate(**values)


def json_text(body: Any) -> str:
    return json.dumps(body)
