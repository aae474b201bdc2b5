"""POST /identity/v1/oauth/token, grant_type=refresh_token: rotation, reuse detection, lifetimes."""

import uuid
from datetime import timedelta

from factories_oauth import (
    audit_rows,
    citizen_app,
    claims_of,
    create_citizen,
    create_client,
    create_officer,
    phone_of,
    refresh,
    sign_in,
    staff_app,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountStatus
from siantar_identity.client.models import ClientProfile
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.oauth.models import TokenFamily


class TestRefreshGrant:
    async def test_rotates_on_every_use(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        first = await sign_in(client, app, phone_of(settings, person))
        clock.advance(timedelta(minutes=9))
        response = await refresh(client, app, first["refresh_token"])
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        old, new = claims_of(first["access_token"]), claims_of(second["access_token"])
        assert new["sid"] == old["sid"]  # the same sign-in
        assert new["auth_time"] == old["auth_time"]
        assert new["iat"] == old["iat"] + 9 * 60
        assert new["jti"] != old["jti"]

    async def test_reusing_a_rotated_token_revokes_the_whole_family(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        stolen = (await sign_in(client, app, phone_of(settings, person)))["refresh_token"]
        legitimate = (await refresh(client, app, stolen)).json()["refresh_token"]
        replay = await refresh(client, app, stolen)
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        # the family is over: the token the owner holds now fails too
        after = await refresh(client, app, legitimate)
        assert after.status_code == 400
        assert after.json()["error"] == "invalid_grant"
        [revoked] = await audit_rows(session, "oauth.family_revoked", subject_id=person.id)
        assert revoked.detail["reason"] == "refresh_token_reuse"
        assert revoked.actor_kind == "system"
        family = await session.get(
            TokenFamily, uuid.UUID(str(revoked.detail["family_id"])), populate_existing=True
        )
        assert family is not None
        assert family.revoke_reason == "refresh_token_reuse"

    async def test_unknown_token_and_other_clients_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        other = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        token = (await sign_in(client, app, phone_of(settings, person)))["refresh_token"]
        assert (await refresh(client, app, "not-a-token")).json()["error"] == "invalid_grant"
        assert (await refresh(client, other, token)).json()["error"] == "invalid_grant"
        assert (await refresh(client, app, token)).status_code == 200  # untouched by the other client's try

    async def test_absolute_lifetime_of_the_citizen_app(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        token = (await sign_in(client, app, phone_of(settings, person)))["refresh_token"]
        clock.advance(settings.CITIZEN_REFRESH_LIFETIME - timedelta(minutes=1))
        token = (await refresh(client, app, token)).json()["refresh_token"]  # long idle is fine for citizens
        clock.advance(timedelta(minutes=2))
        expired = await refresh(client, app, token)
        assert expired.status_code == 400
        assert expired.json()["error"] == "invalid_grant"

    async def test_third_party_lifetime(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app, _ = await create_client(session, settings, profile=ClientProfile.third_party)
        person = await create_citizen(session, settings)
        # a first-party flag is what the password grant demands; exercise the lifetime through issuance
        app.first_party = True
        await session.flush()
        tokens = await sign_in(client, app, phone_of(settings, person))
        family = await session.get(TokenFamily, uuid.UUID(claims_of(tokens["access_token"])["sid"]))
        assert family is not None
        assert family.absolute_expires_at == clock.now() + settings.THIRD_PARTY_REFRESH_LIFETIME

    async def test_staff_sessions_end_after_30_idle_minutes_and_12_hours(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await staff_app(session, settings)
        officer, secret = await create_officer(session, settings, enrolled_at=clock.now())
        assert officer.username is not None
        assert secret is not None
        token = (await sign_in(client, app, officer.username, otp=totp.code_at(secret, clock.now())))[
            "refresh_token"
        ]
        for _ in range(24):  # active all day: a refresh every 29 minutes, up to 11 h 36 min
            clock.advance(timedelta(minutes=29))
            response = await refresh(client, app, token)
            if response.status_code != 200:
                break
            token = response.json()["refresh_token"]
        assert response.status_code == 200
        clock.advance(timedelta(minutes=29))  # 12 h 5 min after signing in: past the absolute end
        assert (await refresh(client, app, token)).json()["error"] == "invalid_grant"

        idle = (await sign_in(client, app, officer.username, otp=totp.code_at(secret, clock.now())))[
            "refresh_token"
        ]
        clock.advance(timedelta(minutes=31))
        assert (await refresh(client, app, idle)).json()["error"] == "invalid_grant"

    async def test_disabled_account_cannot_refresh(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        token = (await sign_in(client, app, phone_of(settings, person)))["refresh_token"]
        person.status = AccountStatus.disabled
        await session.flush()
        response = await refresh(client, app, token)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        [revoked] = await audit_rows(session, "oauth.family_revoked", subject_id=person.id)
        assert revoked.detail["reason"] == "account_inactive"

    async def test_roles_and_level_are_read_again(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        tokens = await sign_in(client, app, phone_of(settings, person))
        assert claims_of(tokens["access_token"])["acr"] == "0"
        person.assurance_level = 2
        await session.flush()
        renewed = (await refresh(client, app, tokens["refresh_token"])).json()
        assert claims_of(renewed["access_token"])["acr"] == "2"

    async def test_scope_may_narrow_never_widen(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        tokens = await sign_in(client, app, phone_of(settings, person), scope="complaints:read")
        wider = await refresh(client, app, tokens["refresh_token"], scope="complaints:read complaints:write")
        assert wider.json()["error"] == "invalid_scope"
        # the refused request did not burn the token
        narrowed = await refresh(client, app, tokens["refresh_token"], scope="complaints:read")
        assert narrowed.status_code == 200, narrowed.text
        assert narrowed.json()["scope"] == "complaints:read"

    async def test_missing_parameter(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        response = await client.post(
            "/identity/v1/oauth/token", data={"grant_type": "refresh_token", "client_id": app.client_id}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
