"""Changing an enabled authenticator: regenerating recovery codes, removing it (citizens only), and the
person boundary (a token only ever changes its own account)."""

from datetime import timedelta

from factories_authorize import bearer, create_account, create_family, create_staff, crypto_of, enrol_totp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_mfa_enrolment import BASE, audit_actions, recent, reload

from siantar_identity.account.models import RecoveryCode
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import verify_second_factor
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.testing.tokens import TestKeys


class TestRegenerateRecoveryCodes:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(f"{BASE}/recovery-codes", json={"code": "123456"})
        assert response.status_code == 401

    async def test_new_codes_replace_the_old(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        secret = (await client.post(f"{BASE}/totp", json={}, headers=headers)).json()["secret"]
        first = await client.post(
            f"{BASE}/totp/confirm", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        old_codes = first.json()["codes"]
        clock.advance(timedelta(seconds=30))
        other = await create_family(session, account, at=clock.now())
        response = await client.post(
            f"{BASE}/recovery-codes", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        assert response.status_code == 200, response.text
        new_codes = response.json()["codes"]
        assert len(new_codes) == 10
        assert not set(new_codes) & set(old_codes)
        stored = await reload(session, account)
        crypto = crypto_of(settings)
        assert (
            await verify_second_factor(
                session, stored, crypto=crypto, otp=None, recovery_code=old_codes[0], at=clock.now()
            )
            is None
        )
        assert await verify_second_factor(
            session, stored, crypto=crypto, otp=None, recovery_code=new_codes[0], at=clock.now()
        ) == ["otp"]
        family = await session.get(TokenFamily, other.id, populate_existing=True)
        assert family is not None
        assert family.revoke_reason == "mfa_changed"
        assert ("mfa.recovery_codes.regenerated", "success") in await audit_actions(session, account.id)

    async def test_a_replayed_code_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        secret = (await client.post(f"{BASE}/totp", json={}, headers=headers)).json()["secret"]
        code = totp.code_at(secret, clock.now())
        assert (
            await client.post(f"{BASE}/totp/confirm", json={"code": code}, headers=headers)
        ).status_code == 200
        replay = await client.post(f"{BASE}/recovery-codes", json={"code": code}, headers=headers)
        assert replay.status_code == 422
        assert await session.scalar(
            select(RecoveryCode.id).where(RecoveryCode.account_id == account.id).limit(1)
        )

    async def test_needs_recent_sign_in_or_password(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        stale = bearer(test_keys, account.id, auth_time=recent(clock) - 600)
        code = totp.code_at(secret, clock.now())
        assert (
            await client.post(f"{BASE}/recovery-codes", json={"code": code}, headers=stale)
        ).status_code == 401
        response = await client.post(
            f"{BASE}/recovery-codes",
            json={"code": code, "password": "kopi-tubruk-di-pasar-horas"},
            headers=stale,
        )
        assert response.status_code == 200

    async def test_not_enabled(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        assert (
            await client.post(f"{BASE}/recovery-codes", json={"code": "123456"}, headers=headers)
        ).status_code == 409


class TestRemoveTotp:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.request("DELETE", f"{BASE}/totp", json={"code": "123456"})
        assert response.status_code == 401

    async def test_citizen_removes_it_with_a_current_code(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        current = await create_family(session, account, at=clock.now())
        other = await create_family(session, account, at=clock.now())
        headers = bearer(test_keys, account.id, auth_time=recent(clock), sid=str(current.id))
        secret = (await client.post(f"{BASE}/totp", json={}, headers=headers)).json()["secret"]
        await client.post(
            f"{BASE}/totp/confirm", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        clock.advance(timedelta(seconds=30))
        response = await client.request(
            "DELETE", f"{BASE}/totp", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        assert response.status_code == 204, response.text
        stored = await reload(session, account)
        assert stored.totp_secret_ciphertext is None
        assert stored.totp_confirmed_at is None
        assert (
            await session.scalar(
                select(RecoveryCode.id).where(RecoveryCode.account_id == account.id).limit(1)
            )
            is None
        )
        families = {
            f.id: f
            for f in await session.scalars(
                select(TokenFamily)
                .execution_options(populate_existing=True)
                .where(TokenFamily.account_id == account.id)
            )
        }
        assert families[current.id].revoked_at is None
        assert families[other.id].revoke_reason in ("mfa_enabled", "mfa_removed")
        assert ("mfa.totp.removed", "success") in await audit_actions(session, account.id)

    async def test_with_a_recovery_code_when_the_authenticator_is_lost(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        secret = (await client.post(f"{BASE}/totp", json={}, headers=headers)).json()["secret"]
        codes = (
            await client.post(
                f"{BASE}/totp/confirm", json={"code": totp.code_at(secret, clock.now())}, headers=headers
            )
        ).json()["codes"]
        wrong = await client.request(
            "DELETE", f"{BASE}/totp", json={"recovery_code": "2222-3333-4444"}, headers=headers
        )
        assert wrong.status_code == 422
        response = await client.request(
            "DELETE", f"{BASE}/totp", json={"recovery_code": codes[3].upper()}, headers=headers
        )
        assert response.status_code == 204
        actions = await audit_actions(session, account.id)
        assert ("mfa.recovery_code.used", "success") in actions
        assert ("mfa.totp.removed", "success") in actions

    async def test_staff_can_never_remove_it(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_staff(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        headers = bearer(test_keys, account.id, roles=["officer"], auth_time=recent(clock))
        response = await client.request(
            "DELETE", f"{BASE}/totp", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        assert response.status_code == 403
        assert response.json()["type"].endswith("/staff-mfa-mandatory")
        assert (await reload(session, account)).totp_confirmed_at is not None

    async def test_a_citizen_token_for_a_staff_account_cannot_either(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_staff(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        headers = bearer(test_keys, account.id, roles=["citizen"], auth_time=recent(clock))
        response = await client.request(
            "DELETE", f"{BASE}/totp", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        assert response.status_code == 403

    async def test_a_wrong_code_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        await enrol_totp(session, settings, account, at=clock.now())
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        response = await client.request("DELETE", f"{BASE}/totp", json={"code": "000000"}, headers=headers)
        assert response.status_code == 422
        assert (await reload(session, account)).totp_confirmed_at is not None

    async def test_a_code_is_required(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        response = await client.request("DELETE", f"{BASE}/totp", json={}, headers=headers)
        assert response.status_code == 422


class TestAnotherPerson:
    async def test_my_token_never_touches_your_authenticator(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        victim = await create_account(session, settings)
        secret = await enrol_totp(session, settings, victim, at=clock.now())
        attacker = await create_account(session, settings)
        headers = bearer(test_keys, attacker.id, auth_time=recent(clock))
        code = totp.code_at(secret, clock.now())  # even knowing the victim's current code
        assert (
            await client.request("DELETE", f"{BASE}/totp", json={"code": code}, headers=headers)
        ).status_code == 409
        assert (
            await client.post(f"{BASE}/recovery-codes", json={"code": code}, headers=headers)
        ).status_code == 409
        assert (await client.get(BASE, headers=headers)).json()["totp_enabled"] is False
        stored = await reload(session, victim)
        assert stored.totp_confirmed_at is not None
        assert stored.totp_last_step is None

    async def test_a_token_for_an_unknown_account(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        from uuid import uuid4

        response = await client.get(BASE, headers=bearer(test_keys, uuid4()))
        assert response.status_code == 403
