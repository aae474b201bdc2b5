"""POST and GET /identity/v1/me/data-requests: access, correction, erasure and restriction."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories_privacy import (
    PASSWORD,
    bearer,
    create_account,
    create_family,
    outbox_messages,
    random_email,
    service_bearer,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountKind, OneTimeCode
from siantar_identity.audit.models import AuditRecord
from siantar_identity.clock import FrozenClock
from siantar_identity.privacy.models import DataRequest
from siantar_identity.security.context import Crypto
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/me/data-requests"
ERASED = "id.go.pematangsiantar.identity.account.erased"
RESTRICTED = "id.go.pematangsiantar.identity.account.restricted"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


async def events_about(client: AsyncClient, test_keys: TestKeys, subject: uuid.UUID) -> list[dict[str, Any]]:
    """The events about `subject` in the feed, as another service reads it."""
    response = await client.get("/identity/v1/events?after=0&limit=500", headers=service_bearer(test_keys))
    assert response.status_code == 200
    return [event for event in response.json()["items"] if event.get("subject") == str(subject)]


class TestCreateDataRequest:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(URL, json={"kind": "access"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_correction_is_due_in_three_days_and_kept_encrypted(
        self,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        person = await create_account(session, crypto)
        body = {"kind": "correction", "correction": {"field": "full_name", "value": "Rina Br. Simanjuntak"}}
        response = await client.post(URL, json=body, headers=bearer(test_keys, person.id))
        assert response.status_code == 201
        created = response.json()
        assert (created["kind"], created["status"], created["overdue"]) == ("correction", "open", False)
        assert datetime.fromisoformat(created["due_at"]) == clock.now() + timedelta(hours=72)
        assert created["correction"] == {"field": "full_name", "value": "Rina Br. Simanjuntak"}
        row = await session.get(DataRequest, uuid.UUID(created["id"]))
        assert row is not None
        assert row.details_ciphertext is not None
        assert b"Simanjuntak" not in row.details_ciphertext
        again = await client.post(URL, json=body, headers=bearer(test_keys, person.id))
        assert again.status_code == 409
        clock.advance(timedelta(hours=73))
        [listed] = (await client.get(URL, headers=bearer(test_keys, person.id))).json()
        assert listed["id"] == created["id"]
        assert listed["overdue"] is True

    @pytest.mark.parametrize(
        "body",
        [
            {"kind": "correction"},
            {"kind": "access", "correction": {"field": "nik", "value": "x"}},
            {"kind": "erasure"},
            {"kind": "restriction"},
            {"kind": "deletion", "password": PASSWORD},
            {"kind": "access", "message": "x" * 1001},
        ],
    )
    async def test_invalid_body_is_422(
        self,
        body: dict[str, Any],
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
    ) -> None:
        person = await create_account(session, crypto)
        assert (await client.post(URL, json=body, headers=bearer(test_keys, person.id))).status_code == 422
        assert (
            await session.scalars(select(DataRequest).where(DataRequest.account_id == person.id))
        ).all() == []

    async def test_another_persons_requests_are_not_listed(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person, other = await create_account(session, crypto), await create_account(session, crypto)
        await client.post(URL, json={"kind": "access"}, headers=bearer(test_keys, other.id))
        assert (await client.get(URL, headers=bearer(test_keys, person.id))).json() == []


class TestErasure:
    async def test_wrong_password_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        response = await client.post(
            URL, json={"kind": "erasure", "password": "wrong"}, headers=bearer(test_keys, person.id)
        )
        assert response.status_code == 401
        assert 'error="insufficient_user_authentication"' in response.headers["www-authenticate"]
        await session.refresh(person)
        assert person.status == "active"
        assert person.full_name is not None
        assert (
            await session.scalars(select(DataRequest).where(DataRequest.account_id == person.id))
        ).all() == []
        assert await events_about(client, test_keys, person.id) == []

    async def test_pseudonymises_revokes_and_tells_the_services(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        phone, email = "+6281377006677", random_email()
        person = await create_account(
            session, crypto, phone=phone, email=email, nik="1272015708900001", password=PASSWORD
        )
        family = await create_family(session, person)
        await save(
            session,
            OneTimeCode(
                account_id=person.id,
                purpose="verify_phone",
                channel="sms",
                target_index="x",
                code_hash="y",
                expires_at=datetime.now().astimezone() + timedelta(minutes=5),
            ),
        )
        headers = bearer(test_keys, person.id)
        response = await client.post(URL, json={"kind": "erasure", "password": PASSWORD}, headers=headers)
        assert response.status_code == 201
        assert response.json()["status"] == "completed"

        await session.refresh(person)
        assert person.status == "erased"
        assert person.erased_at is not None
        for name in (
            "full_name",
            "phone_ciphertext",
            "phone_index",
            "phone_masked",
            "email_ciphertext",
            "email_index",
            "email_masked",
            "nik_ciphertext",
            "nik_index",
            "nik_masked",
            "password_hash",
        ):
            assert getattr(person, name) is None, name
        await session.refresh(family)
        assert family.revoked_at is not None
        assert family.revoke_reason == "account_erased"
        assert (
            await session.scalars(select(OneTimeCode).where(OneTimeCode.account_id == person.id))
        ).all() == []
        [event] = await events_about(client, test_keys, person.id)
        assert (event["type"], event["source"], event["data"]) == (
            ERASED,
            "/identity",
            {"subject_id": str(person.id)},
        )
        actions = (
            await session.scalars(select(AuditRecord.action).where(AuditRecord.subject_id == person.id))
        ).all()
        assert "account.erased" in actions
        # the phone, e-mail and NIK can register again
        again = await create_account(session, crypto, phone=phone, email=email, nik="1272015708900001")
        assert again.id != person.id
        # and the erased person is gone for every /me endpoint
        assert (await client.get(URL, headers=headers)).status_code == 404
        assert (await client.get("/identity/v1/me/consents", headers=headers)).status_code == 404

    async def test_staff_erasure_waits_for_the_dpo(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        officer = await create_account(
            session,
            crypto,
            kind=AccountKind.staff,
            password=PASSWORD,
            roles=("officer",),
            username="budi.dlh",
        )
        response = await client.post(
            URL,
            json={"kind": "erasure", "password": PASSWORD},
            headers=bearer(test_keys, officer.id, ["officer"]),
        )
        assert response.status_code == 201
        assert response.json()["status"] == "open"
        await session.refresh(officer)
        assert officer.status == "active"
        assert officer.username == "budi.dlh"


async def notify_receipt(client: AsyncClient, test_keys: TestKeys, subject: uuid.UUID) -> tuple[Any, str]:
    """A service asks identity to send `subject` a complaint receipt; the answer and the tracking number in it."""
    tracking = f"LPR-{uuid.uuid4().hex[:8]}"
    notified = await client.post(
        "/identity/v1/notifications",
        json={
            "subject_id": str(subject),
            "template": "complaint_received",
            "params": {"tracking_number": tracking},
        },
        headers=service_bearer(test_keys, "notify:send"),
    )
    return notified, tracking


class TestRestriction:
    async def test_restricts_and_stops_notifications(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        headers = bearer(test_keys, person.id)
        response = await client.post(URL, json={"kind": "restriction", "password": PASSWORD}, headers=headers)
        assert response.status_code == 201
        assert response.json()["status"] == "completed"
        await session.refresh(person)
        assert person.restricted_at is not None
        assert person.status == "active"
        [event] = await events_about(client, test_keys, person.id)
        assert event["type"] == RESTRICTED
        assert event["data"] == {"subject_id": str(person.id)}
        notified, tracking = await notify_receipt(client, test_keys, person.id)
        assert notified.json()["reason"] == "restricted"
        assert outbox_messages(outbox, "sms", tracking) == []
        again = await client.post(URL, json={"kind": "restriction", "password": PASSWORD}, headers=headers)
        assert again.status_code == 409


RESTRICTION_LIFTED = "id.go.pematangsiantar.identity.account.restriction-lifted"


class TestRestrictionLift:
    async def test_lifting_lets_messages_through_again(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        headers = bearer(test_keys, person.id)
        lift = {"kind": "restriction_lift", "password": PASSWORD}
        assert (await client.post(URL, json=lift, headers=headers)).status_code == 409  # nothing restricted
        restricted = await client.post(
            URL, json={"kind": "restriction", "password": PASSWORD}, headers=headers
        )
        assert restricted.status_code == 201
        lifted = await client.post(URL, json=lift, headers=headers)
        assert lifted.status_code == 201, lifted.text
        assert lifted.json()["status"] == "completed"
        await session.refresh(person)
        assert person.restricted_at is None
        events = await events_about(client, test_keys, person.id)
        assert [e["type"] for e in events] == [RESTRICTED, RESTRICTION_LIFTED]
        assert events[1]["data"] == {"subject_id": str(person.id)}
        notified, tracking = await notify_receipt(client, test_keys, person.id)
        assert notified.json().get("reason") != "restricted", notified.text
        assert outbox_messages(outbox, "sms", tracking) != []
        # and it can be restricted again
        again = await client.post(URL, json={"kind": "restriction", "password": PASSWORD}, headers=headers)
        assert again.status_code == 201

    async def test_lifting_needs_the_password(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        headers = bearer(test_keys, person.id)
        await client.post(URL, json={"kind": "restriction", "password": PASSWORD}, headers=headers)
        assert (await client.post(URL, json={"kind": "restriction_lift"}, headers=headers)).status_code == 422
        wrong = await client.post(
            URL, json={"kind": "restriction_lift", "password": "salah sekali"}, headers=headers
        )
        assert wrong.status_code == 401
        await session.refresh(person)
        assert person.restricted_at is not None
