"""Access tokens: verified locally against the identity service's JWKS, turned into a `Principal`.

Tokens are RFC 9068 JWT access tokens (`typ: at+jwt`) signed by svc-identity. Keys come from its JWKS,
fetched lazily, cached, and fetched again on an unknown `kid` at most once per 30 seconds, so there is no
per-request call to the identity service. Algorithms are pinned to an allow-list; `exp`, `iss` and `aud`
are required and checked.
"""

import asyncio
import base64
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Protocol
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
JWKS_MAX_AGE = 300.0  # a known key is trusted this long before the set is fetched again
LEEWAY_SECONDS = 30
logger = logging.getLogger("siantar_shared.auth")


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
    """The identity service's public keys, fetched on first use and refreshed on an unknown `kid`.

    Each key is kept with the algorithms it may verify (its JWK `alg`, else its key type's allowed ones), so a
    token cannot pick another algorithm for a known key. Keys the cache cannot use are skipped, not fatal.
    """

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        refresh_interval: float = JWKS_REFRESH_INTERVAL,
        max_age: float = JWKS_MAX_AGE,
    ) -> None:
        self.url = url
        self.client = client
        self.refresh_interval = refresh_interval
        self.max_age = max_age
        self._keys: dict[str, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any:
        """The public key with this `kid`; 401 if the identity service does not publish it."""
        return (await self.verification_key(kid)).key

    async def verification_key(self, kid: str) -> "VerificationKey":
        """The key with this `kid` and its algorithms, refetching the set at most once per `refresh_interval`.

        A known key is used until the set is `max_age` old; then the set is fetched again, so that a key
        identity withdraws (rotated after a compromise) stops verifying here within `max_age`. If that fetch
        fails, the keys already known stay in use (identity being down must not stop every service).
        """
        if kid in self._keys and not self._stale():
            return self._keys[kid]
        async with self._lock:
            if (kid not in self._keys or self._stale()) and self._may_refresh():
                try:
                    await self._refresh()
                except Unauthorized:
                    if kid not in self._keys:
                        raise
        if kid not in self._keys:
            raise Unauthorized(Text("Kunci penanda tangan token tidak dikenal", "Unknown token signing key"))
        return self._keys[kid]

    def _stale(self) -> bool:
        return self._fetched_at is not None and time.monotonic() - self._fetched_at >= self.max_age

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self.refresh_interval

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()  # a failed fetch also waits for the interval: no stampede
        try:
            response = await self.client.get(self.url)
            response.raise_for_status()
            self._keys = load_jwks(response.json())
        except (httpx.HTTPError, ValueError, TypeError) as exc:
            logger.warning("JWKS fetch from %s failed: %s", self.url, type(exc).__name__)
            raise Unauthorized(
                Text("Kunci verifikasi token belum dapat diambil", "Token verification keys are unavailable")
            ) from exc


@dataclass(frozen=True, slots=True)
class VerificationKey:
    key: Any
    algorithms: frozenset[str]


_KEY_TYPE_ALGORITHMS: dict[str, frozenset[str]] = {
    "RSA": frozenset({"RS256", "PS256"}),
    "EC": frozenset({"ES256"}),
    "OKP": frozenset({"EdDSA"}),
}
_KEY_LOADERS: dict[str, Callable[[str], Any]] = {
    "RSA": RSAAlgorithm.from_jwk,
    "EC": ECAlgorithm.from_jwk,
    "OKP": OKPAlgorithm.from_jwk,
}


def load_jwks(document: object) -> dict[str, VerificationKey]:
    """`{kid: key}` for the usable signing keys of a JWK Set; TypeError if it is no JWK Set at all."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise TypeError("not a JWK Set")
    keys: dict[str, VerificationKey] = {}
    for jwk in document["keys"]:
        key = _verification_key(jwk)
        if key is not None:
            keys[jwk["kid"]] = key
    return keys


def _verification_key(jwk: object) -> VerificationKey | None:
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or jwk.get("use", "sig") != "sig":
        return None
    kty, alg = jwk.get("kty"), jwk.get("alg")
    allowed = _KEY_TYPE_ALGORITHMS.get(kty, frozenset()) if isinstance(kty, str) else frozenset()
    if alg is not None:
        allowed = allowed & {alg} if isinstance(alg, str) else frozenset()
    if not allowed:
        return None
    try:
        return VerificationKey(_KEY_LOADERS[str(kty)](json.dumps(jwk)), allowed)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        logger.warning("skipping unusable JWK %r", jwk["kid"])
        return None


_ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


class KeySource(Protocol):
    """Where verification keys come from: the JWKS over HTTP (`JwksCache`), or identity's own database."""

    async def verification_key(self, kid: str) -> VerificationKey: ...


class TokenVerifier:
    """Verifies access tokens; a token already verified is remembered until it expires.

    A client sends the same access token with every request for its ten-minute life, so the signature is
    checked once and the principal kept (at most `cache_size` tokens, least recently used dropped) until its
    `exp`. Each use still asks the key source for the token's key (a dictionary look-up while the key set is
    fresh), so a key withdrawn by identity ends its cached tokens as soon as the key set is refreshed.
    """

    def __init__(self, jwks: KeySource, *, issuer: str, audience: str, cache_size: int = 4096) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.cache_size = cache_size
        self._verified: OrderedDict[str, tuple[Principal, float, str]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[1] > time.time():
            try:  # its key must still be published: a withdrawn key ends its tokens here too
                await self.jwks.verification_key(remembered[2])
            except Unauthorized:
                del self._verified[token]
                raise
            self._verified.move_to_end(token)
            return remembered[0]
        principal, expires, kid = await self._verify(token)
        if self.cache_size > 0:
            self._verified[token] = (principal, expires, kid)
            if len(self._verified) > self.cache_size:
                self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, str]:
        header = _unverified_header(token)
        alg, typ, kid = header.get("alg"), header.get("typ"), header.get("kid")
        if (
            alg not in ALLOWED_ALGORITHMS
            or not isinstance(typ, str)
            or typ.lower() not in _ACCESS_TOKEN_TYPES
        ):
            raise Unauthorized(Text("Jenis token tidak diterima", "Token type or algorithm not accepted"))
        if not isinstance(kid, str) or not kid:
            raise Unauthorized(Text("Kunci penanda tangan token tidak dikenal", "Unknown token signing key"))
        key = await self.jwks.verification_key(kid)
        if alg not in key.algorithms:
            raise Unauthorized(Text("Jenis token tidak diterima", "Token type or algorithm not accepted"))
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[str(alg)],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "client_id"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(Text("Token sudah kedaluwarsa", "Token expired")) from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized(Text("Token tidak sah", "Invalid token")) from exc
        return principal_from_claims(claims), float(claims["exp"]), kid


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read to pick the key: a base64url JSON object before the first dot. (PyJWT's own
    reader checks the whole token character by character in Python, which doubled the cost of a
    verification; `jwt.decode` checks the token completely afterwards anyway.)"""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unauthorized(Text("Token tidak dapat dibaca", "Malformed token")) from exc
    if not isinstance(header, dict) or token.count(".") != 2:
        raise Unauthorized(Text("Token tidak dapat dibaca", "Malformed token"))
    return header


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The principal of verified claims; any claim of the wrong shape makes the token invalid (401)."""
    known_roles = {role.value for role in Role}
    try:
        scope = claims.get("scope") or ""
        agency = claims.get("agency")
        if not isinstance(scope, str) or not isinstance(claims["client_id"], str):
            raise TypeError("scope and client_id must be strings")
        if agency is not None and not isinstance(agency, str):
            raise TypeError("agency must be a string")
        return Principal(
            subject=UUID(_string(claims["sub"])),
            client_id=claims["client_id"],
            scopes=frozenset(scope.split()),
            roles=frozenset(Role(r) for r in _strings(claims, "roles") if r in known_roles),
            agency=agency,
            acr=_acr(claims.get("acr", 0)),
            amr=tuple(_strings(claims, "amr")),
            token_id=claims.get("jti"),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise Unauthorized(Text("Isi token tidak sah", "Invalid token claims")) from exc


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    """A claim that must be a JSON array of strings (absent or null: empty)."""
    value = claims.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} must be an array")
    return [_string(item) for item in value]


def _acr(value: object) -> int:
    """The level of assurance, 0-9, sent as a number or a numeric string ("2")."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("acr must be a level number")
    if isinstance(value, str) and not (len(value) == 1 and value.isascii() and value.isdigit()):
        raise ValueError("acr must be a level number")
    level = int(value)
    if not 0 <= level <= 9:
        raise ValueError("acr must be a level number")
    return level


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


def require(*, roles: set[Role] | None = None, scopes: set[str] | None = None, acr: int = 0) -> Any:
    """A dependency that demands a valid token and, optionally, a role (any of), scopes (all of), an acr.

    Use it in a signature: `Annotated[Principal, require(roles={Role.verifier})]`.
    """

    async def dependency(request: Request) -> Principal:
        principal = await optional_principal(request)
        if principal is None:  # no credentials at all: RFC 6750 §3.1 sends no error code
            raise Unauthorized(
                Text("Token akses wajib disertakan", "An access token is required"), error=None
            )
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
            headers={
                "WWW-Authenticate": f'Bearer error="insufficient_user_authentication", acr_values="{acr}"'
            },
        )


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
AnyPrincipal = Annotated[Principal, require()]
ServicePrincipal = Annotated[Principal, require(roles={Role.service})]
