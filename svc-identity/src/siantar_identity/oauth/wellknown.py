"""/identity/.well-known/: OpenID discovery and the JWK Set every service verifies tokens with.

Both are public. The JWKS may be cached briefly (`JWKS_MAX_AGE`, shorter than the rotation's propagation
delay, so a cache never hides a key that is about to sign); discovery changes rarely.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ApiClient
from siantar_identity.clock import ClockDep
from siantar_identity.config import Settings
from siantar_identity.oauth.client_auth import AUTH_METHODS
from siantar_identity.oauth.keys import ALGORITHM, ensure_active_key, jwks_document, published_keys
from siantar_identity.security.context import CryptoDep
from siantar_shared.db import SessionDep

router = APIRouter(prefix="/identity/.well-known", tags=["oauth"])
JWKS_MAX_AGE = 60
DISCOVERY_MAX_AGE = 300
GRANT_TYPES = ["authorization_code", "password", "refresh_token", "client_credentials"]
CLAIMS = ["iss", "aud", "sub", "client_id", "exp", "iat", "jti", "scope", "roles", "agency", "acr", "amr"]
_JWKS_EXAMPLE = {
    "keys": [
        {"kty": "RSA", "n": "0vx7agoebGc…", "e": "AQAB", "kid": "siantar-1", "alg": "RS256", "use": "sig"}
    ]
}


def discovery_document(settings: Settings, scopes: list[str]) -> dict[str, Any]:
    """OpenID Provider Metadata (OIDC Discovery 1.0 §3, RFC 8414)."""
    issuer = settings.issuer
    api = f"{issuer}/v1"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{api}/oauth/authorize",
        "token_endpoint": f"{api}/oauth/token",
        "userinfo_endpoint": f"{api}/oauth/userinfo",
        "revocation_endpoint": f"{api}/oauth/revoke",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,  # RFC 9207: `iss` on the redirect
        "scopes_supported": scopes,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "claims_supported": [*CLAIMS, "auth_time", "sid", "azp", "nonce", "at_hash"],
        "acr_values_supported": ["0", "1", "2"],
        "ui_locales_supported": ["id", "en"],
        "service_documentation": f"{api}/docs",
    }


async def offered_scopes(session: AsyncSession) -> list[str]:
    """Every scope some active client may ask for."""
    lists = (await session.scalars(select(ApiClient.scopes).where(ApiClient.revoked_at.is_(None)))).all()
    return sorted({scope for scopes in lists for scope in scopes})


@router.get("/openid-configuration", summary="OpenID discovery")
async def openid_configuration(request: Request, session: SessionDep) -> JSONResponse:
    """Where the token, authorization and revocation endpoints and the signing keys are, and what this
    provider supports (grant types, PKCE S256, scopes, client authentication methods, claims)."""
    settings: Settings = request.state.settings
    document = discovery_document(settings, await offered_scopes(session))
    return JSONResponse(document, headers={"Cache-Control": f"public, max-age={DISCOVERY_MAX_AGE}"})


@router.get(
    "/jwks.json",
    summary="Token signing keys (JWKS)",
    responses={200: {"content": {"application/json": {"example": _JWKS_EXAMPLE}}}},
)
async def jwks(session: SessionDep, crypto: CryptoDep, clock: ClockDep) -> JSONResponse:
    """The public keys that verify access tokens (RFC 7517): the one signing now, the next one before it
    signs, and retired ones until the tokens they signed have expired. Pick the key by the token's `kid`."""
    at = clock.now()
    await ensure_active_key(session, crypto.ring, at=at)
    document = jwks_document(await published_keys(session, at=at))
    return JSONResponse(document, headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"})
