"""Changing the phone or e-mail of the signed-in person (re-authentication, then a code to the new contact,
ASVS 7.5.1) and verifying the e-mail, through HTTP."""

from pathlib import Path

from factories_account import (
    ME,
    PASSWORD,
    audit_of,
    bearer,
    create_citizen,
    create_family,
    crypto_of,
    last_code,
    messages_to,
    new_email,
    new_phone,
    phone_of,
    reload,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.testing.tokens import TestKeys


class TestChangePhone:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(f"{ME}/phone", json={"phone": new_phone(), "password": PASSWORD})
        assert response.status_code == 401

    async def test_code_to_the_new_number_then_it_replaces_the_old(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        clock: FrozenClock,
    ) -> None:
        account = await create_citizen(session, settings)
        old, new = phone_of(account, settings), new_phone()
        current = await create_family(session, account, at=clock.now())
        other = await create_family(session, account, at=clock.now())
        headers = bearer(test_keys, account, sid=str(current.id))
        asked = await client.post(f"{ME}/phone", json={"phone": new, "password": PASSWORD}, headers=headers)
        assert asked.status_code == 202, asked.text
        assert (await reload(session, account.id)).phone_index == contacts.phone_index(
            crypto_of(settings), old
        )  # nothing changes before the code comes back
        code = last_code(outbox, new)
        confirmed = await client.post(
            f"{ME}/phone/confirm", json={"phone": new, "code": code}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["phone"] == new[:6] + "****" + new[-4:]
        assert phone_of(await reload(session, account.id), settings) == new
        assert "diganti" in messages_to(outbox, old)[-1]["body"]
        ended = await session.get(TokenFamily, other.id, populate_existing=True)
        kept = await session.get(TokenFamily, current.id, populate_existing=True)
        assert ended is not None
        assert ended.revoke_reason == "phone_changed"
        assert kept is not None
        assert kept.revoked_at is None
        assert len(await audit_of(session, account.id, "account.phone_changed")) == 1

    async def test_wrong_password(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        account = await create_citizen(session, settings)
        new = new_phone()
        body = {"phone": new, "password": "bukan kata sandi saya"}
        response = await client.post(f"{ME}/phone", json=body, headers=bearer(test_keys, account))
        assert response.status_code == 401
        assert messages_to(outbox, new) == []

    async def test_a_taken_number_gets_the_same_answer_and_no_code(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        account = await create_citizen(session, settings)
        holder = await create_citizen(session, settings)
        taken, free = phone_of(holder, settings), new_phone()
        headers = bearer(test_keys, account)
        to_taken = await client.post(
            f"{ME}/phone", json={"phone": taken, "password": PASSWORD}, headers=headers
        )
        to_free = await client.post(
            f"{ME}/phone", json={"phone": free, "password": PASSWORD}, headers=headers
        )
        assert to_taken.status_code == to_free.status_code == 202
        assert to_taken.json() == to_free.json()
        assert messages_to(outbox, taken) == []
        assert len(messages_to(outbox, free)) == 1

    async def test_the_code_is_bound_to_the_number(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        account = await create_citizen(session, settings)
        new, other = new_phone(), new_phone()
        headers = bearer(test_keys, account)
        await client.post(f"{ME}/phone", json={"phone": new, "password": PASSWORD}, headers=headers)
        response = await client.post(
            f"{ME}/phone/confirm", json={"phone": other, "code": last_code(outbox, new)}, headers=headers
        )
        assert response.status_code == 400
        assert phone_of(await reload(session, account.id), settings) != other

    async def test_another_persons_code_does_not_work(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        victim, attacker = await create_citizen(session, settings), await create_citizen(session, settings)
        new = new_phone()
        await client.post(
            f"{ME}/phone", json={"phone": new, "password": PASSWORD}, headers=bearer(test_keys, victim)
        )
        stolen = {"phone": new, "code": last_code(outbox, new)}
        response = await client.post(f"{ME}/phone/confirm", json=stolen, headers=bearer(test_keys, attacker))
        assert response.status_code == 400

    async def test_the_same_number(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        body = {"phone": phone_of(account, settings), "password": PASSWORD}
        assert (
            await client.post(f"{ME}/phone", json=body, headers=bearer(test_keys, account))
        ).status_code == 409


class TestChangeEmail:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (
            await client.post(f"{ME}/email", json={"email": new_email(), "password": PASSWORD})
        ).status_code == 401

    async def test_new_address_replaces_the_old(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        old, new = new_email(), new_email()
        account = await create_citizen(session, settings, email=old)
        headers = bearer(test_keys, account)
        assert (
            await client.post(f"{ME}/email", json={"email": new, "password": PASSWORD}, headers=headers)
        ).status_code == 202
        response = await client.post(
            f"{ME}/email/confirm", json={"email": new, "code": last_code(outbox, new)}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["email"] == new[0] + "***@example.id"
        assert response.json()["email_verified_at"] is not None
        assert "diganti" in messages_to(outbox, old)[-1]["body"]


class TestVerifyEmail:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{ME}/email/verify")).status_code == 401

    async def test_code_then_verified(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        email = new_email()
        account = await create_citizen(session, settings, email=email, email_verified=False)
        headers = bearer(test_keys, account)
        assert (await client.post(f"{ME}/email/verify", headers=headers)).status_code == 202
        code = last_code(outbox, email)
        wrong_code = "000000" if code != "000000" else "111111"
        miss = await client.post(f"{ME}/email/verify/confirm", json={"code": wrong_code}, headers=headers)
        assert miss.status_code == 400
        right = await client.post(f"{ME}/email/verify/confirm", json={"code": code}, headers=headers)
        assert right.status_code == 200
        assert (await reload(session, account.id)).email_verified_at is not None
        again = await client.post(f"{ME}/email/verify", headers=headers)
        assert again.status_code == 409
        assert again.json()["type"].endswith("/email-already-verified")

    async def test_no_email(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.post(f"{ME}/email/verify", headers=bearer(test_keys, account))
        assert response.status_code == 409
