"""Citizen registration, phone verification and code resends through HTTP: neutral answers (no user
enumeration), codes from the development outbox, code expiry, attempts and send limits, encryption at rest."""

from datetime import timedelta
from pathlib import Path

from factories_account import (
    ACCOUNTS,
    NIK_SIANTAR,
    by_phone,
    create_citizen,
    last_code,
    last_code_in,
    messages_to,
    new_email,
    new_phone,
    phone_of,
    registration,
    wrong,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountStatus, OneTimeCode
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.notify.models import Notification


class TestRegister:
    async def test_creates_a_pending_account_and_sends_a_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        body = registration()
        response = await client.post(ACCOUNTS, json=body)
        assert response.status_code == 202, response.text
        assert set(response.json()) == {"message"}
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        assert account.status == AccountStatus.pending
        assert account.kind == "citizen"
        assert account.roles == ["citizen"]
        assert account.assurance_level == 0
        assert account.phone_masked == body["phone"][:6] + "****" + body["phone"][-4:]
        assert account.password_hash is not None
        assert account.password_hash.startswith("$argon2id$")
        assert len(last_code(outbox, body["phone"])) == 6

    async def test_whatsapp_when_asked(self, client: AsyncClient, outbox: Path) -> None:
        body = registration(channel="whatsapp")
        assert (await client.post(ACCOUNTS, json=body)).status_code == 202
        assert [m["channel"] for m in messages_to(outbox, body["phone"])] == ["whatsapp"]

    async def test_a_registered_phone_gets_the_same_answer_and_its_owner_a_notice(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        owner = await create_citizen(session, settings)
        fresh = await client.post(ACCOUNTS, json=registration())
        attempt = await client.post(ACCOUNTS, json=registration(phone=phone_of(owner, settings)))
        assert attempt.status_code == fresh.status_code == 202
        assert attempt.json() == fresh.json()  # the same body as for a new number, and no account id
        notices = messages_to(outbox, phone_of(owner, settings))
        assert len(notices) == 1
        assert "sudah terdaftar" in notices[0]["body"]
        assert not last_code_in(notices)
        count = await session.scalar(select(OneTimeCode.id).where(OneTimeCode.account_id == owner.id))
        assert count is None  # the owner got a notice, not a code

    async def test_a_registered_phone_in_another_form_is_the_same_phone(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        owner = await create_citizen(session, settings)
        local = "0" + phone_of(owner, settings).removeprefix("+62")
        assert (await client.post(ACCOUNTS, json=registration(phone=local))).status_code == 202
        assert len(messages_to(outbox, phone_of(owner, settings))) == 1
        assert (await by_phone(session, settings, phone_of(owner, settings))) is not None

    async def test_personal_data_is_not_stored_in_clear(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        email = new_email()
        body = registration(email=email, nik=NIK_SIANTAR)
        assert (await client.post(ACCOUNTS, json=body)).status_code == 202
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        columns = (
            Account.phone_ciphertext,
            Account.email_ciphertext,
            Account.nik_ciphertext,
            Account.phone_index,
        )
        row = (await session.execute(select(*columns).where(Account.id == account.id))).one()
        for blob in row[:3]:
            assert isinstance(blob, bytes)
            assert len(blob) > 16
            for secret in (body["phone"], body["phone"][3:], email, NIK_SIANTAR):
                assert secret.encode() not in blob
        assert body["phone"][3:] not in row[3]

    async def test_a_weak_password_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        body = registration(password="siantar123")
        response = await client.post(ACCOUNTS, json=body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert await by_phone(session, settings, body["phone"]) is None
        assert messages_to(outbox, body["phone"]) == []

    async def test_invalid_fields_are_422(self, client: AsyncClient) -> None:
        body = registration(phone="+1 202 555 0100", nik="12720157089000011", language="jv")
        response = await client.post(ACCOUNTS, json=body)
        assert response.status_code == 422
        pointers = {error["pointer"] for error in response.json()["errors"]}
        assert pointers == {"#/phone", "#/nik", "#/language"}


class TestVerifyPhone:
    async def test_the_code_activates_the_account(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)
        code = last_code(outbox, body["phone"])
        response = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "active"
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        assert account.status == AccountStatus.active
        assert account.phone_verified_at is not None
        assert account.assurance_level == 0
        replay = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
        assert replay.status_code == 400  # single use

    async def test_email_and_nik_are_claimed_on_activation(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        email = new_email()
        body = registration(email=email, nik=NIK_SIANTAR)
        await client.post(ACCOUNTS, json=body)
        pending = await by_phone(session, settings, body["phone"])
        assert pending is not None
        assert pending.email_index is None
        assert pending.nik_index is None
        code = last_code(outbox, body["phone"])
        await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        assert account.email_index is not None
        assert account.email_verified_at is None
        assert account.nik_masked == "1272********0001"
        assert account.assurance_level == 1
        assert len(last_code(outbox, email)) == 6  # the e-mail gets its own code

    async def test_expired_code(self, client: AsyncClient, outbox: Path, clock: FrozenClock) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)
        clock.advance(timedelta(minutes=5, seconds=1))
        code = last_code(outbox, body["phone"])
        response = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-code")

    async def test_five_wrong_attempts_kill_the_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)
        code = last_code(outbox, body["phone"])
        for _ in range(5):
            miss = await client.post(
                f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": wrong(code)}
            )
            assert miss.status_code == 400
        right = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
        assert right.status_code == 400
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        assert account.status == AccountStatus.pending

    async def test_unknown_phone_and_active_account_get_the_same_answer(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        active = await create_citizen(session, settings)
        unknown = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": new_phone(), "code": "123456"})
        known = await client.post(
            f"{ACCOUNTS}/verify-phone", json={"phone": phone_of(active, settings), "code": "123456"}
        )
        assert unknown.status_code == known.status_code == 400
        assert unknown.json() | {"instance": ""} == known.json() | {"instance": ""}


class TestResendCode:
    async def test_unknown_phone_gets_the_neutral_answer(self, client: AsyncClient, outbox: Path) -> None:
        phone = new_phone()
        response = await client.post(f"{ACCOUNTS}/resend-code", json={"phone": phone})
        assert response.status_code == 202
        assert messages_to(outbox, phone) == []

    async def test_a_new_code_replaces_the_old_one(self, client: AsyncClient, outbox: Path) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)
        first = last_code(outbox, body["phone"])
        assert (
            await client.post(f"{ACCOUNTS}/resend-code", json={"phone": body["phone"]})
        ).status_code == 202
        second = last_code(outbox, body["phone"])
        old = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": first})
        assert first == second or old.status_code == 400
        new = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": second})
        assert new.status_code == 200

    async def test_limit_per_hour_then_429(
        self, client: AsyncClient, outbox: Path, clock: FrozenClock
    ) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)
        for _ in range(2):
            assert (
                await client.post(f"{ACCOUNTS}/resend-code", json={"phone": body["phone"]})
            ).status_code == 202
        limited = await client.post(f"{ACCOUNTS}/resend-code", json={"phone": body["phone"]})
        assert limited.status_code == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 3600
        assert len(messages_to(outbox, body["phone"])) == 3
        clock.advance(timedelta(hours=1, seconds=1))
        assert (
            await client.post(f"{ACCOUNTS}/resend-code", json={"phone": body["phone"]})
        ).status_code == 202

    async def test_an_unknown_phone_is_limited_alike(self, client: AsyncClient) -> None:
        phone = new_phone()
        statuses = [
            (await client.post(f"{ACCOUNTS}/resend-code", json={"phone": phone})).status_code
            for _ in range(4)
        ]
        assert statuses == [202, 202, 202, 429]

    async def test_one_address_is_limited_across_numbers(self, client: AsyncClient) -> None:
        statuses = [
            (await client.post(f"{ACCOUNTS}/resend-code", json={"phone": new_phone()})).status_code
            for _ in range(31)
        ]
        assert statuses == [202] * 30 + [429]

    async def test_nothing_is_recorded_as_sent_for_unknown_phones(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        before = len(list(await session.scalars(select(Notification.id))))
        await client.post(f"{ACCOUNTS}/resend-code", json={"phone": new_phone()})
        assert len(list(await session.scalars(select(Notification.id)))) == before
