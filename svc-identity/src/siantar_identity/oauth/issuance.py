"""Issuing tokens: JWT access tokens (RFC 9068) and opaque, rotated refresh tokens.

Access token: header `typ: at+jwt`, `kid`; claims `iss` (IDENTITY_PUBLIC_URL + "/identity"), `aud` (the one
platform audience), `sub` (the account id, or the client's UUID for client credentials), `client_id`, `exp`
(IDENTITY_ACCESS_TOKEN_TTL, 10 minutes), `iat`, `jti`, `scope`, `roles`, `agency`, `acr` (the account's
level of assurance, a string as OIDC has it), `amr`, `auth_time`, and `sid` (the sign-in, i.e. the refresh
token family) when there is one. Roles and level are read from the account at every issue, so a change
reaches the next refresh. Third-party apps act for a citizen only: their tokens never carry staff roles.

Refresh tokens (ASVS 7.1.1, 7.3, 10.4.5, 10.4.8) are 256-bit random strings, stored as SHA-256 hashes, one
family per sign-in, rotated on every use, issued only to clients allowed the `refresh_token` grant. A family
lives at most: 12 hours for staff (and on the staff app: IDENTITY_STAFF_REFRESH_LIFETIME), IDENTITY_CITIZEN_
REFRESH_LIFETIME on the citizen app, IDENTITY_THIRD_PARTY_REFRESH_LIFETIME for third-party apps. Staff
sessions also end after 30 minutes without a refresh (inactivity timeout); citizens' app sessions do not.
"""

import base64
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from siantar_identity.account.models import Account, AccountKind
from siantar_identity.client.models import ApiClient, ClientProfile
from siantar_identity.clock import Clock
from siantar_identity.config import Settings
from siantar_identity.oauth.exceptions import InvalidScope
from siantar_identity.oauth.keys import Signer
from siantar_identity.oauth.models import RefreshToken, TokenFamily
from siantar_identity.oauth.schemas import TokenResponse
from siantar_identity.security.secrets import new_token, token_hash
from siantar_shared.auth import Role
from siantar_shared.i18n import Text

STAFF_IDLE_TIMEOUT = timedelta(minutes=30)
REFRESH_GRANT = "refresh_token"
OPENID_SCOPE = "openid"  # asked for (and allowed the app), the code exchange also answers an ID token
ID_TOKEN_TYPE = "JWT"  # noqa: S105 - the `typ` of an ID token


@dataclass(frozen=True, slots=True)
class Issuer:
    settings: Settings
    clock: Clock
    signer: Signer

    @classmethod
    def of(cls, state: State) -> "Issuer":
        return cls(settings=state.settings, clock=state.clock, signer=state.signer)


def grant_scope(requested: str | None, allowed: Iterable[str]) -> str:
    """The scope to grant: what was asked if the client may have all of it (`InvalidScope` otherwise),
    everything the client may have when nothing was asked."""
    permitted = set(allowed)
    asked = set((requested or "").split())
    if not asked:
        return " ".join(sorted(permitted))
    if not asked <= permitted:
        refused = " ".join(sorted(asked - permitted))
        raise InvalidScope(Text(f"Cakupan tidak diizinkan: {refused}", f"Scope not allowed: {refused}"))
    return " ".join(sorted(asked))


def refresh_lifetime(settings: Settings, client: ApiClient, account: Account) -> timedelta:
    """How long a sign-in can be refreshed at most (absolute, ASVS 10.4.8)."""
    by_profile: dict[str, timedelta] = {
        ClientProfile.staff_app: settings.STAFF_REFRESH_LIFETIME,
        ClientProfile.citizen_app: settings.CITIZEN_REFRESH_LIFETIME,
    }
    lifetime = by_profile.get(client.profile, settings.THIRD_PARTY_REFRESH_LIFETIME)
    if account.kind == AccountKind.staff:
        lifetime = min(lifetime, settings.STAFF_REFRESH_LIFETIME)
    return lifetime


def token_roles(account: Account, client: ApiClient) -> list[str]:
    """The account's roles (citizens always have `citizen`); a third-party app gets `citizen` at most."""
    roles = set(account.roles)
    if account.kind == AccountKind.citizen:
        roles.add(Role.citizen)
    if not client.first_party:
        roles &= {Role.citizen.value}
    return sorted(roles)


async def issue_tokens(
    session: AsyncSession,
    request_state: State,
    *,
    account: Account,
    client: ApiClient,
    scope: str,
    amr: list[str],
    auth_time: datetime,
    family: TokenFamily | None = None,
) -> TokenResponse:
    """An access token for `account` through `client`, and a refresh token: in `family` when refreshing,
    else in a new family (one per sign-in) if the client may refresh."""
    issuer = Issuer.of(request_state)
    at = issuer.clock.now()
    may_refresh = REFRESH_GRANT in client.grant_types
    if family is None and may_refresh:
        family = TokenFamily(
            account_id=account.id,
            client_id=client.client_id,
            scope=scope,
            acr=account.assurance_level,
            amr=amr,
            auth_time=auth_time,
            absolute_expires_at=at + refresh_lifetime(issuer.settings, client, account),
            created_at=at,
        )
        session.add(family)
        await session.flush()
    claims = _claims(issuer.settings, subject=account.id, client=client, scope=scope, at=at)
    claims.update(
        roles=token_roles(account, client),
        acr=str(account.assurance_level),
        amr=amr,
        auth_time=int(auth_time.timestamp()),
    )
    if account.agency_code and client.first_party:
        claims["agency"] = account.agency_code
    if family is not None:
        claims["sid"] = str(family.id)
    access_token = await issuer.signer.sign(session, claims, at=at)
    refresh = await _new_refresh_token(session, family, account, at) if family and may_refresh else None
    return TokenResponse(
        access_token=access_token,
        expires_in=int(issuer.settings.ACCESS_TOKEN_TTL.total_seconds()),
        refresh_token=refresh,
        scope=scope,
    )


async def mint_id_token(
    session: AsyncSession,
    request_state: State,
    *,
    account: Account,
    client: ApiClient,
    access_token: str,
    amr: list[str],
    auth_time: datetime,
    nonce: str | None,
    family_id: uuid.UUID | None,
) -> str:
    """The OpenID Connect ID token of a sign-in (OIDC Core §2, §3.1.3.6) for the app itself: `aud` is the app's
    client_id (never the platform audience, so it is no access token anywhere), `typ: JWT`, the request's
    `nonce`, `at_hash` binding it to the access token issued with it, `auth_time`, `acr`, `amr` and `sid`. It
    names the person by `sub` only: no name, phone or NIK."""
    issuer = Issuer.of(request_state)
    at = issuer.clock.now()
    issued_at = int(at.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer.settings.issuer,
        "sub": str(account.id),
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": issued_at,
        "exp": issued_at + int(issuer.settings.ACCESS_TOKEN_TTL.total_seconds()),
        "auth_time": int(auth_time.timestamp()),
        "acr": str(account.assurance_level),
        "amr": amr,
        "at_hash": at_hash(access_token),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if family_id is not None:
        claims["sid"] = str(family_id)
    return await issuer.signer.sign(session, claims, at=at, typ=ID_TOKEN_TYPE)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


async def mint_client_token(
    session: AsyncSession, request_state: State, *, client: ApiClient, scope: str
) -> TokenResponse:
    """An access token for a client acting for itself (client credentials): `sub` is the client's UUID,
    roles are the client's (`service` for a platform service), no refresh token."""
    issuer = Issuer.of(request_state)
    at = issuer.clock.now()
    roles = set(client.roles)
    if client.profile == ClientProfile.service:
        roles.add(Role.service)
    claims = _claims(issuer.settings, subject=client.id, client=client, scope=scope, at=at)
    claims["roles"] = sorted(roles)
    access_token = await issuer.signer.sign(session, claims, at=at)
    return TokenResponse(
        access_token=access_token,
        expires_in=int(issuer.settings.ACCESS_TOKEN_TTL.total_seconds()),
        scope=scope,
    )


def _claims(
    settings: Settings, *, subject: uuid.UUID, client: ApiClient, scope: str, at: datetime
) -> dict[str, Any]:
    issued_at = int(at.timestamp())
    return {
        "iss": settings.issuer,
        "aud": settings.TOKEN_AUDIENCE,
        "sub": str(subject),
        "client_id": client.client_id,
        "iat": issued_at,
        "exp": issued_at + int(settings.ACCESS_TOKEN_TTL.total_seconds()),
        "jti": uuid.uuid4().hex,
        "scope": scope,
    }


async def _new_refresh_token(
    session: AsyncSession, family: TokenFamily, account: Account, at: datetime
) -> str:
    """A new refresh token of `family`, valid until the family ends (or, for staff, 30 idle minutes)."""
    expires_at = family.absolute_expires_at
    if account.kind == AccountKind.staff:
        expires_at = min(expires_at, at + STAFF_IDLE_TIMEOUT)
    token = new_token()
    session.add(
        RefreshToken(family_id=family.id, token_hash=token_hash(token), expires_at=expires_at, created_at=at)
    )
    await session.flush()
    return token
