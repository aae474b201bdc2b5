"""POST /identity/v1/guests: guest reporters for counters, SMS and Open311 apps."""

import uuid
from typing import Any

import pytest
from factories_privacy import create_account, random_email, random_phone, service_bearer
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind
from siantar_identity.audit.models import AuditRecord
from siantar_identity.security.context import Crypto
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/guests"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


@pytest.fixture
def headers(test_keys: TestKeys) -> dict[str, str]:
    return service_bearer(test_keys, "guests:write", client_id="svc-complaints")


class TestRegisterGuest:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(URL, json={"name": "Rina", "phone": "081234567890"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.auth(roles=["citizen"], scopes=["guests:write"])
    async def test_citizen_token_is_403(self, client: AsyncClient) -> None:
        assert (await client.post(URL, json={"name": "Rina", "phone": "081234567890"})).status_code == 403

    @pytest.mark.auth(roles=["service"], scopes=["notify:send"])
    async def test_service_without_scope_is_403(self, client: AsyncClient) -> None:
        assert (await client.post(URL, json={"name": "Rina", "phone": "081234567890"})).status_code == 403

    async def test_creates_encrypted_guest(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, headers: dict[str, str]
    ) -> None:
        phone = random_phone()
        local = "0" + phone[3:]  # as typed at the counter: 0812...
        response = await client.post(
            URL, json={"name": " Rina  Simanjuntak ", "phone": local}, headers=headers
        )
        assert response.status_code == 201
        guest = await session.get(Account, uuid.UUID(response.json()["subject_id"]))
        assert guest is not None
        assert (guest.kind, guest.status, guest.full_name, guest.language) == (
            AccountKind.guest,
            "active",
            "Rina Simanjuntak",
            "id",
        )
        assert guest.phone_verified_at is None
        assert guest.password_hash is None
        assert guest.roles == []
        assert guest.phone_ciphertext is not None
        assert phone.encode() not in guest.phone_ciphertext
        assert crypto.ring.decrypt(guest.phone_ciphertext, context="account.phone") == phone
        assert guest.phone_masked == phone[:6] + "****" + phone[-4:]
        entry = (await session.scalars(select(AuditRecord).where(AuditRecord.subject_id == guest.id))).one()
        assert (entry.action, entry.client_id, entry.actor_kind) == (
            "guest.registered",
            "svc-complaints",
            "client",
        )

    async def test_same_phone_or_email_is_the_same_guest(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        phone, email = random_phone(), random_email()
        first = await client.post(URL, json={"name": "Rina", "phone": phone, "email": email}, headers=headers)
        again = await client.post(URL, json={"name": "Someone Else", "phone": phone}, headers=headers)
        by_email = await client.post(URL, json={"name": "R.", "email": email.upper()}, headers=headers)
        assert first.status_code == 201
        assert (again.status_code, by_email.status_code) == (200, 200)
        subject = first.json()["subject_id"]
        assert again.json()["subject_id"] == subject == by_email.json()["subject_id"]
        guest = await session.get(Account, uuid.UUID(subject))
        assert guest is not None
        assert guest.email_masked == email[0] + "***@example.id"
        assert guest.full_name == "Rina"

    async def test_never_linked_to_a_citizen_with_that_contact(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, headers: dict[str, str]
    ) -> None:
        phone, email = random_phone(), random_email()
        citizen = await create_account(session, crypto, phone=phone, email=email)
        response = await client.post(
            URL, json={"name": "Impostor", "phone": phone, "email": email}, headers=headers
        )
        assert response.status_code == 201
        assert response.json()["subject_id"] != str(citizen.id)
        await session.refresh(citizen)
        assert citizen.full_name == "Rina Simanjuntak"
        assert citizen.kind == AccountKind.citizen
        # and a citizen can still register the phone a guest gave: the look-up hashes are apart
        assert citizen.phone_index == crypto.index.digest(phone, context="phone")

    async def test_erased_guest_is_not_reused(
        self, client: AsyncClient, session: AsyncSession, headers: dict[str, str]
    ) -> None:
        phone = random_phone()
        first = await client.post(URL, json={"name": "Rina", "phone": phone}, headers=headers)
        guest = await session.get(Account, uuid.UUID(first.json()["subject_id"]))
        assert guest is not None
        guest.status, guest.phone_index = "erased", None
        await session.flush()
        second = await client.post(URL, json={"name": "Rina", "phone": phone}, headers=headers)
        assert second.status_code == 201
        assert second.json()["subject_id"] != first.json()["subject_id"]

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"name": "Rina"}, "#"),
            ({"name": "Rina", "phone": "+1 555 0100"}, "#/phone"),
            ({"name": "Rina", "email": "not-an-address"}, "#/email"),
            ({"name": "", "phone": "081234567890"}, "#/name"),
            ({"name": "Rina", "phone": "081234567890", "language": "fr"}, "#/language"),
            ({"name": "Rina", "phone": "081234567890", "nik": "1272015708900001"}, "#/nik"),
        ],
    )
    async def test_invalid_body_is_422(
        self,
        body: dict[str, str],
        pointer: str,
        client: AsyncClient,
        session: AsyncSession,
        headers: dict[str, str],
    ) -> None:
        before = len((await session.scalars(select(Account.id))).all())
        response = await client.post(URL, json=body, headers=headers)
        assert response.status_code == 422
        assert pointer in [error["pointer"] for error in response.json()["errors"]]
        assert len((await session.scalars(select(Account.id))).all()) == before
