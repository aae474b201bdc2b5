"""Lists over HTTP: the public list and its search, the caller's own, the OPD queue; each seen by the attacker
too (another citizen, another OPD)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from factories import KEBUN_SAYUR, create_complaint, seed_catalogue
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse import search
from siantar_complaints.browse.schemas import ComplaintPage, ComplaintSummary
from siantar_complaints.complaint.models import Complaint
from siantar_shared.testing.tokens import TestKeys

LIST = "/complaints/v1/complaints"
MINE = "/complaints/v1/me/complaints"
QUEUE = "/complaints/v1/queue"


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


def ids(response_json: dict[str, Any]) -> list[str]:
    return [item["id"] for item in response_json["items"]]


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, Any]:
    """Citizen A's public and restricted complaints (DISHUB), and a public DLH one by citizen B."""
    await seed_catalogue(session)
    a, b = uuid4(), uuid4()
    now = datetime.now(UTC)
    public = await create_complaint(session, reporter_id=a, created_at=now - timedelta(minutes=3))
    secret = await create_complaint(
        session,
        reporter_id=a,
        report_visibility="restricted",
        title="Pungutan liar di kantor kelurahan",
        created_at=now - timedelta(minutes=2),
    )
    rubbish = await create_complaint(
        session,
        reporter_id=b,
        category_code="sampah",
        opd_code="DLH",
        title="Sampah menumpuk di pasar",
        description="Tumpukan sampah belum diangkut dari Pasar Horas.",
        identity_visibility="hidden",
        kelurahan_code=KEBUN_SAYUR,
        kecamatan_code="12.72.01",
        created_at=now - timedelta(minutes=1),
    )
    return {"a": a, "b": b, "public": public, "secret": secret, "rubbish": rubbish}


class TestPublicList:
    async def test_anonymous_sees_public_complaints_newest_first(
        self, client: AsyncClient, world: dict[str, Any]
    ) -> None:
        response = await client.get(LIST)
        assert response.status_code == 200
        assert ids(response.json()) == [str(world["rubbish"].id), str(world["public"].id)]
        assert response.headers["cache-control"] == "public, max-age=60"

    async def test_hidden_identity_is_not_shown(self, client: AsyncClient, world: dict[str, Any]) -> None:
        items = {item["id"]: item for item in (await client.get(LIST)).json()["items"]}
        assert items[str(world["rubbish"].id)]["reporter_id"] is None
        assert items[str(world["public"].id)]["reporter_id"] == str(world["a"])
        assert items[str(world["public"].id)]["assigned_officer_id"] is None

    async def test_restricted_complaint_never_listed_even_to_its_reporter(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        for subject in (world["a"], world["b"]):
            response = await client.get(LIST, headers=bearer(test_keys, subject=subject))
            assert str(world["secret"].id) not in ids(response.json())
            assert response.headers["cache-control"] == "no-store"

    async def test_filters(self, client: AsyncClient, world: dict[str, Any]) -> None:
        by_category = await client.get(LIST, params={"category": "sampah"})
        assert ids(by_category.json()) == [str(world["rubbish"].id)]
        by_kelurahan = await client.get(LIST, params={"kelurahan": KEBUN_SAYUR})
        assert ids(by_kelurahan.json()) == [str(world["rubbish"].id)]
        by_kecamatan = await client.get(LIST, params={"kecamatan": "12.72.05"})
        assert ids(by_kecamatan.json()) == [str(world["public"].id)]
        by_status = await client.get(LIST, params=[("status", "closed"), ("status", "resolved")])
        assert ids(by_status.json()) == []
        since = (datetime.now(UTC) - timedelta(seconds=90)).isoformat()
        assert ids((await client.get(LIST, params={"since": since})).json()) == [str(world["rubbish"].id)]

    async def test_bad_filters_are_422_problems(self, client: AsyncClient, world: dict[str, Any]) -> None:
        for params in ({"kelurahan": "12.71.05.1002"}, {"status": "lost"}, {"since": "2026-01-01T00:00:00"}):
            response = await client.get(LIST, params=params)
            assert response.status_code == 422, params
            assert response.headers["content-type"] == "application/problem+json"

    async def test_keyset_pages(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        first = await client.get(LIST, params={"limit": 1})
        assert ids(first.json()) == [str(world["rubbish"].id)]
        cursor = first.json()["next_cursor"]
        second = await client.get(LIST, params={"limit": 1, "cursor": cursor})
        assert ids(second.json()) == [str(world["public"].id)]
        assert second.json()["next_cursor"] is None
        assert (await client.get(LIST, params={"cursor": "not-a-cursor"})).status_code == 400


class TestSearch:
    async def test_whole_words_match_title_or_description(
        self, client: AsyncClient, world: dict[str, Any]
    ) -> None:
        for q in ("sampah", "SAMPAH pasar", "tumpukan", "Horas", "sampah, pasar!", "diangkut belum"):
            assert ids((await client.get(LIST, params={"q": q})).json()) == [str(world["rubbish"].id)], q
        assert ids((await client.get(LIST, params={"q": "lampu mati"})).json()) == [str(world["public"].id)]
        assert ids((await client.get(LIST, params={"q": "sampah lampu"})).json()) == []
        assert ids((await client.get(LIST, params={"q": "tumpuk"})).json()) == []  # whole words only

    async def test_search_pages_with_cursors(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        older = await create_complaint(
            session, title="Sampah di parit", created_at=world["public"].created_at - timedelta(minutes=5)
        )
        seen: list[str] = []
        params: dict[str, Any] = {"q": "sampah", "limit": 1}
        while True:
            page = (await client.get(LIST, params=params)).json()
            seen += ids(page)
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == [str(world["rubbish"].id), str(older.id)]

    async def test_accents_and_case_do_not_matter(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        assert search.terms("Pásár  Hóras") == ["pasar", "horas"]
        assert ids((await client.get(LIST, params={"q": "PÁSAR"})).json()) == [str(world["rubbish"].id)]

    async def test_restricted_complaint_is_never_found(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        for headers in ({}, bearer(test_keys, subject=world["b"]), bearer(test_keys, subject=world["a"])):
            response = await client.get(LIST, params={"q": "pungutan"}, headers=headers)
            assert response.status_code == 200
            assert ids(response.json()) == []

    async def test_query_syntax_is_not_passed_through(
        self, client: AsyncClient, world: dict[str, Any]
    ) -> None:
        for q in ('"sampah', "sampah OR lampu", "sampah & !x", "title:sampah", "NEAR(sampah pasar)"):
            response = await client.get(LIST, params={"q": q})
            assert response.status_code == 200, q
        nothing = await client.get(LIST, params={"q": "!!! ---"})
        assert nothing.status_code == 422
        assert nothing.json()["title"] == "Kata pencarian kosong"

    async def test_edited_text_is_searched_by_its_new_words(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any]
    ) -> None:
        complaint: Complaint = world["public"]
        complaint.title = "Tiang listrik miring"
        complaint.description = "Tiang miring di simpang."
        await session.flush()
        assert ids((await client.get(LIST, params={"q": "tiang"})).json()) == [str(complaint.id)]
        assert ids((await client.get(LIST, params={"q": "lampu"})).json()) == []


class TestMine:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(MINE)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_own_complaints_including_restricted(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        response = await client.get(MINE, headers=bearer(test_keys, subject=world["a"]))
        assert ids(response.json()) == [str(world["secret"].id), str(world["public"].id)]
        assert all(item["reporter_id"] == str(world["a"]) for item in response.json()["items"])

    async def test_another_citizen_sees_only_their_own(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        response = await client.get(MINE, headers=bearer(test_keys, subject=world["b"]))
        assert ids(response.json()) == [str(world["rubbish"].id)]
        stranger = await client.get(MINE, headers=bearer(test_keys))
        assert ids(stranger.json()) == []

    async def test_a_service_token_is_refused(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        response = await client.get(MINE, headers=bearer(test_keys, subject=world["a"], roles=["service"]))
        assert response.status_code == 403


class TestQueue:
    async def test_anonymous_and_citizen(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        assert (await client.get(QUEUE)).status_code == 401
        assert (await client.get(QUEUE, headers=bearer(test_keys, subject=world["a"]))).status_code == 403

    async def test_officer_sees_only_their_opd_restricted_included(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        dishub = bearer(test_keys, roles=["officer"], agency="DISHUB")
        response = await client.get(QUEUE, headers=dishub)
        assert ids(response.json()) == [str(world["secret"].id), str(world["public"].id)]
        dlh = bearer(test_keys, roles=["supervisor"], agency="DLH")
        assert ids((await client.get(QUEUE, headers=dlh)).json()) == [str(world["rubbish"].id)]

    async def test_officer_never_reads_another_opds_queue(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        dlh = bearer(test_keys, roles=["officer"], agency="DLH")
        response = await client.get(QUEUE, params={"opd": "DISHUB"}, headers=dlh)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        no_agency = await client.get(QUEUE, headers=bearer(test_keys, roles=["officer"]))
        assert no_agency.status_code == 403
        assert no_agency.json()["title"] == "Akun Anda tidak terhubung ke OPD"

    async def test_hidden_identity_stays_hidden_from_the_opd(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        dlh = bearer(test_keys, roles=["officer"], agency="DLH")
        (item,) = (await client.get(QUEUE, headers=dlh)).json()["items"]
        assert item["reporter_id"] is None
        verifier = bearer(test_keys, roles=["verifier"])
        response = await client.get(QUEUE, params={"opd": "DLH"}, headers=verifier)
        assert [i["reporter_id"] for i in response.json()["items"]] == [str(world["b"])]

    async def test_desk_sees_every_opd(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        response = await client.get(QUEUE, headers=bearer(test_keys, roles=["admin"]))
        assert set(ids(response.json())) >= {str(world[k].id) for k in ("public", "secret", "rubbish")}

    async def test_assignee_filter(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        officer = uuid4()
        world["public"].assigned_officer_id = officer
        await session.flush()
        me = bearer(test_keys, subject=officer, roles=["officer"], agency="DISHUB")
        mine = await client.get(QUEUE, params={"assignee": "me"}, headers=me)
        assert ids(mine.json()) == [str(world["public"].id)]
        assert mine.json()["items"][0]["assigned_officer_id"] == str(officer)
        unassigned = await client.get(QUEUE, params={"assignee": "none"}, headers=me)
        assert ids(unassigned.json()) == [str(world["secret"].id)]
        by_id = await client.get(QUEUE, params={"assignee": str(officer)}, headers=me)
        assert ids(by_id.json()) == [str(world["public"].id)]
        assert (await client.get(QUEUE, params={"assignee": "him"}, headers=me)).status_code == 422

    async def test_sla_risk_filter(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        now = datetime.now(UTC)
        late, soon = world["public"], world["secret"]
        for complaint, due in ((late, now - timedelta(hours=1)), (soon, now + timedelta(hours=2))):
            complaint.sla_stage, complaint.sla_started_at, complaint.sla_due_at = "verify", now, due
        await session.flush()
        dishub = bearer(test_keys, roles=["officer"], agency="DISHUB")
        breached = await client.get(QUEUE, params={"sla": "breached"}, headers=dishub)
        assert ids(breached.json()) == [str(late.id)]
        at_risk = await client.get(QUEUE, params={"sla": "at_risk"}, headers=dishub)
        assert ids(at_risk.json()) == [str(soon.id)]
        soon.sla_paused = True
        await session.flush()
        assert ids((await client.get(QUEUE, params={"sla": "at_risk"}, headers=dishub)).json()) == []

    async def test_status_category_kelurahan(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        world["public"].status = "verified"
        await session.flush()
        dishub = bearer(test_keys, roles=["officer"], agency="DISHUB")
        verified = await client.get(QUEUE, params={"status": "verified"}, headers=dishub)
        assert ids(verified.json()) == [str(world["public"].id)]
        assert ids((await client.get(QUEUE, params={"category": "sampah"}, headers=dishub)).json()) == []
        other_place = await client.get(QUEUE, params={"kelurahan": KEBUN_SAYUR}, headers=dishub)
        assert ids(other_place.json()) == []


class TestListItems:
    """List items are summaries (`ComplaintSummary`), cut by the same rules as the full complaint."""

    async def test_items_are_summaries_as_the_openapi_document_says(
        self, client: AsyncClient, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        spec = (await client.get("/complaints/v1/openapi.json")).json()
        item_schema = spec["components"]["schemas"]["ComplaintSummary"]
        dishub = bearer(test_keys, roles=["officer"], agency="DISHUB")
        for path, headers in ((LIST, {}), (QUEUE, dishub), (MINE, bearer(test_keys, subject=world["a"]))):
            answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
            assert answer["schema"]["$ref"] == "#/components/schemas/ComplaintPage", path
            response = await client.get(path, headers=headers)
            page = response.json()
            # the service serialises the items it builds itself (orjson): the bytes pydantic would give them
            assert response.content == ComplaintPage.model_validate(page).model_dump_json().encode(), path
            assert page["items"], path
            for item in page["items"]:
                assert set(item) == set(item_schema["properties"]) == set(ComplaintSummary.model_fields)
                assert not {"description", "answers", "routing", "address"} & set(item)
        item = (await client.get(LIST, params={"category": "sampah"})).json()["items"][0]
        assert item["category"]["code"] == "sampah"
        assert set(item["category"]["name"]) == {"id", "en"}
        assert (item["kelurahan"]["code"], item["kecamatan"]["code"]) == (KEBUN_SAYUR, "12.72.01")
        assert (item["opd_code"], item["version"]) == ("DLH", world["rubbish"].version)

    async def test_agency_identity_and_assignee_only_for_the_complaints_opd(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        complaint: Complaint = world["public"]
        complaint.identity_visibility, complaint.assigned_officer_id = "agency", uuid4()
        await session.flush()
        cases = {  # caller: (reporter shown, assignee shown)
            "anonymous": ({}, False),
            "citizen": (bearer(test_keys, subject=world["b"]), False),
            "other OPD": (bearer(test_keys, roles=["officer"], agency="DLH"), False),
            "own OPD": (bearer(test_keys, roles=["officer"], agency="DISHUB"), True),
            "reporter": (bearer(test_keys, subject=world["a"]), None),
        }
        for name, (headers, staff) in cases.items():
            items = {i["id"]: i for i in (await client.get(LIST, headers=headers)).json()["items"]}
            item = items[str(complaint.id)]
            shows_reporter = staff is not False
            assert (item["reporter_id"] == str(world["a"])) is shows_reporter, name
            assert (item["assigned_officer_id"] is not None) is bool(staff), name

    async def test_sla_from_the_stored_clock(
        self, client: AsyncClient, session: AsyncSession, world: dict[str, Any], test_keys: TestKeys
    ) -> None:
        now = datetime.now(UTC)
        late, soon = world["public"], world["secret"]
        for complaint, due in ((late, now - timedelta(hours=1)), (soon, now + timedelta(hours=2))):
            complaint.sla_stage, complaint.sla_started_at, complaint.sla_due_at = "verify", now, due
        await session.flush()
        dishub = bearer(test_keys, roles=["officer"], agency="DISHUB")

        async def clocks() -> dict[str, dict[str, Any]]:
            items = (await client.get(QUEUE, headers=dishub)).json()["items"]
            return {item["id"]: item["sla"] for item in items}

        sla = await clocks()
        assert sla[str(late.id)] | {"due_at": None} == {
            "stage": "verify", "due_at": None, "paused": False, "breached": True, "at_risk": False
        }  # fmt: skip
        assert datetime.fromisoformat(sla[str(late.id)]["due_at"]) == late.sla_due_at
        assert (sla[str(soon.id)]["breached"], sla[str(soon.id)]["at_risk"]) == (False, True)
        soon.sla_paused = late.sla_paused = True
        await session.flush()
        for clock in (await clocks()).values():
            assert (clock["paused"], clock["breached"], clock["at_risk"]) == (True, False, False)
        rubbish = (await client.get(LIST, params={"category": "sampah"})).json()["items"][0]["sla"]
        assert rubbish == {
            "stage": None,
            "due_at": None,
            "paused": False,
            "breached": False,
            "at_risk": False,
        }


def test_terms_are_bounded() -> None:
    words = search.terms(" ".join(f"kata{i}" for i in range(20)) + " " + "x" * 100)
    assert len(words) == search.MAX_TERMS
    assert search.terms("___") == []
