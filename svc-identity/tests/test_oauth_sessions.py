"""/identity/v1/me/sessions: listing and ending the signed-in person's sessions (ASVS 7.5.2)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories_oauth import (
    audit_rows,
    basic,
    bearer,
    citizen_app,
    claims_of,
    create_citizen,
    phone_of,
    refresh,
    service_client,
    sign_in,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings

SESSIONS = "/identity/v1/me/sessions"
pytestmark = pytest.mark.usefixtures("identity_tokens")


class TestListSessions:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(SESSIONS)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_lists_live_sessions_with_the_current_one(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        clock.current = datetime.now(UTC) - timedelta(minutes=5)  # tokens must be valid in real time too
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        phone = phone_of(settings, person)
        first = await sign_in(client, app, phone)
        clock.advance(timedelta(minutes=1))
        second = await sign_in(client, app, phone)
        clock.advance(timedelta(minutes=1))
        await refresh(client, app, first["refresh_token"])  # the first session was used last
        revoked = await sign_in(client, app, phone)
        await client.post(
            "/identity/v1/oauth/logout",
            data={"refresh_token": revoked["refresh_token"], "client_id": app.client_id},
        )
        stranger = await create_citizen(session, settings)
        await sign_in(client, app, phone_of(settings, stranger))

        response = await client.get(SESSIONS, headers=bearer(second["access_token"]))
        assert response.status_code == 200
        items = response.json()["items"]
        sids = [claims_of(tokens["access_token"])["sid"] for tokens in (first, second)]
        assert [item["id"] for item in items] == sids  # most recently used first; no revoked, no stranger's
        assert [item["current"] for item in items] == [False, True]
        assert items[0]["client_id"] == app.client_id
        assert items[0]["client_name"] == "Aplikasi Uji"
        assert items[0]["amr"] == ["pwd"]
        assert items[0]["last_used_at"] > items[0]["signed_in_at"]

    async def test_service_token_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        token = (
            await client.post(
                "/identity/v1/oauth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(service.client_id, secret),
            )
        ).json()["access_token"]
        assert (await client.get(SESSIONS, headers=bearer(token))).status_code == 403


class TestEndSession:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.delete(f"{SESSIONS}/{uuid.uuid4()}")).status_code == 401

    async def test_ends_one_of_mine(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        lost_phone = await sign_in(client, app, phone_of(settings, person))
        here = await sign_in(client, app, phone_of(settings, person))
        sid = claims_of(lost_phone["access_token"])["sid"]
        response = await client.delete(f"{SESSIONS}/{sid}", headers=bearer(here["access_token"]))
        assert response.status_code == 204
        assert (await refresh(client, app, lost_phone["refresh_token"])).json()["error"] == "invalid_grant"
        [entry] = await audit_rows(session, "oauth.family_revoked", subject_id=person.id)
        assert entry.actor_id == person.id
        assert entry.detail["reason"] == "ended_by_user"

    async def test_another_persons_session_is_404(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        victim = await sign_in(client, app, phone_of(settings, await create_citizen(session, settings)))
        attacker = await sign_in(client, app, phone_of(settings, await create_citizen(session, settings)))
        sid = claims_of(victim["access_token"])["sid"]
        response = await client.delete(f"{SESSIONS}/{sid}", headers=bearer(attacker["access_token"]))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert (await refresh(client, app, victim["refresh_token"])).status_code == 200
        unknown = await client.delete(f"{SESSIONS}/{uuid.uuid4()}", headers=bearer(attacker["access_token"]))
        assert unknown.status_code == 404


class TestEndOtherSessions:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{SESSIONS}/revoke-others")).status_code == 401

    async def test_keeps_the_current_one(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        others = [await sign_in(client, app, phone_of(settings, person)) for _ in range(2)]
        here = await sign_in(client, app, phone_of(settings, person))
        response = await client.post(f"{SESSIONS}/revoke-others", headers=bearer(here["access_token"]))
        assert response.status_code == 200
        assert response.json() == {"revoked": 2}
        for tokens in others:
            assert (await refresh(client, app, tokens["refresh_token"])).json()["error"] == "invalid_grant"
        assert (await refresh(client, app, here["refresh_token"])).status_code == 200
