"""`/me` through HTTP: masked reads, the audited unmasked read, profile and password changes, and the
person boundary (a token only ever reads and changes its own account)."""

from uuid import uuid4

import pytest
from factories_account import (
    ME,
    NIK_SIANTAR,
    PASSWORD,
    audit_of,
    bearer,
    create_citizen,
    create_family,
    create_staff,
    new_email,
    phone_of,
    reload,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.passwords import verify_password
from siantar_shared.testing.tokens import TestKeys

NEW_PASSWORD = "payung biru di musim hujan"


class TestReadMe:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(ME)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_masked_view(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        email = new_email()
        account = await create_citizen(session, settings, email=email, nik=NIK_SIANTAR, level=1)
        response = await client.get(ME, headers=bearer(test_keys, account))
        assert response.status_code == 200, response.text
        me = response.json()
        phone = phone_of(account, settings)
        assert me["id"] == str(account.id)
        assert me["kind"] == "citizen"
        assert me["roles"] == ["citizen"]
        assert me["phone"] == phone[:6] + "****" + phone[-4:]
        assert me["email"] == email[0] + "***@example.id"
        assert me["nik"] == "1272********0001"
        assert me["assurance"]["level"] == 1
        assert me["assurance"]["method"] == "nik_self"
        assert me["mfa_enrolled"] is False
        assert me["phone_verified_at"] is not None
        assert phone not in response.text
        assert NIK_SIANTAR not in response.text
        assert email not in response.text
        assert response.headers["cache-control"] == "no-store"

    async def test_staff(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        staff = await create_staff(session, settings, roles=["verifier"])
        response = await client.get(ME, headers=bearer(test_keys, staff, roles=["verifier"]))
        assert response.status_code == 200
        assert response.json()["kind"] == "staff"
        assert response.json()["roles"] == ["verifier"]

    async def test_unknown_subject(self, client: AsyncClient, test_keys: TestKeys) -> None:
        token = test_keys.mint(subject=uuid4(), roles=["citizen"])
        response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403

    @pytest.mark.auth(roles=["service"], scopes=["guests:write"])
    async def test_service_token_acts_for_nobody(self, client: AsyncClient) -> None:
        assert (await client.get(ME)).status_code == 403

    async def test_disabled_account(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        account.status = "disabled"
        await session.flush()
        response = await client.get(ME, headers=bearer(test_keys, account))
        assert response.status_code == 403
        assert response.json()["type"].endswith("/account-not-active")


class TestUpdateMe:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.patch(ME, json={"language": "en"})).status_code == 401

    async def test_name_and_language(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.patch(
            ME,
            json={"full_name": "  Budi   Sitorus Pane ", "language": "en"},
            headers=bearer(test_keys, account),
        )
        assert response.status_code == 200, response.text
        assert response.json()["full_name"] == "Budi Sitorus Pane"
        assert response.json()["language"] == "en"
        records = await audit_of(session, account.id, "account.profile_updated")
        assert records[0].detail == {"fields": ["full_name", "language"]}

    async def test_nothing_else_can_be_changed(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.patch(ME, json={"roles": ["admin"]}, headers=bearer(test_keys, account))
        assert response.status_code == 422
        assert (await reload(session, account.id)).roles == ["citizen"]


class TestPersonalData:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get(f"{ME}/personal-data")).status_code == 401

    async def test_unmasked_and_audited(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        email = new_email()
        account = await create_citizen(session, settings, email=email, nik=NIK_SIANTAR, level=1)
        response = await client.get(f"{ME}/personal-data", headers=bearer(test_keys, account))
        assert response.status_code == 200
        assert response.json() == {
            "full_name": account.full_name,
            "phone": phone_of(account, settings),
            "email": email,
            "nik": NIK_SIANTAR,
        }
        assert response.headers["cache-control"] == "no-store"
        (read,) = await audit_of(session, account.id, "pii.read")
        assert read.purpose == "self_service"
        assert read.actor_id == account.id
        assert read.detail == {"fields": ["email", "full_name", "nik", "phone"]}
        assert NIK_SIANTAR not in str(read.detail)

    async def test_another_persons_token_reads_only_its_own(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        mine = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
        other = await create_citizen(session, settings)
        response = await client.get(f"{ME}/personal-data", headers=bearer(test_keys, other))
        assert response.json()["phone"] == phone_of(other, settings)
        assert NIK_SIANTAR not in response.text
        assert phone_of(mine, settings) not in response.text
        assert await audit_of(session, mine.id, "pii.read") == []


class TestChangePassword:
    async def test_anonymous(self, client: AsyncClient) -> None:
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert (await client.post(f"{ME}/password", json=body)).status_code == 401

    async def test_changes_and_ends_the_other_sign_ins(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_citizen(session, settings)
        current = await create_family(session, account, at=clock.now())
        other = await create_family(session, account, at=clock.now())
        headers = bearer(test_keys, account, sid=str(current.id))
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        response = await client.post(f"{ME}/password", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert await verify_password((await reload(session, account.id)).password_hash, NEW_PASSWORD)
        kept = await session.get(TokenFamily, current.id, populate_existing=True)
        ended = await session.get(TokenFamily, other.id, populate_existing=True)
        assert kept is not None
        assert kept.revoked_at is None
        assert ended is not None
        assert ended.revoke_reason == "password_changed"

    async def test_wrong_current_password_is_recorded(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        body = {"current_password": "not my password at all", "new_password": NEW_PASSWORD}
        response = await client.post(f"{ME}/password", json=body, headers=bearer(test_keys, account))
        assert response.status_code == 401
        assert response.json()["type"].endswith("/wrong-password")
        assert [r.outcome for r in await audit_of(session, account.id, "account.reauthentication")] == [
            "failure"
        ]
        assert await verify_password((await reload(session, account.id)).password_hash, PASSWORD)

    async def test_the_policy_applies(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        body = {"current_password": PASSWORD, "new_password": "sitorus123"}
        response = await client.post(f"{ME}/password", json=body, headers=bearer(test_keys, account))
        assert response.status_code == 422
        assert {error["pointer"] for error in response.json()["errors"]} == {"#/new_password"}

    async def test_guessing_the_current_password_is_throttled(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        body = {"current_password": "tebakan yang salah", "new_password": NEW_PASSWORD}
        statuses = [
            (await client.post(f"{ME}/password", json=body, headers=bearer(test_keys, account))).status_code
            for _ in range(7)
        ]
        assert statuses[:5] == [401] * 5
        assert 429 in statuses[5:]
