"""Ending sign-ins one at a time: revocation (RFC 7009), logout, refresh-token reuse. Each is audited as
`oauth.family_revoked`. Access tokens already issued stay valid until they expire (10 minutes): services
verify them locally, without asking identity.
"""

from datetime import datetime
from uuid import UUID

import jwt
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.service import record
from siantar_identity.client.models import ApiClient
from siantar_identity.oauth.models import RefreshToken, TokenFamily
from siantar_identity.security.secrets import token_hash
from siantar_shared.auth import Principal, TokenVerifier
from siantar_shared.errors import AppError


async def revoke_family(
    session: AsyncSession,
    family: TokenFamily,
    *,
    reason: str,
    at: datetime,
    request: Request | None = None,
    actor: Principal | None = None,
    actor_kind: str = "system",
) -> bool:
    """Revoke one family (every refresh token of that sign-in); False if it already was. The actor is the
    signed-in person (`actor`), else `actor_kind`: the client that asked, or the system (reuse, disabling)."""
    if family.revoked_at is not None:
        return False
    family.revoked_at, family.revoke_reason = at, reason
    await session.flush()
    await record(
        session,
        "oauth.family_revoked",
        request=request,
        actor=actor,
        actor_kind=None if actor else actor_kind,
        subject_id=family.account_id,
        client_id=family.client_id,
        family_id=str(family.id),
        reason=reason,
    )
    return True


async def find_refresh_token(session: AsyncSession, token: str) -> RefreshToken | None:
    statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash(token))
    return (await session.scalars(statement)).first()


async def family_of_refresh_token(session: AsyncSession, token: str) -> TokenFamily | None:
    refresh = await find_refresh_token(session, token)
    return await session.get(TokenFamily, refresh.family_id) if refresh else None


async def revoke_token(
    session: AsyncSession, request: Request, *, client: ApiClient, token: str, reason: str, at: datetime
) -> None:
    """Revoke the sign-in a refresh token (or an access token, through its `sid`) belongs to, if it was
    issued to `client`. Unknown, invalid and other clients' tokens change nothing and raise nothing
    (RFC 7009 §2.2), so the answer tells nothing about them."""
    family = await family_of_refresh_token(session, token)
    if family is None:
        family = await _family_of_access_token(session, request, token)
    if family is not None and family.client_id == client.client_id:
        await revoke_family(session, family, reason=reason, at=at, request=request, actor_kind="client")


async def logout(
    session: AsyncSession, request: Request, *, client: ApiClient, refresh_token: str, at: datetime
) -> None:
    """End the sign-in of `refresh_token` if it was issued to `client`; anything else changes nothing."""
    family = await family_of_refresh_token(session, refresh_token)
    if family is not None and family.client_id == client.client_id:
        await revoke_family(session, family, reason="logout", at=at, request=request, actor_kind="account")


async def _family_of_access_token(session: AsyncSession, request: Request, token: str) -> TokenFamily | None:
    if token.count(".") != 2:
        return None
    verifier: TokenVerifier = request.state.token_verifier
    try:
        principal = await verifier.verify(token)
    except AppError:
        return None
    sid = session_id_of(token)
    family = await session.get(TokenFamily, sid) if sid else None
    return family if family is not None and family.account_id == principal.subject else None


def session_id_of(token: str) -> UUID | None:
    """The `sid` claim of an access token that has already been verified, else None."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return UUID(str(claims["sid"]))
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
