"""Attacks on identity's own token verification, through a protected endpoint (GET /me/sessions): every
forged, altered or out-of-date token is a 401 problem, and the genuine one passes."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from factories_oauth import bearer, citizen_app, create_citizen, phone_of, sign_as_identity, sign_in
from httpx import AsyncClient
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_shared.auth import TokenVerifier
from siantar_shared.testing.tokens import TestKeys

SESSIONS = "/identity/v1/me/sessions"
pytestmark = pytest.mark.usefixtures("identity_tokens")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.issuer,
        "aud": settings.TOKEN_AUDIENCE,
        "sub": str(uuid.uuid4()),
        "client_id": "siantar-warga",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "",
        "roles": ["citizen"],
        "acr": "0",
        "amr": ["pwd"],
    }
    return {**base, **overrides}


async def status_with(client: AsyncClient, token: str) -> int:
    response = await client.get(SESSIONS, headers=bearer(token))
    if response.status_code == 401:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    return response.status_code


class TestIdentityVerifiesItsOwnTokens:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(SESSIONS)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_genuine_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        token = (
            await sign_in(
                client,
                await citizen_app(session, settings),
                phone_of(settings, await create_citizen(session, settings)),
            )
        )["access_token"]
        assert await status_with(client, token) == 200

    async def test_hand_signed_genuine_claims_pass(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        """The control for the forgeries below: the same helper with honest claims is accepted."""
        assert (
            await status_with(
                client, await sign_as_identity(session, settings, clock.now(), claims(settings))
            )
            == 200
        )

    async def test_alg_none(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        kid = _kid(await sign_as_identity(session, settings, clock.now(), claims(settings)))
        forged = f"{segment({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{segment(claims(settings, roles=['admin']))}."
        assert await status_with(client, forged) == 401

    async def test_hs256_signed_with_the_public_key(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        genuine = await sign_as_identity(session, settings, clock.now(), claims(settings))
        jwk = (await client.get("/identity/.well-known/jwks.json")).json()["keys"][0]
        public_pem = RSAAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = f"{segment({'alg': 'HS256', 'typ': 'at+jwt', 'kid': _kid(genuine)})}.{segment(claims(settings, roles=['admin']))}"
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        assert await status_with(client, f"{signing_input}.{b64(signature)}") == 401

    async def test_expired(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        past = int(time.time()) - 3600
        token = await sign_as_identity(
            session, settings, clock.now(), claims(settings, iat=past, exp=past + 600)
        )
        assert await status_with(client, token) == 401

    async def test_not_yet_valid(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        token = await sign_as_identity(
            session, settings, clock.now(), claims(settings, nbf=int(time.time()) + 3600)
        )
        assert await status_with(client, token) == 401

    async def test_wrong_issuer(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        token = await sign_as_identity(
            session, settings, clock.now(), claims(settings, iss="https://evil.example/identity")
        )
        assert await status_with(client, token) == 401

    async def test_wrong_audience(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        token = await sign_as_identity(
            session, settings, clock.now(), claims(settings, aud="another-platform")
        )
        assert await status_with(client, token) == 401

    async def test_unknown_kid(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        token = await sign_as_identity(session, settings, clock.now(), claims(settings), kid="siantar-99")
        assert await status_with(client, token) == 401

    async def test_not_an_access_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        token = await sign_as_identity(session, settings, clock.now(), claims(settings), typ="JWT")
        assert await status_with(client, token) == 401

    async def test_tampered_payload(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        token = (
            await sign_in(
                client,
                await citizen_app(session, settings),
                phone_of(settings, await create_citizen(session, settings)),
            )
        )["access_token"]
        header, payload, signature = token.split(".")
        raised = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        raised["roles"] = ["admin"]
        assert await status_with(client, f"{header}.{segment(raised)}.{signature}") == 401

    async def test_token_of_another_issuers_keys(self, client: AsyncClient, test_keys: TestKeys) -> None:
        assert await status_with(client, test_keys.mint()) == 401

    async def test_verifier_is_identitys_own(
        self, identity_tokens: TokenVerifier, settings: Settings
    ) -> None:
        assert identity_tokens.issuer == settings.issuer
        assert identity_tokens.audience == settings.TOKEN_AUDIENCE


def _kid(token: str) -> str:
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid
