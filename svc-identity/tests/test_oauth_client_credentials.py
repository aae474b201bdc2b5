"""POST /identity/v1/oauth/token, grant_type=client_credentials, and client authentication (RFC 6749 §2.3)."""

import base64
from datetime import UTC, datetime

from factories_oauth import TOKEN, audit_rows, basic, claims_of, create_client, service_client
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ClientKind, ClientProfile
from siantar_identity.config import Settings

GRANT = {"grant_type": "client_credentials"}


class TestClientCredentials:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(TOKEN, data=GRANT)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_service_with_http_basic(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings, "notify:send", "guests:write")
        response = await client.post(TOKEN, data=GRANT, headers=basic(service.client_id, secret))
        assert response.status_code == 200, response.text
        body = response.json()
        assert "refresh_token" not in body
        assert body["scope"] == "guests:write notify:send"
        claims = claims_of(body["access_token"])
        assert claims["sub"] == str(service.id)
        assert claims["client_id"] == service.client_id
        assert claims["roles"] == ["service"]
        assert "acr" not in claims
        assert "amr" not in claims
        assert "sid" not in claims
        [entry] = await audit_rows(session, "oauth.client_credentials")
        assert entry.actor_id == service.id
        assert entry.actor_kind == "client"

    async def test_secret_in_the_form_and_a_narrower_scope(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings, "notify:send", "guests:write")
        data = {**GRANT, "client_id": service.client_id, "client_secret": secret, "scope": "notify:send"}
        response = await client.post(TOKEN, data=data)
        assert response.status_code == 200, response.text
        assert claims_of(response.json()["access_token"])["scope"] == "notify:send"

    async def test_basic_credentials_are_form_decoded(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        encoded = base64.b64encode(f"{service.client_id}:{secret}".replace("-", "%2D").encode()).decode()
        response = await client.post(TOKEN, data=GRANT, headers={"Authorization": f"Basic {encoded}"})
        assert response.status_code == 200, response.text

    async def test_wrong_secret(self, client: AsyncClient, session: AsyncSession, settings: Settings) -> None:
        service, _ = await service_client(session, settings)
        response = await client.post(TOKEN, data=GRANT, headers=basic(service.client_id, "guessed"))
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client", "error_description": "Autentikasi klien gagal"}
        assert response.headers["www-authenticate"] == 'Basic realm="siantar", charset="UTF-8"'
        [entry] = await audit_rows(session, "oauth.client_auth")
        assert entry.outcome == "failure"
        assert entry.client_id == service.client_id
        assert entry.detail == {"reason": "bad_secret"}
        assert "guessed" not in str(entry.detail)

    async def test_unknown_and_revoked_clients_answer_like_a_wrong_secret(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        revoked, secret = await create_client(
            session, settings, profile=ClientProfile.service, kind=ClientKind.confidential,
            grant_types=["client_credentials"], revoked_at=datetime.now(UTC),
        )  # fmt: skip
        assert secret is not None
        gone = await client.post(TOKEN, data=GRANT, headers=basic(revoked.client_id, secret))
        unknown = await client.post(TOKEN, data=GRANT, headers=basic("app-nobody", secret))
        assert gone.status_code == unknown.status_code == 401
        assert gone.json() == unknown.json()

    async def test_missing_secret(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, _ = await service_client(session, settings)
        response = await client.post(TOKEN, data={**GRANT, "client_id": service.client_id})
        assert response.status_code == 401

    async def test_two_authentication_methods_at_once(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        response = await client.post(
            TOKEN, data={**GRANT, "client_secret": secret}, headers=basic(service.client_id, secret)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_malformed_basic_header(self, client: AsyncClient) -> None:
        response = await client.post(TOKEN, data=GRANT, headers={"Authorization": "Basic not*base64"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_public_client_may_not_use_it(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, _ = await create_client(session, settings, grant_types=["client_credentials"])
        response = await client.post(TOKEN, data={**GRANT, "client_id": app.client_id})
        assert response.status_code == 400
        assert response.json()["error"] == "unauthorized_client"

    async def test_public_client_sending_a_secret_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app, _ = await create_client(session, settings)
        response = await client.post(TOKEN, data={**GRANT, "client_id": app.client_id, "client_secret": "x"})
        assert response.status_code == 401

    async def test_scope_the_client_may_not_have(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings, "notify:send")
        response = await client.post(
            TOKEN, data={**GRANT, "scope": "identity:read"}, headers=basic(service.client_id, secret)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"

    async def test_third_party_system_gets_no_service_role(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        partner, secret = await create_client(
            session, settings, profile=ClientProfile.third_party, kind=ClientKind.confidential,
            first_party=False, grant_types=["client_credentials"], scopes=["open311:write"],
        )  # fmt: skip
        assert secret is not None
        response = await client.post(TOKEN, data=GRANT, headers=basic(partner.client_id, secret))
        assert response.status_code == 200, response.text
        assert claims_of(response.json()["access_token"])["roles"] == []


class TestTokenEndpointRequests:
    async def test_missing_grant_type(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        response = await client.post(TOKEN, data={}, headers=basic(service.client_id, secret))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_unsupported_grant_type(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        response = await client.post(
            TOKEN, data={"grant_type": "implicit"}, headers=basic(service.client_id, secret)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    async def test_repeated_parameter(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        response = await client.post(
            TOKEN,
            content="grant_type=client_credentials&scope=notify:send&scope=notify:send",
            headers={**basic(service.client_id, secret), "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_idempotency_key_is_refused_so_tokens_are_never_stored(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        headers = {
            **basic(service.client_id, secret),
            "Idempotency-Key": "a7c5d0c2-3f7b-4f0e-8f7a-6c1f0d8e2b11",
        }
        first = await client.post(TOKEN, data=GRANT, headers=headers)
        assert first.status_code == 400
        assert "access_token" not in first.text

    async def test_json_body_is_an_invalid_request(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        service, secret = await service_client(session, settings)
        response = await client.post(TOKEN, json=GRANT, headers=basic(service.client_id, secret))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
