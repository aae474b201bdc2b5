"""Submitting a complaint through HTTP: who may, what is checked, what the answer says, and what is recorded."""

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from factories import MARIHAT, SUKARAJA, create_complaint, create_rule, events, seed_catalogue
from fakes_identity import FakeIdentity
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import writing
from siantar_complaints.complaint.dependencies import utc_now
from siantar_complaints.complaint.models import Complaint, ComplaintUpdate, TrackingCounter
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import Holiday, platform
from siantar_shared.calendar import seed_holidays
from siantar_shared.db import make_single_statement_sessionmaker
from siantar_shared.testing.databases import sessions_of_fresh_database
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TestKeys

COMPLAINTS = "/complaints/v1/complaints"
BALAI_KOTA = {"lat": 2.9595, "long": 99.0687}


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Lampu jalan mati di Jl. Sutomo",
        "description": "Lampu jalan di depan Gereja HKBP Jl. Sutomo mati sejak tiga hari, jalan gelap di malam hari.",
        "category": "lampu-jalan",
        "answers": {"masalah": "mati"},
        "location": BALAI_KOTA,
        "kelurahan": SUKARAJA,
        "address": "Jl. Sutomo No. 12",
        "channel": "app",
    }
    data.update(overrides)
    return data


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


@pytest.fixture
async def catalogue(session: AsyncSession) -> None:
    await seed_catalogue(session)
    await seed_holidays(session, Holiday)


@pytest.fixture
def citizen_id() -> UUID:
    return uuid4()


@pytest.fixture
def citizen(test_keys: TestKeys, citizen_id: UUID) -> dict[str, str]:
    return bearer(test_keys, subject=citizen_id, roles=["citizen"])


async def submit(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> httpx.Response:
    return await client.post(COMPLAINTS, json=body(**overrides), headers=headers)


@pytest.mark.usefixtures("catalogue")
class TestCitizenSubmits:
    async def test_the_answer_names_number_opd_reason_and_due_date(
        self, client: httpx.AsyncClient, citizen: dict[str, str], citizen_id: UUID, session: AsyncSession
    ) -> None:
        response = await submit(client, citizen)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["tracking_number"].startswith("SIANTAR-")
        assert created["status"] == "submitted"
        assert created["routing"]["opd_code"]
        assert created["routing"]["basis"] == "category_default"
        assert created["routing"]["reason"]["id"]
        assert created["routing"]["reason"]["en"]
        assert created["sla"]["stage"] == "verify"
        assert created["sla"]["due_at"] is not None
        assert created["reporter_id"] == str(citizen_id)
        assert created["kecamatan"]["code"] == MARIHAT
        assert created["suggested_duplicates"] == []
        assert response.headers["location"] == f"{COMPLAINTS}/{created['id']}"
        assert response.headers["etag"] == f'"v{created["version"]}"'
        timeline = (await session.scalars(select(ComplaintUpdate))).all()
        assert [(u.to_status, u.actor_id, u.actor_role) for u in timeline] == [
            ("submitted", citizen_id, "citizen")
        ]
        receipts = (await session.scalars(select(NotificationOutbox))).all()
        assert [(r.recipient_id, r.template, r.params) for r in receipts] == [
            (citizen_id, "complaint_received", {"tracking_number": created["tracking_number"]})
        ]
        submitted = await events(session, "id.go.pematangsiantar.complaints.complaint.submitted")
        assert len(submitted) == 1
        assert "reporter" not in str(submitted[0].data)

    async def test_a_kecamatan_rule_routes_and_is_named(
        self, client: httpx.AsyncClient, citizen: dict[str, str], session: AsyncSession
    ) -> None:
        rule = await create_rule(
            session, category="lampu-jalan", kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT"
        )
        created = (await submit(client, citizen)).json()
        assert created["routing"]["opd_code"] == "KEC-SIANTAR-MARIHAT"
        assert created["routing"]["basis"] == "kecamatan_override"
        assert created["routing"]["rule_id"] is None  # staff only
        assert str(rule.id) not in str(created)

    async def test_numbers_follow_each_other(
        self, client: httpx.AsyncClient, citizen: dict[str, str]
    ) -> None:
        numbers = [(await submit(client, citizen)).json()["tracking_number"] for _ in range(3)]
        sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
        assert sequence == [sequence[0], sequence[0] + 1, sequence[0] + 2]

    async def test_a_retry_with_the_same_idempotency_key_files_one_complaint(
        self, client: httpx.AsyncClient, citizen: dict[str, str], session: AsyncSession
    ) -> None:
        headers = {**citizen, "Idempotency-Key": "4b1f6a52-retry-1"}
        first = await submit(client, headers)
        again = await submit(client, headers)
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert await session.scalar(select(func.count()).select_from(Complaint)) == 1

    async def test_nearby_open_complaints_of_the_category_are_suggested(
        self, client: httpx.AsyncClient, citizen: dict[str, str], session: AsyncSession
    ) -> None:
        near = await create_complaint(
            session, latitude=2.9600, longitude=99.0690, title="Lampu mati dekat gereja"
        )
        await create_complaint(session, latitude=2.9700, longitude=99.0690)  # 1 km away
        await create_complaint(session, latitude=2.9596, longitude=99.0687, report_visibility="restricted")
        await create_complaint(session, latitude=2.9596, longitude=99.0687, status="closed")
        await create_complaint(session, latitude=2.9596, longitude=99.0687, category_code="sampah")
        suggested = (await submit(client, citizen)).json()["suggested_duplicates"]
        assert [s["id"] for s in suggested] == [str(near.id)]
        assert 0 < suggested[0]["distance_m"] <= 100

    async def test_an_anonymous_report_hides_the_reporter_from_officers(
        self, client: httpx.AsyncClient, citizen: dict[str, str], test_keys: TestKeys
    ) -> None:
        created = (await submit(client, citizen, identity_visibility="hidden")).json()
        assert created["reporter_id"] is not None  # the reporter sees themselves
        officer = bearer(test_keys, roles=["officer"], agency=created["routing"]["opd_code"])
        seen = (await client.get(f"{COMPLAINTS}/{created['id']}", headers=officer)).json()
        assert seen["reporter_id"] is None
        verifier = bearer(test_keys, roles=["verifier"], agency="DISKOMINFO")
        assert (await client.get(f"{COMPLAINTS}/{created['id']}", headers=verifier)).json()["reporter_id"]
        anonymous = (await client.get(f"{COMPLAINTS}/{created['id']}")).json()
        assert anonymous["reporter_id"] is None


@pytest.mark.usefixtures("catalogue")
class TestBadInput:
    @pytest.mark.parametrize(
        ("overrides", "needle"),
        [
            ({"description": "Lampu <script>alert(1)</script> mati sejak kemarin malam"}, "HTML"),
            ({"description": "Lampu jalan mati <b>sudah lama</b> sekali"}, "HTML"),
            ({"description": "x" * 4001}, "#/description"),
            ({"location": {"lat": 3.5952, "long": 98.6722}}, "Pematangsiantar"),  # Medan
            ({"category": "tidak-ada"}, "tidak-ada"),
            ({"kelurahan": "12.71.01.1001"}, "kelurahan"),
            ({"location": None, "address": None}, "lokasi"),
            ({"answers": {"masalah": "mati", "apa": "ini"}}, "apa"),
            ({"answers": {"masalah": "meledak"}}, "masalah"),
        ],
    )
    async def test_is_refused_with_a_problem_and_nothing_is_written(
        self,
        client: httpx.AsyncClient,
        citizen: dict[str, str],
        session: AsyncSession,
        overrides: dict[str, Any],
        needle: str,
    ) -> None:
        response = await submit(client, citizen, **overrides)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert needle.lower() in response.text.lower()
        assert await session.scalar(select(func.count()).select_from(Complaint)) == 0

    async def test_required_answers_are_required(
        self, client: httpx.AsyncClient, citizen: dict[str, str], session: AsyncSession
    ) -> None:
        category = (await client.get("/complaints/v1/categories")).json()["items"]
        with_required = next(
            c for c in category if any(a["required"] and a["variable"] for a in c["attributes"])
        )
        response = await submit(client, citizen, category=with_required["code"], answers={})
        assert response.status_code == 422
        assert "wajib" in response.json()["detail"] or "must" in response.json()["detail"]

    async def test_anonymous_visitors_cannot_submit(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(COMPLAINTS, json=body())).status_code == 401


@pytest.mark.usefixtures("catalogue")
class TestOnBehalf:
    async def test_an_officer_at_a_counter_registers_a_guest(
        self, client: httpx.AsyncClient, test_keys: TestKeys, identity: FakeIdentity
    ) -> None:
        officer = bearer(test_keys, roles=["officer"], agency="DPMPTSP")
        guest = {"name": "Rina Simanjuntak", "phone": "0812-3456-7890"}
        response = await submit(client, officer, channel="counter", reporter=guest)
        assert response.status_code == 201, response.text
        assert next(iter(identity.guests.values()))["name"] == "Rina Simanjuntak"
        subject = next(iter(identity.guests))
        assert response.json()["reporter_id"] is None or response.json()["reporter_id"] == subject
        assert "0812" not in response.text
        assert "Rina" not in response.text

    async def test_an_api_client_needs_the_write_scope_and_a_reporter(
        self, client: httpx.AsyncClient, test_keys: TestKeys
    ) -> None:
        guest = {"name": "Budi", "email": "budi@example.id"}
        no_scope = bearer(test_keys, roles=[], scopes=["complaints:read"], client_id="partner-app")
        assert (await submit(client, no_scope, reporter=guest)).status_code == 403
        with_scope = bearer(test_keys, roles=[], scopes=["complaints:write"], client_id="partner-app")
        assert (await submit(client, with_scope)).status_code == 403  # nobody named
        assert (await submit(client, with_scope, channel="counter", reporter=guest)).status_code == 403
        assert (await submit(client, with_scope, channel="whatsapp", reporter=guest)).status_code == 201

    async def test_a_citizen_cannot_report_as_someone_else(
        self, client: httpx.AsyncClient, citizen: dict[str, str]
    ) -> None:
        assert (await submit(client, citizen, reporter_id=str(uuid4()))).status_code == 403
        assert (await submit(client, citizen, channel="counter")).status_code == 403


@pytest.mark.usefixtures("catalogue")
class TestReading:
    async def test_a_restricted_complaint_is_a_404_for_anyone_but_its_reporter_and_staff(
        self, client: httpx.AsyncClient, citizen: dict[str, str], test_keys: TestKeys
    ) -> None:
        created = (await submit(client, citizen, report_visibility="restricted")).json()
        url = f"{COMPLAINTS}/{created['id']}"
        by_number = f"{COMPLAINTS}/by-number/{created['tracking_number']}"
        other_citizen = bearer(test_keys, roles=["citizen"])
        other_opd = bearer(test_keys, roles=["officer"], agency="DINKES")
        own_opd = bearer(test_keys, roles=["officer"], agency=created["routing"]["opd_code"])
        for headers in ({}, other_citizen, other_opd):
            assert (await client.get(url, headers=headers)).status_code == 404
            assert (await client.get(by_number, headers=headers)).status_code == 404
        for headers in (citizen, own_opd):
            assert (await client.get(url, headers=headers)).status_code == 200

    async def test_etag_gives_304(self, client: httpx.AsyncClient, citizen: dict[str, str]) -> None:
        created = (await submit(client, citizen)).json()
        url = f"{COMPLAINTS}/{created['id']}"
        first = await client.get(url)
        assert first.status_code == 200
        assert (await client.get(url, headers={"If-None-Match": first.headers["etag"]})).status_code == 304


# the one-statement write (complaint.writing, PostgreSQL) against the statements one by one (SQLite's path)

FIXED_NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def row_of(row: Any, *leave_out: str) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in leave_out}


async def written(session: AsyncSession, number: str) -> dict[str, Any]:
    complaint = (await session.scalars(select(Complaint).where(Complaint.tracking_number == number))).one()
    entry = (
        await session.scalars(select(ComplaintUpdate).where(ComplaintUpdate.complaint_id == complaint.id))
    ).one()
    event = (await session.scalars(select(platform.outbox_event).where(platform.outbox_event.subject == str(complaint.id)))).one()  # fmt: skip
    receipt = (await session.scalars(select(NotificationOutbox).where(NotificationOutbox.complaint_id == complaint.id))).one()  # fmt: skip
    assert event.data["tracking_number"] == receipt.params["tracking_number"] == number
    assert event.data["id"] == str(complaint.id) == event.subject
    return {
        "complaint": row_of(complaint, "id", "tracking_number"),
        "entry": row_of(entry, "id", "complaint_id"),
        "event": {
            **row_of(event, "position", "id", "subject", "time"),
            "data": {**event.data, "id": None, "tracking_number": None},
        },
        "receipt": {
            **row_of(receipt, "id", "complaint_id"),
            "params": {**receipt.params, "tracking_number": None},
        },
    }


@pytest.mark.postgres
@pytest.mark.usefixtures("catalogue")
async def test_one_statement_writes_what_the_statements_one_by_one_write(
    app: FastAPI,
    client: httpx.AsyncClient,
    citizen: dict[str, str],
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.dependency_overrides[utc_now] = lambda: FIXED_NOW
    taken: list[str] = []
    write = writing.write

    async def spy(*args: Any, **kwargs: Any) -> str:
        taken.append(number := await write(*args, **kwargs))
        return number

    monkeypatch.setattr(writing, "write", spy)
    one = await submit(client, citizen, report_visibility="restricted")  # suggests nothing to the next one
    monkeypatch.setattr(writing, "available", lambda session: False)
    other = await submit(client, citizen, report_visibility="restricted")

    assert one.status_code == other.status_code == 201, other.text
    assert taken == [one.json()["tracking_number"]]
    first, second = one.json()["tracking_number"], other.json()["tracking_number"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1
    assert {**one.json(), "id": None, "tracking_number": None} == {
        **other.json(),
        "id": None,
        "tracking_number": None,
    }
    assert await written(session, first) == await written(session, second)


@pytest.mark.usefixtures("catalogue")
async def test_a_year_without_a_counter_starts_at_one_and_numbers_grow_past_six_digits(
    app: FastAPI, client: httpx.AsyncClient, citizen: dict[str, str], session: AsyncSession
) -> None:
    app.dependency_overrides[utc_now] = lambda: datetime(2031, 3, 2, 2, 0, tzinfo=UTC)
    assert (await submit(client, citizen)).json()["tracking_number"] == "SIANTAR-2031-000001"
    await session.execute(
        update(TrackingCounter).where(TrackingCounter.scope == "2031").values(value=999_999)
    )
    assert (await submit(client, citizen)).json()["tracking_number"] == "SIANTAR-2031-1000000"
    assert (await submit(client, citizen)).json()["tracking_number"] == "SIANTAR-2031-1000001"


@pytest.mark.postgres
async def test_submissions_at_once_each_get_their_own_number_and_event(
    app: FastAPI, app_state: dict[str, Any], alembic_ini: Any, test_keys: TestKeys
) -> None:
    """Twelve submissions truly at once on a database with no counter yet (each its own connection, committed,
    in autocommit as in production): the first ones race to create the year's counter and the outbox sequence;
    every one gets its own number and event position, one entry and one receipt; two sent with one
    Idempotency-Key at the same moment make one complaint."""
    async with sessions_of_fresh_database("submit_race", alembic_ini) as sessionmaker:
        async with sessionmaker() as setup, setup.begin():
            await seed_catalogue(setup)
        engine = sessionmaker.kw["bind"]
        state = {
            **app_state,
            "sessionmaker": sessionmaker,
            "single_statement_sessionmaker": make_single_statement_sessionmaker(engine, sessionmaker),
        }
        transport = httpx.ASGITransport(app=StateInjector(app, state))
        citizen = bearer(test_keys, subject=uuid4(), roles=["citizen"])
        twice = {**citizen, "Idempotency-Key": str(uuid4())}
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            responses = await asyncio.gather(
                *(submit(client, citizen, title=f"Laporan {n}") for n in range(12)),
                submit(client, twice, title="Sekali saja"),
                submit(client, twice, title="Sekali saja"),
            )
        alone, pair = responses[:12], responses[12:]
        assert [r.status_code for r in alone] == [201] * 12, [r.text for r in alone if r.status_code != 201]
        # the key's second request: the replay, or 409 while the first is still in flight (module idempotency)
        assert sorted(r.status_code for r in pair) in ([201, 201], [201, 409])
        numbers = {r.json()["tracking_number"] for r in alone + pair if r.status_code == 201}
        year = numbers.copy().pop()[len("SIANTAR-") :][:4]
        async with sessionmaker() as check:
            complaints = list(await check.scalars(select(Complaint)))
            positions = [e.position for e in await check.scalars(select(platform.outbox_event))]
            entries = list(await check.scalars(select(ComplaintUpdate)))
            receipts = list(await check.scalars(select(NotificationOutbox)))
        assert sorted(c.tracking_number for c in complaints) == [
            f"SIANTAR-{year}-{n:06d}" for n in range(1, 14)
        ]
        assert len(positions) == len(set(positions)) == 13
        assert sorted(e.complaint_id for e in entries) == sorted(c.id for c in complaints)
        assert sorted(r.complaint_id for r in receipts) == sorted(c.id for c in complaints)
