"""POST /identity/v1/oauth/revoke (RFC 7009) and POST /identity/v1/oauth/logout."""

from factories_oauth import (
    audit_rows,
    basic,
    citizen_app,
    create_citizen,
    create_client,
    phone_of,
    refresh,
    sign_in,
)
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.config import Settings
from siantar_shared.auth import TokenVerifier

REVOKE = "/identity/v1/oauth/revoke"
LOGOUT = "/identity/v1/oauth/logout"


async def signed_in(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> tuple[ApiClient, Account, dict[str, str]]:
    app = await citizen_app(session, settings)
    person = await create_citizen(session, settings)
    return app, person, await sign_in(client, app, phone_of(settings, person))


class TestRevoke:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(REVOKE, data={"token": "x"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_refresh_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, person, tokens = await signed_in(client, session, settings)
        response = await client.post(
            REVOKE,
            data={
                "token": tokens["refresh_token"],
                "token_type_hint": "refresh_token",
                "client_id": app.client_id,
            },
        )
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["cache-control"] == "no-store"
        assert (await refresh(client, app, tokens["refresh_token"])).json()["error"] == "invalid_grant"
        [entry] = await audit_rows(session, "oauth.family_revoked", subject_id=person.id)
        assert entry.detail["reason"] == "revoked"
        assert entry.actor_kind == "client"
        assert entry.client_id == app.client_id

    async def test_access_token_ends_its_sign_in(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, identity_tokens: TokenVerifier
    ) -> None:
        app, _, tokens = await signed_in(client, session, settings)
        response = await client.post(
            REVOKE, data={"token": tokens["access_token"], "client_id": app.client_id}
        )
        assert response.status_code == 200
        assert (await refresh(client, app, tokens["refresh_token"])).json()["error"] == "invalid_grant"

    async def test_unknown_token_is_200(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        for token in ("no-such-token", "a.b.c", ""):
            response = await client.post(REVOKE, data={"token": token or "x", "client_id": app.client_id})
            assert response.status_code == 200
        assert await audit_rows(session, "oauth.family_revoked") == []

    async def test_another_clients_token_is_200_and_untouched(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, _, tokens = await signed_in(client, session, settings)
        other = await citizen_app(session, settings)
        response = await client.post(
            REVOKE, data={"token": tokens["refresh_token"], "client_id": other.client_id}
        )
        assert response.status_code == 200
        assert (await refresh(client, app, tokens["refresh_token"])).status_code == 200

    async def test_confidential_client_must_authenticate(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        partner, secret = await create_client(
            session,
            settings,
            profile=ClientProfile.third_party,
            kind=ClientKind.confidential,
            first_party=False,
        )
        assert secret is not None
        refused = await client.post(REVOKE, data={"token": "x", "client_id": partner.client_id})
        assert refused.status_code == 401
        allowed = await client.post(REVOKE, data={"token": "x"}, headers=basic(partner.client_id, secret))
        assert allowed.status_code == 200

    async def test_missing_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        response = await client.post(REVOKE, data={"client_id": app.client_id})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


class TestLogout:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(LOGOUT, data={"refresh_token": "x"})
        assert response.status_code == 401

    async def test_ends_the_session_and_twice_is_harmless(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, person, tokens = await signed_in(client, session, settings)
        data = {"refresh_token": tokens["refresh_token"], "client_id": app.client_id}
        assert (await client.post(LOGOUT, data=data)).status_code == 204
        assert (await client.post(LOGOUT, data=data)).status_code == 204
        assert (await refresh(client, app, tokens["refresh_token"])).json()["error"] == "invalid_grant"
        [entry] = await audit_rows(session, "oauth.family_revoked", subject_id=person.id)
        assert entry.detail["reason"] == "logout"

    async def test_missing_refresh_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        response = await client.post(LOGOUT, data={"client_id": app.client_id})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
