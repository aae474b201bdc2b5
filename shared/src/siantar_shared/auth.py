"""Access tokens: verified locally against the identity service's JWKS, turned into a `Principal`.

Tokens are RFC 9068 JWT access tokens (`typ: at+jwt`) signed by svc-identity. Keys come from its JWKS,
fetched lazily, cached, and fetched again on an unknown `kid` at most once per 30 seconds, so there is no
per-request call to the identity service. Algorithms are pinned to an allow-list; `exp`, `iss` and `aud`
are required and checked.
"""

import asyncio
import json
import time
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import httpx
import jwt
from fastapi import Depends, Request
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from pydantic import BaseModel, ConfigDict

from siantar_shared.errors import AppError, Forbidden, Unauthorized
from siantar_shared.i18n import Text

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
JWKS_REFRESH_INTERVAL = 30.0
LEEWAY_SECONDS = 30


class Role(StrEnum):
    citizen = "citizen"
    officer = "officer"
    supervisor = "supervisor"
    verifier = "verifier"
    inspector = "inspector"
    admin = "admin"
    dpo = "dpo"
    service = "service"


class Principal(BaseModel):
    """Who is calling, from the token's claims (RFC 9068 plus our `roles`, `agency`, `acr`, `amr`)."""

    model_config = ConfigDict(frozen=True)

    subject: UUID
    client_id: str
    scopes: frozenset[str] = frozenset()
    roles: frozenset[Role] = frozenset()
    agency: str | None = None
    acr: int = 0
    amr: tuple[str, ...] = ()
    token_id: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_service(self) -> bool:
        return Role.service in self.roles


class InsufficientAssurance(AppError):
    status, slug = 401, "insufficient-assurance"
    title = Text("Tingkat verifikasi identitas belum cukup", "Identity assurance level too low")


class JwksCache:
    """The identity service's public keys, fetched on first use and refreshed on an unknown `kid`."""

    def __init__(self, url: str, client: httpx.AsyncClient, *, refresh_interval: float = JWKS_REFRESH_INTERVAL):
        self.url = url
        self.client = client
        self.refresh_interval = refresh_interval
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and self._may_refresh():
                await self._refresh()
        if kid not in self._keys:
            raise Unauthorized(Text("Kunci penanda tangan token tidak dikenal", "Unknown token signing key"))
        return self._keys[kid]

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self.refresh_interval

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            response = await self.client.get(self.url)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise Unauthorized(
                Text("Kunci verifikasi token belum dapat diambil", "Token verification keys are unavailable")
            ) from exc
        self._keys = {k["kid"]: _public_key(k) for k in keys if "kid" in k and k.get("use", "sig") == "sig"}


def _public_key(jwk: dict[str, Any]) -> Any:
    loaders = {"RSA": RSAAlgorithm, "EC": ECAlgorithm, "OKP": OKPAlgorithm}
    return loaders[jwk["kty"]].from_jwk(json.dumps(jwk))


class TokenVerifier:
    def __init__(self, jwks: JwksCache, *, issuer: str, audience: str) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(Text("Token tidak dapat dibaca", "Malformed token")) from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS or header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
            raise Unauthorized(Text("Jenis token tidak diterima", "Token type or algorithm not accepted"))
        key = await self.jwks.key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "client_id"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(Text("Token sudah kedaluwarsa", "Token expired")) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(Text("Token tidak sah", "Invalid token")) from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    known_roles = {role.value for role in Role}
    try:
        return Principal(
            subject=UUID(str(claims["sub"])),
            client_id=str(claims["client_id"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            roles=frozenset(Role(r) for r in claims.get("roles", []) if r in known_roles),
            agency=claims.get("agency"),
            acr=int(claims.get("acr", 0)),
            amr=tuple(claims.get("amr", [])),
            token_id=claims.get("jti"),
        )
    except (ValueError, TypeError) as exc:
        raise Unauthorized(Text("Isi token tidak sah", "Invalid token claims")) from exc


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def optional_principal(request: Request) -> Principal | None:
    """The caller's principal if a token is sent (and valid), else None for anonymous access."""
    token = bearer_token(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.state.token_verifier
    return await verifier.verify(token)


class require:  # noqa: N801 - used like a function in signatures: Annotated[Principal, require(...)]
    """A dependency that demands a valid token and, optionally, a role (any of), scopes (all of), an acr."""

    def __new__(  # type: ignore[misc]
        cls, *, roles: set[Role] | None = None, scopes: set[str] | None = None, acr: int = 0
    ) -> Any:
        async def dependency(request: Request) -> Principal:
            principal = await optional_principal(request)
            if principal is None:
                raise Unauthorized(Text("Token akses wajib disertakan", "An access token is required"))
            check(principal, roles=roles, scopes=scopes, acr=acr)
            return principal

        return Depends(dependency)


def check(principal: Principal, *, roles: set[Role] | None, scopes: set[str] | None, acr: int) -> None:
    if roles and not principal.roles.intersection(roles):
        raise Forbidden(Text("Peran Anda tidak diizinkan untuk tindakan ini", "Your role may not do this"))
    if scopes and not scopes.issubset(principal.scopes):
        missing = " ".join(sorted(scopes - principal.scopes))
        raise Forbidden(
            Text(f"Token tidak memiliki cakupan: {missing}", f"Token lacks scope: {missing}"),
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{missing}"'},
        )
    if principal.acr < acr:
        raise InsufficientAssurance(
            Text(f"Diperlukan tingkat verifikasi {acr}", f"Assurance level {acr} is required"),
            headers={"WWW-Authenticate": f'Bearer error="insufficient_user_authentication", acr_values="{acr}"'},
        )


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
AnyPrincipal = Annotated[Principal, require()]
ServicePrincipal = Annotated[Principal, require(roles={Role.service})]
