"""POST /identity/v1/oauth/token, grant_type=password: the city's own apps signing people in."""

import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from factories_oauth import (
    PASSWORD,
    TOKEN,
    audit_rows,
    citizen_app,
    claims_of,
    create_citizen,
    create_client,
    create_officer,
    password_grant,
    phone_of,
    sign_in,
    staff_app,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountStatus, RecoveryCode
from siantar_identity.client.models import ClientProfile
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import recovery, totp
from siantar_identity.mfa.service import TOTP_CONTEXT, recovery_code_hash
from siantar_identity.oauth.models import RefreshToken, TokenFamily
from siantar_identity.security import passwords
from siantar_identity.security.context import Crypto

GENERIC = "Wrong phone, e-mail or username, password or code."
EN = {"Accept-Language": "en"}


class TestPasswordGrant:
    async def test_anonymous_client_is_refused(self, client: AsyncClient) -> None:
        response = await client.post(TOKEN, data={"grant_type": "password", "username": "x", "password": "y"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
        assert response.headers["cache-control"] == "no-store"

    async def test_citizen_signs_in_by_phone(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings, assurance_level=1)
        response = await password_grant(client, app, "0" + phone_of(settings, person)[3:])  # 0812… form
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 600
        assert body["scope"] == "complaints:read complaints:write"
        assert len(body["refresh_token"]) >= 43
        claims = claims_of(body["access_token"])
        assert claims["iss"] == settings.issuer
        assert claims["aud"] == settings.TOKEN_AUDIENCE
        assert claims["sub"] == str(person.id)
        assert claims["client_id"] == app.client_id
        assert claims["exp"] - claims["iat"] == 600
        assert claims["iat"] == int(clock.now().timestamp())
        assert claims["auth_time"] == claims["iat"]
        assert claims["roles"] == ["citizen"]
        assert claims["acr"] == "1"
        assert claims["amr"] == ["pwd"]
        assert "agency" not in claims
        assert uuid.UUID(claims["sid"])
        assert len(claims["jti"]) == 32
        stored = await session.scalar(
            select(RefreshToken).where(RefreshToken.family_id == uuid.UUID(claims["sid"]))
        )
        assert stored is not None
        assert stored.token_hash != body["refresh_token"]  # only the hash is kept

    async def test_citizen_signs_in_by_email_in_any_case(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings, email="rina@example.id")
        body = await sign_in(client, app, "  Rina@Example.ID ")
        assert claims_of(body["access_token"])["sub"] == str(person.id)

    async def test_staff_signs_in_with_authenticator_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await staff_app(session, settings)
        officer, secret = await create_officer(session, settings, agency="DLH", enrolled_at=clock.now())
        assert officer.username is not None
        assert secret is not None
        body = await sign_in(client, app, officer.username.upper(), otp=totp.code_at(secret, clock.now()))
        claims = claims_of(body["access_token"])
        assert claims["amr"] == ["pwd", "otp"]
        assert claims["roles"] == ["officer"]
        assert claims["agency"] == "DLH"
        assert claims["acr"] == "2"
        family = await session.get(TokenFamily, uuid.UUID(claims["sid"]))
        assert family is not None
        assert family.absolute_expires_at == clock.now() + settings.STAFF_REFRESH_LIFETIME

    async def test_success_is_audited_without_the_identifier(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        phone = phone_of(settings, person)
        await sign_in(client, app, phone)
        [entry] = await audit_rows(session, "auth.login", subject_id=person.id)
        assert entry.outcome == "success"
        assert entry.actor_id == person.id
        assert entry.client_id == app.client_id
        assert entry.ip == "127.0.0.1"
        assert entry.detail == {"identifier_kind": "phone", "amr": ["pwd"]}
        assert phone[3:] not in str(entry.detail)

    async def test_third_party_client_may_not_use_the_password_grant(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, _ = await create_client(
            session, settings, profile=ClientProfile.third_party, first_party=False, grant_types=["password"]
        )
        person = await create_citizen(session, settings)
        response = await password_grant(client, app, phone_of(settings, person))
        assert response.status_code == 400
        assert response.json()["error"] == "unauthorized_client"
        assert await audit_rows(session, "auth.login", subject_id=person.id) == []  # no password was checked

    async def test_first_party_client_without_the_grant_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, _ = await create_client(session, settings, grant_types=["authorization_code"])
        response = await password_grant(client, app, "+6281200000000")
        assert response.status_code == 400
        assert response.json()["error"] == "unauthorized_client"

    async def test_staff_account_on_the_citizen_app_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        officer, secret = await create_officer(session, settings, enrolled_at=clock.now())
        assert officer.username is not None
        assert secret is not None
        response = await password_grant(client, app, officer.username, otp=totp.code_at(secret, clock.now()))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert [row.outcome for row in await audit_rows(session, "oauth.account_not_allowed")] == ["failure"]

    async def test_scope_outside_the_clients_is_invalid_scope(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        response = await password_grant(
            client, app, phone_of(settings, person), scope="complaints:read notify:send"
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"
        narrowed = await sign_in(client, app, phone_of(settings, person), scope="complaints:read")
        assert claims_of(narrowed["access_token"])["scope"] == "complaints:read"


class TestNoEnumeration:
    async def test_unknown_account_and_wrong_password_answer_alike(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        verified: list[str | None] = []
        real_verify = passwords.verify_password

        async def spy(password_hash: str | None, password: str) -> bool:
            verified.append(password_hash)
            return await real_verify(password_hash, password)

        monkeypatch.setattr("siantar_identity.account.authentication.verify_password", spy)
        wrong = await password_grant(client, app, phone_of(settings, person), "not the password")
        unknown = await password_grant(client, app, "+6281299999999", "not the password")
        assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"
        # both paths spend one Argon2id verification: against the account's hash, and against the dummy hash
        assert verified == [person.password_hash, None]
        reasons = [row.detail["reason"] for row in await audit_rows(session, "auth.login")]
        assert reasons == ["bad_password", "unknown_account"]

    async def test_disabled_account_with_the_right_password_answers_like_a_wrong_one(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings, status=AccountStatus.disabled)
        response = await password_grant(client, app, phone_of(settings, person), headers=EN)
        assert response.status_code == 400
        assert response.json()["error_description"].startswith(GENERIC)

    async def test_unverified_account_is_told_after_the_right_password(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings, status=AccountStatus.pending)
        response = await password_grant(client, app, phone_of(settings, person), headers=EN)
        assert response.json()["error_description"].startswith("Verify your phone number")
        wrong = await password_grant(client, app, phone_of(settings, person), "wrong", headers=EN)
        assert wrong.json()["error_description"].startswith(GENERIC)


class TestSecondFactor:
    async def test_staff_without_authenticator_must_finish_enrolment(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await staff_app(session, settings)
        officer, _ = await create_officer(session, settings, enrolled_at=None)
        assert officer.username is not None
        response = await password_grant(client, app, officer.username, headers=EN)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert "authenticator app" in response.json()["error_description"]
        [entry] = await audit_rows(session, "auth.login", subject_id=officer.id)
        assert entry.detail["reason"] == "mfa_not_enrolled"

    async def test_missing_or_wrong_code_answers_like_a_wrong_password(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await staff_app(session, settings)
        officer, _ = await create_officer(session, settings, enrolled_at=clock.now())
        assert officer.username is not None
        missing = await password_grant(client, app, officer.username, headers=EN)
        wrong = await password_grant(client, app, officer.username, otp="000000", headers=EN)
        bad_password = await password_grant(client, app, officer.username, "nope", otp="000000", headers=EN)
        assert missing.json() == wrong.json() == bad_password.json()
        assert missing.json()["error_description"].startswith(GENERIC)

    async def test_replayed_code_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await staff_app(session, settings)
        officer, secret = await create_officer(session, settings, enrolled_at=clock.now())
        assert officer.username is not None
        assert secret is not None
        code = totp.code_at(secret, clock.now())
        await sign_in(client, app, officer.username, otp=code)
        clock.advance(timedelta(seconds=5))
        replay = await password_grant(client, app, officer.username, otp=code)
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        reasons = [
            row.detail.get("reason") for row in await audit_rows(session, "auth.login", subject_id=officer.id)
        ]
        assert reasons == [None, "bad_second_factor"]

    async def test_recovery_code_works_once(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await staff_app(session, settings)
        officer, _ = await create_officer(session, settings, enrolled_at=clock.now())
        assert officer.username is not None
        code = recovery.new_codes(1)[0]
        crypto = Crypto.from_settings(settings)
        session.add(
            RecoveryCode(
                account_id=officer.id, code_hash=recovery_code_hash(crypto, recovery.normalise(code) or "")
            )
        )
        await session.flush()
        body = await sign_in(client, app, officer.username, recovery_code=code.upper())
        assert claims_of(body["access_token"])["amr"] == ["pwd", "otp"]
        again = await password_grant(client, app, officer.username, recovery_code=code)
        assert again.json()["error"] == "invalid_grant"
        entries = await audit_rows(session, "auth.login", subject_id=officer.id)
        assert entries[0].detail["second_factor"] == "recovery_code"

    async def test_citizen_who_enrolled_must_use_it(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        secret = totp.new_secret()
        person.totp_secret_ciphertext = Crypto.from_settings(settings).ring.encrypt(
            secret, context=TOTP_CONTEXT
        )
        person.totp_confirmed_at = clock.now()
        await session.flush()
        without = await password_grant(client, app, phone_of(settings, person))
        assert without.status_code == 400
        body = await sign_in(client, app, phone_of(settings, person), otp=totp.code_at(secret, clock.now()))
        assert claims_of(body["access_token"])["amr"] == ["pwd", "otp"]


class TestPasswordHygiene:
    async def test_outdated_hash_is_upgraded_at_sign_in(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        person.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
        await session.flush()
        await sign_in(client, app, phone_of(settings, person))
        await session.refresh(person)
        assert person.password_hash is not None
        assert not passwords.needs_rehash(person.password_hash)
        assert await passwords.verify_password(person.password_hash, PASSWORD)

    async def test_oversized_password_is_refused_before_hashing(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        response = await password_grant(client, app, "+6281200000001", "x" * 5000)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
