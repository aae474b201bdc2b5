"""Inviting staff: the code in the outbox, accepting it with a password, confirming an authenticator."""

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from factories_staff import (
    admin_headers,
    audit_rows,
    create_client,
    outbox_code,
    reload,
    seed_opd,
    unique,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, OneTimeCode, RecoveryCode
from siantar_identity.client.models import ClientKind, ClientProfile
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_shared.testing.tokens import TestKeys

STAFF = "/identity/v1/staff"
ACCEPT = f"{STAFF}/invitations/accept"
CONFIRM = f"{STAFF}/invitations/confirm-totp"
PASSWORD = "pohon mangga di halaman kantor"


async def invite(
    client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys, **body: object
) -> dict[str, object]:
    await seed_opd(session)
    payload = {
        "full_name": "Rina Siregar",
        "username": unique("dlh"),
        "email": "rina.siregar@pematangsiantar.go.id",
        "roles": ["officer"],
        "agency": "DLH",
        **body,
    }
    response = await client.post(
        STAFF, json=payload, headers=await admin_headers(session, settings, test_keys)
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def account_of(session: AsyncSession, member: dict[str, object]) -> Account:
    account = await session.get(Account, UUID(str(member["id"])), populate_existing=True)
    assert account is not None
    return account


class TestInvite:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(STAFF, json={})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_admin_invites_a_pending_account_and_the_code_goes_out(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        assert member["status"] == "pending"
        assert member["mfa_enabled"] is False
        assert member["roles"] == ["officer"]
        assert member["agency"] == "DLH"
        assert member["invitation"]["channel"] == "email"
        assert member["invitation"]["sent"] is True
        assert "email" not in member
        assert "phone" not in member
        code = outbox_code(outbox, str(member["username"]))
        stored = (
            await session.scalars(select(OneTimeCode).where(OneTimeCode.purpose == "staff_invitation"))
        ).all()
        assert len(stored) == 1
        assert code.replace("-", "") not in stored[0].code_hash
        (record,) = await audit_rows(session, "staff.invited")
        assert record.detail == {"roles": ["officer"], "agency": "DLH", "channel": "email"}

    async def test_by_sms_when_only_a_phone_is_given(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys, email=None, phone="0812-6000-1234")
        assert member["invitation"]["channel"] == "sms"  # type: ignore[index]
        outbox_code(outbox, str(member["username"]))

    async def test_a_verifier_belongs_to_the_complaints_desk(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        member = await invite(client, session, settings, test_keys, roles=["verifier"], agency=None)
        assert member["agency"] == "DISKOMINFO"

    @pytest.mark.parametrize(
        "body",
        [
            {"roles": ["officer"], "agency": None},
            {"roles": ["inspector"], "agency": None},
            {"roles": ["verifier"], "agency": "DLH"},
            {"roles": ["officer"], "agency": "NOPE"},
            {"roles": ["officer"], "agency": "DINSOS"},  # seeded inactive
            {"roles": ["citizen"]},
            {"roles": ["service"]},
            {"roles": ["officer", "officer"]},
            {"roles": []},
            {"email": None, "phone": None},
            {"email": "not-an-address"},
            {"username": "Has Spaces"},
        ],
    )
    async def test_bad_invitation_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        body: dict[str, object],
    ) -> None:
        await seed_opd(session)
        payload = {"full_name": "A B", "username": unique("x"), "email": "a@b.go.id", "roles": ["officer"]}
        payload |= {"agency": "DLH", **body}
        response = await client.post(
            STAFF, json=payload, headers=await admin_headers(session, settings, test_keys)
        )
        assert response.status_code == 422
        assert (
            await session.scalar(select(Account.id).where(Account.username == payload["username"]))
        ) is None

    async def test_username_taken_is_409(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        again = await client.post(
            STAFF,
            json={
                "full_name": "Lain",
                "username": member["username"],
                "email": "x@y.go.id",
                "roles": ["admin"],
            },
            headers=await admin_headers(session, settings, test_keys),
        )
        assert again.status_code == 409


class TestAcceptAndConfirm:
    async def test_the_whole_enrolment(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        clock: FrozenClock,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        username = str(member["username"])
        code = outbox_code(outbox, username)
        accepted = await client.post(
            ACCEPT, json={"username": username, "code": code.lower(), "password": PASSWORD}
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.headers["cache-control"] == "no-store"
        secret = accepted.json()["secret"]
        assert accepted.json()["otpauth_uri"].startswith("otpauth://totp/")
        account = await account_of(session, member)
        assert account.status == "pending"
        assert account.totp_confirmed_at is None
        confirmed = await client.post(
            CONFIRM, json={"username": username, "code": code, "totp_code": totp.code_at(secret, clock.now())}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["member"]["status"] == "active"
        assert confirmed.json()["member"]["mfa_enabled"] is True
        assert len(confirmed.json()["recovery_codes"]) == 10
        account = await reload(session, account)
        assert account.email_verified_at is not None
        assert (
            len(
                (
                    await session.scalars(select(RecoveryCode).where(RecoveryCode.account_id == account.id))
                ).all()
            )
            == 10
        )
        assert [r.action for r in await audit_rows(session, "staff.activated")] == ["staff.activated"]
        # the code is used up
        replay = await client.post(ACCEPT, json={"username": username, "code": code, "password": PASSWORD})
        assert replay.status_code == 400

    async def test_a_pending_staff_member_gets_no_tokens(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        clock: FrozenClock,
    ) -> None:
        console, _ = await create_client(
            session,
            settings,
            kind=ClientKind.public,
            profile=ClientProfile.staff_app,
            first_party=True,
            grant_types=["password", "refresh_token"],
            scopes=["complaints:read"],
        )
        member = await invite(client, session, settings, test_keys)
        username = str(member["username"])
        code = outbox_code(outbox, username)
        secret = (
            await client.post(ACCEPT, json={"username": username, "code": code, "password": PASSWORD})
        ).json()["secret"]
        form = {
            "grant_type": "password",
            "client_id": console.client_id,
            "username": username,
            "password": PASSWORD,
        }
        refused = await client.post(
            "/identity/v1/oauth/token", data={**form, "otp": totp.code_at(secret, clock.now())}
        )
        assert refused.status_code in (400, 401)
        assert "access_token" not in refused.text
        clock.advance(timedelta(seconds=30))
        confirm = {"username": username, "code": code, "totp_code": totp.code_at(secret, clock.now())}
        assert (await client.post(CONFIRM, json=confirm)).status_code == 200
        clock.advance(timedelta(seconds=30))
        granted = await client.post(
            "/identity/v1/oauth/token", data={**form, "otp": totp.code_at(secret, clock.now())}
        )
        assert granted.status_code == 200, granted.text
        assert "access_token" in granted.json()

    async def test_unknown_username_and_wrong_code_answer_alike(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        unknown = await client.post(
            ACCEPT, json={"username": "nobody.here", "code": "2222-2222-2222", "password": PASSWORD}
        )
        wrong = await client.post(
            ACCEPT, json={"username": member["username"], "code": "2222-2222-2222", "password": PASSWORD}
        )
        assert unknown.status_code == wrong.status_code == 400
        assert unknown.json()["detail"] == wrong.json()["detail"]
        assert unknown.json()["type"] == wrong.json()["type"]
        failures = await audit_rows(session, "staff.invitation.rejected")
        assert [row.outcome for row in failures] == ["failure", "failure"]

    async def test_five_failures_kill_the_code(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        username = str(member["username"])
        code = outbox_code(outbox, username)
        for _ in range(settings.OTP_MAX_ATTEMPTS):
            bad = await client.post(
                ACCEPT, json={"username": username, "code": "2222-2222-2222", "password": PASSWORD}
            )
            assert bad.status_code == 400
        right = await client.post(ACCEPT, json={"username": username, "code": code, "password": PASSWORD})
        assert (
            right.status_code == 400
        )  # the failures were counted (committed) although each answered an error

    async def test_expired_code(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        clock: FrozenClock,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        code = outbox_code(outbox, str(member["username"]))
        clock.advance(timedelta(hours=24, seconds=1))
        response = await client.post(
            ACCEPT, json={"username": member["username"], "code": code, "password": PASSWORD}
        )
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "password", ["short", "qwertyuiop", "siantar-kota-saya-2026", "rina siregar punya"]
    )
    async def test_password_policy_applies(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        password: str,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        code = outbox_code(outbox, str(member["username"]))
        response = await client.post(
            ACCEPT, json={"username": member["username"], "code": code, "password": password}
        )
        assert response.status_code == 422
        account = await account_of(session, member)
        assert account.password_hash is None

    async def test_confirm_before_accept_is_409(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        code = outbox_code(outbox, str(member["username"]))
        response = await client.post(
            CONFIRM, json={"username": member["username"], "code": code, "totp_code": "123456"}
        )
        assert response.status_code == 409

    async def test_wrong_totp_code_counts_and_keeps_the_account_pending(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
        clock: FrozenClock,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        username = str(member["username"])
        code = outbox_code(outbox, username)
        secret = (
            await client.post(ACCEPT, json={"username": username, "code": code, "password": PASSWORD})
        ).json()["secret"]
        wrong = str((int(totp.code_at(secret, clock.now())) + 1) % 1_000_000).zfill(6)
        response = await client.post(CONFIRM, json={"username": username, "code": code, "totp_code": wrong})
        assert response.status_code == 400
        invitation = (
            await session.scalars(
                select(OneTimeCode).where(OneTimeCode.account_id == UUID(str(member["id"])))
            )
        ).one()
        await session.refresh(invitation)
        assert invitation.attempts == 1
        assert (await account_of(session, member)).status == "pending"

    async def test_idempotency_key_is_refused_for_a_secret_answer(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        member = await invite(client, session, settings, test_keys)
        code = outbox_code(outbox, str(member["username"]))
        response = await client.post(
            ACCEPT,
            json={"username": member["username"], "code": code, "password": PASSWORD},
            headers={"Idempotency-Key": "3b7c1a0e-1f6a-4c52-9d1e-000000000001"},
        )
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["detail"]
        assert (await account_of(session, member)).password_hash is None  # nothing was done, nothing stored
