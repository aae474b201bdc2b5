"""POST servicerequestupdates by a staff system (an officer's bearer token): through the lifecycle's rules, the
client's update_id kept and deduplicated, the attacker's view (other OPD, citizen, nobody), and the feed."""

from datetime import UTC, datetime
from typing import Any

import pytest
from factories import create_complaint, seed_catalogue
from fastapi import FastAPI
from httpx import AsyncClient
from open311_schemas import parse_xml, validate_openapi_list
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_open311_read import assert_error

from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.open311.middleware import install
from siantar_shared.testing.tokens import TestKeys

V2 = "/open311/v2"


@pytest.fixture
def app(app_factory: Any) -> FastAPI:
    return install(app_factory())


@pytest.fixture
async def complaint(session: AsyncSession) -> Complaint:
    await seed_catalogue(session)
    return await create_complaint(session, status="dispositioned")  # lampu-jalan: DISHUB's


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


@pytest.fixture
def officer(test_keys: TestKeys) -> dict[str, str]:
    return bearer(test_keys, roles=["officer"], agency="DISHUB")


def fields(complaint: Complaint, **overrides: str | None) -> dict[str, str]:
    values = {
        "service_request_id": complaint.tracking_number,
        "update_id": "bo-1",
        "updated_datetime": datetime.now(UTC).isoformat(),
        "status": "IN_PROGRESS",
        "description": "Petugas sudah menuju lokasi.",
        **overrides,
    }
    return {name: value for name, value in values.items() if value is not None}


async def entries(session: AsyncSession, complaint: Complaint) -> list[ComplaintUpdate]:
    statement = select(ComplaintUpdate).where(ComplaintUpdate.complaint_id == complaint.id)
    return list(await session.scalars(statement.order_by(ComplaintUpdate.created_at)))


async def test_in_progress_starts_the_work_and_a_retry_writes_nothing_twice(
    client: AsyncClient, session: AsyncSession, complaint: Complaint, officer: dict[str, str]
) -> None:
    answer = await client.post(f"{V2}/servicerequestupdates.json", data=fields(complaint), headers=officer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    validate_openapi_list("UpdateResponse", body)
    [entry] = await entries(session, complaint)
    assert body == [{"update_id": str(entry.id)}]
    await session.refresh(complaint)
    assert complaint.status == "in_progress"
    assert entry.to_status == "in_progress"
    assert entry.note == "Petugas sudah menuju lokasi."
    assert entry.data["open311_update_id"] == "bo-1"
    again = await client.post(f"{V2}/servicerequestupdates.xml", data=fields(complaint), headers=officer)
    root = parse_xml(again.content)
    assert root.tag == "service_request_updates"
    assert root.findtext("request_update/update_id") == str(entry.id)
    assert len(await entries(session, complaint)) == 1
    feed = (await client.get(f"{V2}/servicerequestupdates.json")).json()
    assert [(item["update_id"], item["status"]) for item in feed] == [(str(entry.id), "IN_PROGRESS")]


async def test_the_current_status_posts_a_public_update_and_fixed_resolves(
    client: AsyncClient, session: AsyncSession, complaint: Complaint, officer: dict[str, str]
) -> None:
    await client.post(f"{V2}/servicerequestupdates.json", data=fields(complaint), headers=officer)
    note = fields(complaint, update_id="bo-2", description="Kabel sedang diganti.")
    assert (
        await client.post(f"{V2}/servicerequestupdates.json", data=note, headers=officer)
    ).status_code == 200
    fixed = fields(complaint, update_id="bo-3", status="FIXED", description="Lampu sudah menyala kembali.")
    assert (
        await client.post(f"{V2}/servicerequestupdates.json", data=fixed, headers=officer)
    ).status_code == 200
    kinds = [(entry.kind, entry.to_status, entry.visibility) for entry in await entries(session, complaint)]
    assert kinds == [
        ("status_change", "in_progress", "public"),
        ("public_update", None, "public"),
        ("status_change", "resolved", "public"),
    ]
    [item] = (await client.get(f"{V2}/requests/{complaint.tracking_number}.json")).json()
    assert item["status"] == "closed"
    feed = (await client.get(f"{V2}/servicerequestupdates.json")).json()
    assert [item["status"] for item in feed] == ["IN_PROGRESS", "IN_PROGRESS", "FIXED"]
    assert feed[1]["description"] == "Kabel sedang diganti."


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ({"roles": ["officer"], "agency": "DLH"}, 403),  # another OPD's officer
        ({"roles": ["citizen"]}, 403),
        (None, 401),  # no token at all: Open311's 403, the error's code says 401
    ],
)
async def test_the_attackers_view(
    client: AsyncClient,
    session: AsyncSession,
    complaint: Complaint,
    test_keys: TestKeys,
    who: dict[str, Any] | None,
    code: int,
) -> None:
    headers = bearer(test_keys, **who) if who else {}
    answer = await client.post(f"{V2}/servicerequestupdates.json", data=fields(complaint), headers=headers)
    assert_error(answer, 403, code=code)
    assert await entries(session, complaint) == []
    await session.refresh(complaint)
    assert complaint.status == "dispositioned"


async def test_a_restricted_request_of_another_opd_is_404(
    client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
) -> None:
    secret = await create_complaint(session, status="dispositioned", report_visibility="restricted")
    other = bearer(test_keys, roles=["officer"], agency="DLH")
    assert_error(
        await client.post(f"{V2}/servicerequestupdates.xml", data=fields(secret), headers=other), 404
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"status": "MELEDAK"}, "status"),
        ({"status": "CLOSED"}, "status"),
        ({"update_id": None}, "update_id"),
        ({"description": None}, "description"),
        ({"updated_datetime": "kemarin"}, "updated_datetime"),
        ({"description": "<script>alert(1)</script>"}, "description"),
    ],
)
async def test_bad_fields_are_400(
    client: AsyncClient,
    session: AsyncSession,
    complaint: Complaint,
    officer: dict[str, str],
    overrides: dict[str, str | None],
    named: str,
) -> None:
    answer = await client.post(
        f"{V2}/servicerequestupdates.json", data=fields(complaint, **overrides), headers=officer
    )
    assert named in assert_error(answer, 400)
    assert await entries(session, complaint) == []
