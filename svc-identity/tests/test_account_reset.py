"""Password reset by one-time code through HTTP: neutral requests, the confirmation, two-step verification
that a reset cannot bypass (ASVS 6.4.3), sign-ins ended, pending accounts activated."""

from pathlib import Path

from factories_account import (
    ACCOUNTS,
    PASSWORD,
    audit_of,
    by_phone,
    create_citizen,
    create_family,
    enrol_totp,
    last_code,
    messages_to,
    new_email,
    new_phone,
    phone_of,
    registration,
    reload,
    wrong,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountStatus
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.passwords import verify_password

RESET = f"{ACCOUNTS}/password-reset"
NEW_PASSWORD = "payung biru di musim hujan"


class TestRequestReset:
    async def test_known_and_unknown_get_the_same_answer(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        account = await create_citizen(session, settings)
        known = await client.post(RESET, json={"phone": phone_of(account, settings)})
        unknown_phone = new_phone()
        unknown = await client.post(RESET, json={"phone": unknown_phone})
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()
        assert "atur ulang" in messages_to(outbox, phone_of(account, settings))[-1]["body"]
        assert messages_to(outbox, unknown_phone) == []

    async def test_by_verified_email_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        verified, unverified = new_email(), new_email()
        await create_citizen(session, settings, email=verified)
        await create_citizen(session, settings, email=unverified, email_verified=False)
        assert (await client.post(RESET, json={"email": verified})).status_code == 202
        assert (await client.post(RESET, json={"email": unverified})).status_code == 202
        assert len(messages_to(outbox, verified)) == 1
        assert messages_to(outbox, unverified) == []

    async def test_disabled_accounts_get_nothing(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        account = await create_citizen(session, settings, status=AccountStatus.disabled)
        assert (await client.post(RESET, json={"phone": phone_of(account, settings)})).status_code == 202
        assert messages_to(outbox, phone_of(account, settings)) == []

    async def test_one_contact_exactly(self, client: AsyncClient) -> None:
        both = await client.post(RESET, json={"phone": new_phone(), "email": new_email()})
        neither = await client.post(RESET, json={})
        assert both.status_code == neither.status_code == 422


class TestConfirmReset:
    async def test_anonymous_wrong_code(self, client: AsyncClient) -> None:
        body = {"phone": new_phone(), "code": "123456", "new_password": NEW_PASSWORD}
        response = await client.post(f"{RESET}/confirm", json=body)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"

    async def test_new_password_and_every_sign_in_ends(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path, clock: FrozenClock
    ) -> None:
        account = await create_citizen(session, settings)
        family = await create_family(session, account, at=clock.now())
        phone = phone_of(account, settings)
        await client.post(RESET, json={"phone": phone})
        body = {"phone": phone, "code": last_code(outbox, phone), "new_password": NEW_PASSWORD}
        response = await client.post(f"{RESET}/confirm", json=body)
        assert response.status_code == 200, response.text
        stored = await reload(session, account.id)
        assert await verify_password(stored.password_hash, NEW_PASSWORD)
        assert not await verify_password(stored.password_hash, PASSWORD)
        revoked = await session.get(TokenFamily, family.id, populate_existing=True)
        assert revoked is not None
        assert revoked.revoke_reason == "password_reset"
        assert [r.outcome for r in await audit_of(session, account.id, "account.password_reset")] == [
            "success"
        ]
        assert (await client.post(f"{RESET}/confirm", json=body)).status_code == 400  # single use

    async def test_the_policy_applies_and_keeps_the_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        account = await create_citizen(session, settings, full_name="Maruli Hutagalung")
        phone = phone_of(account, settings)
        await client.post(RESET, json={"phone": phone})
        code = last_code(outbox, phone)
        weak = await client.post(
            f"{RESET}/confirm", json={"phone": phone, "code": code, "new_password": "hutagalung 2024"}
        )
        assert weak.status_code == 422
        good = await client.post(
            f"{RESET}/confirm", json={"phone": phone, "code": code, "new_password": NEW_PASSWORD}
        )
        assert good.status_code == 200

    async def test_a_code_sent_to_the_phone_does_not_work_for_the_email(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        email = new_email()
        account = await create_citizen(session, settings, email=email)
        phone = phone_of(account, settings)
        await client.post(RESET, json={"phone": phone})
        body = {"email": email, "code": last_code(outbox, phone), "new_password": NEW_PASSWORD}
        assert (await client.post(f"{RESET}/confirm", json=body)).status_code == 400

    async def test_two_step_verification_cannot_be_bypassed(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path, clock: FrozenClock
    ) -> None:
        account = await create_citizen(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        phone = phone_of(account, settings)
        await client.post(RESET, json={"phone": phone})
        body = {"phone": phone, "code": last_code(outbox, phone), "new_password": NEW_PASSWORD}
        without = await client.post(f"{RESET}/confirm", json=body)
        assert without.status_code == 400
        assert without.json()["type"].endswith("/second-factor-required")
        wrong_otp = await client.post(
            f"{RESET}/confirm", json={**body, "otp": wrong(totp.code_at(secret, clock.now()))}
        )
        assert wrong_otp.status_code == 400
        stored = await reload(session, account.id)
        assert await verify_password(stored.password_hash, PASSWORD)  # unchanged so far
        right = await client.post(f"{RESET}/confirm", json={**body, "otp": totp.code_at(secret, clock.now())})
        assert right.status_code == 200, right.text
        assert await verify_password((await reload(session, account.id)).password_hash, NEW_PASSWORD)
        failures = await audit_of(session, account.id, "account.password_reset")
        assert [r.outcome for r in failures] == ["failure", "failure", "success"]

    async def test_wrong_second_factors_use_up_the_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path, clock: FrozenClock
    ) -> None:
        account = await create_citizen(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        phone = phone_of(account, settings)
        await client.post(RESET, json={"phone": phone})
        body = {"phone": phone, "code": last_code(outbox, phone), "new_password": NEW_PASSWORD}
        for _ in range(5):
            miss = await client.post(
                f"{RESET}/confirm", json={**body, "otp": wrong(totp.code_at(secret, clock.now()))}
            )
            assert miss.status_code == 400
        late = await client.post(f"{RESET}/confirm", json={**body, "otp": totp.code_at(secret, clock.now())})
        assert late.status_code == 400
        assert late.json()["type"].endswith("/invalid-code")

    async def test_a_pending_account_is_activated_by_a_reset(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, outbox: Path
    ) -> None:
        body = registration()
        await client.post(ACCOUNTS, json=body)  # say, by someone who did not own the number
        await client.post(RESET, json={"phone": body["phone"]})
        confirm = {
            "phone": body["phone"],
            "code": last_code(outbox, body["phone"]),
            "new_password": NEW_PASSWORD,
        }
        assert (await client.post(f"{RESET}/confirm", json=confirm)).status_code == 200
        verify = await client.post(
            f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": confirm["code"]}
        )
        assert verify.status_code == 400
        account = await by_phone(session, settings, body["phone"])
        assert account is not None
        assert account.status == AccountStatus.active
        assert account.phone_verified_at is not None
        assert await verify_password(account.password_hash, NEW_PASSWORD)
