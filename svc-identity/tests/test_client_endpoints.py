"""API clients over HTTP: registration rules, a secret shown once and stored hashed, rotation, revocation."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories_staff import (
    admin_headers,
    audit_rows,
    bearer,
    create_client,
    create_staff,
    crypto_of,
    reload,
    seed_opd,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.client.models import ApiClient
from siantar_identity.config import Settings
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

CLIENTS = "/identity/v1/clients"
THIRD_PARTY: dict[str, Any] = {
    "name": "Lapor Cepat",
    "owner": "CV Contoh Digital",
    "contact": "dev@contoh.co.id",
    "kind": "confidential",
    "profile": "third_party",
    "redirect_uris": ["https://lapor.contoh.co.id/oauth/callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "scopes": ["openid", "complaints:read", "complaints:write"],
}


async def token_with(client: AsyncClient, client_id: str, secret: str) -> int:
    """Status of a client-credentials grant with this secret at the token endpoint."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return (await client.post("/identity/v1/oauth/token", data=form)).status_code


class TestCreateClient:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(CLIENTS, json=THIRD_PARTY)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_officer_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        assert (
            await client.post(CLIENTS, json=THIRD_PARTY, headers=bearer(test_keys, officer))
        ).status_code == 403

    async def test_secret_is_shown_once_and_stored_hashed(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(CLIENTS, json=THIRD_PARTY, headers=headers)
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        secret = body["client_secret"]
        assert len(secret) >= 43
        assert response.headers["location"] == f"{CLIENTS}/{body['client_id']}"
        stored = (
            await session.scalars(select(ApiClient).where(ApiClient.client_id == body["client_id"]))
        ).one()
        assert stored.secret_hash == crypto_of(settings).secret_hash(secret)
        assert secret not in stored.secret_hash
        shown = await client.get(f"{CLIENTS}/{body['client_id']}", headers=headers)
        assert "client_secret" not in shown.json()
        assert secret not in shown.text
        listed = await client.get(CLIENTS, headers=headers)
        assert secret not in listed.text
        (record,) = await audit_rows(session, "client.created")
        assert record.detail["api_client"] == body["client_id"]
        assert secret not in str(record.detail)

    async def test_public_first_party_app_gets_no_secret(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        body = {
            **THIRD_PARTY,
            "kind": "public",
            "profile": "citizen_app",
            "first_party": True,
            "grant_types": ["password", "refresh_token", "authorization_code"],
            "redirect_uris": ["id.go.pematangsiantar.warga:/oauth/callback", "http://127.0.0.1:8123/cb"],
        }
        response = await client.post(CLIENTS, json=body, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["client_secret"] is None
        assert response.json()["first_party"] is True

    async def test_a_service_client_carries_the_service_role(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        body = {
            **THIRD_PARTY,
            "client_id": "svc-permits",
            "profile": "service",
            "redirect_uris": [],
            "grant_types": ["client_credentials"],
            "scopes": ["notify:send", "api-keys:check", "events:read"],
        }
        response = await client.post(CLIENTS, json=body, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["client_id"] == "svc-permits"
        assert response.json()["roles"] == ["service"]
        assert await token_with(client, "svc-permits", response.json()["client_secret"]) == 200
        assert (await client.post(CLIENTS, json=body, headers=headers)).status_code == 409

    @pytest.mark.parametrize(
        "change",
        [
            {"grant_types": ["password", "refresh_token"], "redirect_uris": []},  # password: first party only
            {"kind": "public", "grant_types": ["client_credentials"], "redirect_uris": []},
            {"first_party": True},  # a third party cannot be first party
            {"profile": "citizen_app", "grant_types": ["client_credentials"], "redirect_uris": []},
            {"scopes": ["complaints:delete"]},  # not in the registry
            {"scopes": ["notify:send"]},  # a service scope
            {"scopes": ["openid", "openid"]},
            {"profile": "service"},  # service: client_credentials alone
            {"grant_types": ["refresh_token"], "redirect_uris": []},
            {"grant_types": ["authorization_code"], "redirect_uris": []},
            {"grant_types": ["client_credentials"]},  # redirect URIs without authorization_code
            {"grant_types": ["implicit"]},
            {"redirect_uris": ["https://app.example.org/cb#fragment"]},
            {"redirect_uris": ["http://app.example.org/cb"]},
            {"redirect_uris": ["/relative/cb"]},
            {"redirect_uris": ["javascript:alert(1)"]},
            {"redirect_uris": ["myapp:/cb"]},  # a private-use scheme needs a dot
            {"redirect_uris": ["https://user:pw@app.example.org/cb"]},
            {"redirect_uris": ["https://app.example.org/a b"]},
            {"client_id": "Has Capitals"},
            {"owner": ""},
            {"secret_hash": "x"},
        ],
    )
    async def test_unsound_registration_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        change: dict[str, Any],
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(CLIENTS, json={**THIRD_PARTY, **change}, headers=headers)
        assert response.status_code == 422, response.text
        assert await audit_rows(session, "client.created") == []

    async def test_password_grant_only_for_a_registered_first_party_app(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        """Even a client registered before the rules (straight in the table) cannot use the password grant."""
        rogue = await save(
            session,
            ApiClient(
                client_id="rogue-app",
                name="Rogue",
                kind="public",
                profile="third_party",
                first_party=False,
                grant_types=["password"],
                scopes=["complaints:read"],
                owner="x",
                contact="x",
            ),
        )
        form = {
            "grant_type": "password",
            "client_id": rogue.client_id,
            "username": "+6281200000101",
            "password": "x",
        }
        response = await client.post("/identity/v1/oauth/token", data=form)
        assert response.status_code in (400, 401)
        assert response.json()["error"] == "unauthorized_client"

    async def test_idempotency_key_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(CLIENTS, json=THIRD_PARTY, headers={**headers, "Idempotency-Key": "k-1"})
        assert response.status_code == 400
        assert await audit_rows(session, "client.created") == []


class TestScopes:
    async def test_the_registry_is_public(self, client: AsyncClient) -> None:
        response = await client.get("/identity/v1/scopes")
        scopes = {item["scope"]: item["profiles"] for item in response.json()}
        assert scopes["api-keys:check"] == ["service"]
        assert "service" not in scopes["complaints:write"]


class TestRotateSecret:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{CLIENTS}/app-x/rotate-secret")).status_code == 401

    async def test_new_secret_once_and_the_old_one_stops_working(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        registered, old = await create_client(session, settings, scopes=["complaints:write"])
        assert old is not None
        assert await token_with(client, registered.client_id, old) == 200
        response = await client.post(f"{CLIENTS}/{registered.client_id}/rotate-secret", headers=headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        new = response.json()["client_secret"]
        assert new != old
        assert await token_with(client, registered.client_id, old) == 401
        assert await token_with(client, registered.client_id, new) == 200
        assert len(await audit_rows(session, "client.secret_rotated")) == 1

    async def test_a_public_client_has_no_secret_to_rotate(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        public, _ = await create_client(
            session,
            settings,
            kind="public",
            grant_types=["authorization_code"],
            redirect_uris=["https://a.example/cb"],
        )
        assert (
            await client.post(f"{CLIENTS}/{public.client_id}/rotate-secret", headers=headers)
        ).status_code == 409

    async def test_unknown_client_is_404(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        assert (await client.post(f"{CLIENTS}/nope/rotate-secret", headers=headers)).status_code == 404


class TestRevokeClient:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{CLIENTS}/app-x/revoke")).status_code == 401

    async def test_revoking_ends_tokens_families_and_keys(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        registered, secret = await create_client(session, settings)
        key = (await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)).json()[
            "api_key"
        ]
        person = await save(session, Account(kind="citizen", status="active", roles=["citizen"]))
        now = datetime.now(UTC)
        family = await save(
            session,
            TokenFamily(
                account_id=person.id,
                client_id=registered.client_id,
                auth_time=now,
                absolute_expires_at=now + timedelta(days=1),
            ),
        )
        response = await client.post(f"{CLIENTS}/{registered.client_id}/revoke", headers=headers)
        assert response.status_code == 200
        assert response.json()["revoked_at"] is not None
        assert (await reload(session, family)).revoked_at is not None
        assert secret is not None
        assert await token_with(client, registered.client_id, secret) == 401
        keys = (await client.get(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)).json()
        assert all(item["revoked_at"] is not None for item in keys)
        assert key.split("_")[1] == keys[0]["key_id"]
        (record,) = await audit_rows(session, "client.revoked")
        assert record.detail["families_revoked"] == 1
        assert record.detail["api_keys_revoked"] == 1
        assert (
            await client.post(f"{CLIENTS}/{registered.client_id}/rotate-secret", headers=headers)
        ).status_code == 409
        assert (
            await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)
        ).status_code == 409
        listed = await client.get(CLIENTS, headers=headers)
        assert registered.client_id not in {item["client_id"] for item in listed.json()["items"]}
        everything = await client.get(CLIENTS, params={"include_revoked": "true"}, headers=headers)
        assert registered.client_id in {item["client_id"] for item in everything.json()["items"]}
