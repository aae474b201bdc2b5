"""Two-step verification of the signed-in person: status, starting and confirming enrolment."""

from datetime import timedelta
from uuid import uuid4

from factories_authorize import bearer, create_account, create_family, create_staff, crypto_of, enrol_totp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, RecoveryCode
from siantar_identity.audit.models import AuditRecord
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.testing.tokens import TestKeys

BASE = "/identity/v1/me/mfa"


def recent(clock: FrozenClock) -> int:
    return int(clock.now().timestamp())


async def audit_actions(session: AsyncSession, subject: object) -> list[tuple[str, str]]:
    rows = await session.scalars(
        select(AuditRecord).where(AuditRecord.subject_id == subject).order_by(AuditRecord.created_at)
    )
    return [(row.action, row.outcome) for row in rows]


async def reload(session: AsyncSession, account: Account) -> Account:
    fresh = await session.get(Account, account.id, populate_existing=True)
    assert fresh is not None
    return fresh


class TestMfaStatus:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(BASE)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_service_token_acts_for_nobody(self, client: AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get(BASE, headers=bearer(test_keys, uuid4(), roles=["service"]))
        assert response.status_code == 403

    async def test_citizen_without_authenticator(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_account(session, settings)
        response = await client.get(BASE, headers=bearer(test_keys, account.id))
        assert response.status_code == 200
        assert response.json() == {
            "totp_enabled": False,
            "totp_pending": False,
            "confirmed_at": None,
            "recovery_codes_remaining": 0,
            "required": False,
        }

    async def test_staff_must_have_it(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_staff(session, settings)
        response = await client.get(BASE, headers=bearer(test_keys, account.id, roles=["officer"]))
        assert response.json()["required"] is True


class TestStartEnrolment:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(f"{BASE}/totp", json={})
        assert response.status_code == 401

    async def test_recent_sign_in_gets_a_secret_once(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=recent(clock))
        response = await client.post(f"{BASE}/totp", json={}, headers=headers)
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["otpauth_uri"].startswith("otpauth://totp/")
        assert body["secret"] in body["otpauth_uri"]
        stored = await reload(session, account)
        assert stored.totp_secret_ciphertext is not None
        assert body["secret"].encode() not in stored.totp_secret_ciphertext
        plain = crypto_of(settings).ring.decrypt(stored.totp_secret_ciphertext, context=TOTP_CONTEXT)
        assert plain == body["secret"]
        assert stored.totp_confirmed_at is None
        assert ("mfa.totp.enrolment_started", "success") in await audit_actions(session, account.id)
        status = (await client.get(BASE, headers=headers)).json()
        assert status["totp_pending"] is True
        assert status["totp_enabled"] is False

    async def test_old_sign_in_needs_the_password(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        stale = bearer(test_keys, account.id, auth_time=recent(clock) - 3600)
        refused = await client.post(f"{BASE}/totp", json={}, headers=stale)
        assert refused.status_code == 401
        assert 'error="insufficient_user_authentication"' in refused.headers["www-authenticate"]
        assert (await reload(session, account)).totp_secret_ciphertext is None
        no_auth_time = await client.post(f"{BASE}/totp", json={}, headers=bearer(test_keys, account.id))
        assert no_auth_time.status_code == 401
        with_password = await client.post(
            f"{BASE}/totp", json={"password": "kopi-tubruk-di-pasar-horas"}, headers=stale
        )
        assert with_password.status_code == 201

    async def test_wrong_password_is_refused_and_recorded(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(
            test_keys, account.id, auth_time=recent(clock)
        )  # recent, yet a password sent must be right
        response = await client.post(
            f"{BASE}/totp", json={"password": "bukan kata sandinya"}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["type"].endswith("/wrong-password")
        assert (await reload(session, account)).totp_secret_ciphertext is None
        assert ("mfa.reauthentication", "failure") in await audit_actions(session, account.id)

    async def test_guessing_the_password_is_throttled(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id)
        statuses = [
            (
                await client.post(f"{BASE}/totp", json={"password": f"tebakan {n}"}, headers=headers)
            ).status_code
            for n in range(7)
        ]
        assert statuses[:6] == [401] * 6
        assert statuses[6] == 429
        throttled = await client.post(
            f"{BASE}/totp", json={"password": "kopi-tubruk-di-pasar-horas"}, headers=headers
        )
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) >= 1
        clock.advance(timedelta(minutes=1))
        assert (
            await client.post(
                f"{BASE}/totp", json={"password": "kopi-tubruk-di-pasar-horas"}, headers=headers
            )
        ).status_code == 201

    async def test_already_enabled_is_a_conflict(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        account = await create_account(session, settings)
        await enrol_totp(session, settings, account, at=clock.now())
        response = await client.post(
            f"{BASE}/totp", json={}, headers=bearer(test_keys, account.id, auth_time=recent(clock))
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/totp-already-enabled")

    async def test_idempotency_key_is_refused(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        """A replayable copy of a secret shown once would be a copy of the secret in the database."""
        account = await create_account(session, settings)
        headers = {**bearer(test_keys, account.id, auth_time=recent(clock)), "Idempotency-Key": "k-0001"}
        response = await client.post(f"{BASE}/totp", json={}, headers=headers)
        assert response.status_code == 400
        assert response.json()["type"].endswith("/idempotency-key-refused")
        assert (await reload(session, account)).totp_secret_ciphertext is None


class TestConfirmEnrolment:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(f"{BASE}/totp/confirm", json={"code": "123456"})
        assert response.status_code == 401

    async def test_not_started(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_account(session, settings)
        response = await client.post(
            f"{BASE}/totp/confirm", json={"code": "123456"}, headers=bearer(test_keys, account.id)
        )
        assert response.status_code == 409

    async def test_confirm_gives_recovery_codes_and_ends_other_sign_ins(
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
        response = await client.post(
            f"{BASE}/totp/confirm", json={"code": totp.code_at(secret, clock.now())}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        codes = response.json()["codes"]
        assert len(codes) == 10
        assert len(set(codes)) == 10
        stored = await reload(session, account)
        assert stored.totp_confirmed_at == clock.now()
        assert stored.totp_last_step is not None
        hashes = set(
            await session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.account_id == account.id))
        )
        assert len(hashes) == 10
        assert not hashes & {code.replace("-", "") for code in codes}
        families = {
            f.id: f
            for f in await session.scalars(
                select(TokenFamily)
                .where(TokenFamily.account_id == account.id)
                .execution_options(populate_existing=True)
            )
        }
        assert families[current.id].revoked_at is None
        assert families[other.id].revoked_at is not None
        assert families[other.id].revoke_reason == "mfa_enabled"
        assert ("mfa.totp.confirmed", "success") in await audit_actions(session, account.id)
        status = (await client.get(BASE, headers=headers)).json()
        assert status["totp_enabled"] is True
        assert status["recovery_codes_remaining"] == 10

    async def test_wrong_code_is_refused_and_recorded(
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
        wrong = totp.code_at(secret, clock.now() + timedelta(minutes=5))
        response = await client.post(f"{BASE}/totp/confirm", json={"code": wrong}, headers=headers)
        assert response.status_code == 422
        assert response.json()["type"].endswith("/invalid-second-factor-code")
        assert (await reload(session, account)).totp_confirmed_at is None
        assert ("mfa.code_rejected", "failure") in await audit_actions(session, account.id)

    async def test_malformed_code_is_a_validation_error(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_account(session, settings)
        response = await client.post(
            f"{BASE}/totp/confirm", json={"code": "12345x"}, headers=bearer(test_keys, account.id)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/code"
