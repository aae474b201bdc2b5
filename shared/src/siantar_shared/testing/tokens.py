"""A test signing key, its JWKS served through an httpx MockTransport, and real RS256 access tokens.

Tests never bypass verification: the services verify these tokens exactly as they verify svc-identity's.
"""

import time
import uuid
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from siantar_shared.auth import JwksCache, TokenVerifier

TEST_ISSUER = "https://identity.test/identity"
TEST_AUDIENCE = "siantar"
TEST_JWKS_URL = "https://identity.test/identity/.well-known/jwks.json"


class TestKeys:
    """An RSA key pair, the JWKS publishing it, and a minting function."""

    __test__ = False  # not a test class

    def __init__(self, kid: str = "test-key-1") -> None:
        self.kid = kid
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_requests = 0

    @cached_property
    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            self.jwks_requests += 1
            if str(request.url) == TEST_JWKS_URL:
                return httpx.Response(200, json=self.jwks)
            return httpx.Response(404)

        return httpx.MockTransport(handler)

    def verifier(self, client: httpx.AsyncClient) -> TokenVerifier:
        return TokenVerifier(JwksCache(TEST_JWKS_URL, client), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)

    def mint(
        self,
        *,
        subject: uuid.UUID | None = None,
        roles: Iterable[str] | str | None = ("citizen",),
        scopes: Iterable[str] | str | None = (),
        agency: str | None = None,
        acr: int | None = 0,
        amr: Iterable[str] | str | None = ("pwd",),
        client_id: str = "siantar-test-app",
        lifetime: int = 300,
        **overrides: Any,
    ) -> str:
        """A signed access token (RFC 9068) with the given claims; `overrides` replace any claim (None removes
        it), `headers=` any header, `signing_key=` the key. A single string counts as one role/scope/method;
        None leaves the claim out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": TEST_ISSUER,
            "aud": TEST_AUDIENCE,
            "sub": str(subject or uuid.uuid4()),
            "client_id": client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "scope": None if scopes is None else " ".join(_items(scopes)),
            "roles": None if roles is None else _items(roles),
            "acr": None if acr is None else str(acr),
            "amr": None if amr is None else _items(amr),
            "agency": agency,
        }
        headers = {"kid": self.kid, "typ": "at+jwt", **overrides.pop("headers", {})}
        key = overrides.pop("signing_key", None) or self.private_key
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def _items(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)
