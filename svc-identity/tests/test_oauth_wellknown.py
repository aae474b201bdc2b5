"""GET /identity/.well-known/openid-configuration and /identity/.well-known/jwks.json."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from factories_oauth import citizen_app, create_citizen, phone_of, service_client, sign_in
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.config import Settings

DISCOVERY = "/identity/.well-known/openid-configuration"
JWKS = "/identity/.well-known/jwks.json"


class TestDiscovery:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession, settings: Settings) -> None:
        await citizen_app(session, settings)
        await service_client(session, settings, "notify:send")
        response = await client.get(DISCOVERY)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"
        document = response.json()
        issuer = settings.issuer
        assert document["issuer"] == issuer == "http://127.0.0.1:8000/identity"
        assert document["token_endpoint"] == f"{issuer}/v1/oauth/token"
        assert document["authorization_endpoint"] == f"{issuer}/v1/oauth/authorize"
        assert document["revocation_endpoint"] == f"{issuer}/v1/oauth/revoke"
        assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["response_types_supported"] == ["code"]
        assert set(document["grant_types_supported"]) == {
            "authorization_code",
            "password",
            "refresh_token",
            "client_credentials",
        }
        assert document["token_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]
        assert {"complaints:read", "complaints:write", "notify:send"} <= set(document["scopes_supported"])
        assert {"sub", "client_id", "roles", "agency", "acr", "amr", "auth_time"} <= set(
            document["claims_supported"]
        )
        assert document["id_token_signing_alg_values_supported"] == ["RS256"]

    async def test_in_the_openapi_document(self, client: AsyncClient) -> None:
        paths = (await client.get("/identity/v1/openapi.json")).json()["paths"]
        assert DISCOVERY in paths
        assert JWKS in paths
        assert "/identity/v1/oauth/token" in paths


class TestJwks:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(JWKS)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=60"
        [key] = response.json()["keys"]
        assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}  # the public half only
        assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", "siantar-1")

    async def test_a_token_verifies_with_plain_pyjwt_and_only_the_jwks(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        access_token = (await sign_in(client, app, phone_of(settings, person)))["access_token"]
        key_set = jwt.PyJWKSet.from_dict((await client.get(JWKS)).json())
        header = jwt.get_unverified_header(access_token)
        assert header["typ"] == "at+jwt"
        [signing_key] = [key for key in key_set.keys if key.key_id == header["kid"]]
        claims = jwt.decode(
            access_token,
            signing_key,
            algorithms=["RS256"],
            audience="siantar",
            issuer="http://127.0.0.1:8000/identity",
            options={"require": ["exp", "iat", "iss", "aud", "sub", "client_id", "jti"]},
        )
        assert claims["sub"] == str(person.id)
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        with pytest.raises(jwt.InvalidSignatureError):  # the check above is a real one
            jwt.decode(access_token, stranger, algorithms=["RS256"], audience="siantar")
