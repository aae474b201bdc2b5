"""The signed-in person's sessions (ASVS 7.5.2): listing them and ending one, or all but the current one.

A session is a token family that can still be refreshed: not revoked, before its absolute end, and holding
an unused refresh token that has not expired. The current session is the one named by the `sid` of the
access token making the request.
"""

from datetime import datetime
from uuid import UUID

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ApiClient
from siantar_identity.oauth.exceptions import SessionNotFound
from siantar_identity.oauth.models import RefreshToken, TokenFamily
from siantar_identity.oauth.revocation import revoke_family, session_id_of
from siantar_identity.oauth.schemas import SessionRead
from siantar_shared.auth import Principal, bearer_token
from siantar_shared.errors import Forbidden
from siantar_shared.i18n import Text

MAX_SESSIONS = 100  # the most recently used; a person has a handful


def _person(principal: Principal) -> UUID:
    if principal.is_service:
        raise Forbidden(
            Text("Hanya untuk orang yang masuk, bukan layanan", "For signed-in people, not services")
        )
    return principal.subject


def current_session(request: Request) -> UUID | None:
    """The `sid` of the request's access token (already verified by `require`)."""
    token = bearer_token(request)
    return session_id_of(token) if token else None


async def live_sessions(
    session: AsyncSession, principal: Principal, *, current: UUID | None, at: datetime
) -> list[SessionRead]:
    live = (
        select(
            RefreshToken.family_id,
            func.max(RefreshToken.created_at).label("last_used_at"),
            func.max(RefreshToken.expires_at).label("expires_at"),
        )
        .where(RefreshToken.used_at.is_(None), RefreshToken.expires_at > at)
        .group_by(RefreshToken.family_id)
        .subquery()
    )
    statement = (
        select(TokenFamily, live.c.last_used_at, live.c.expires_at, ApiClient.name)
        .join(live, live.c.family_id == TokenFamily.id)
        .outerjoin(ApiClient, ApiClient.client_id == TokenFamily.client_id)
        .where(
            TokenFamily.account_id == _person(principal),
            TokenFamily.revoked_at.is_(None),
            TokenFamily.absolute_expires_at > at,
        )
        .order_by(live.c.last_used_at.desc(), TokenFamily.id)
        .limit(MAX_SESSIONS)
    )
    return [
        SessionRead(
            id=family.id,
            client_id=family.client_id,
            client_name=client_name,
            signed_in_at=family.auth_time,
            last_used_at=last_used_at,
            expires_at=expires_at,
            amr=list(family.amr),
            current=family.id == current,
        )
        for family, last_used_at, expires_at, client_name in (await session.execute(statement)).all()
    ]


async def end_session(
    session: AsyncSession, request: Request, principal: Principal, session_id: UUID, *, at: datetime
) -> None:
    """End one of the person's sessions; another person's (or an unknown one) is 404."""
    family = await session.get(TokenFamily, session_id)
    if family is None or family.account_id != _person(principal):
        raise SessionNotFound()
    await revoke_family(session, family, reason="ended_by_user", at=at, request=request, actor=principal)


async def end_other_sessions(
    session: AsyncSession, request: Request, principal: Principal, *, current: UUID | None, at: datetime
) -> int:
    """End every session of the person but the current one (all of them if the token names none)."""
    statement = select(TokenFamily).where(
        TokenFamily.account_id == _person(principal),
        TokenFamily.revoked_at.is_(None),
        TokenFamily.absolute_expires_at > at,
    )
    ended = 0
    for family in (await session.scalars(statement)).all():
        if family.id != current:
            ended += await revoke_family(
                session, family, reason="ended_by_user", at=at, request=request, actor=principal
            )
    return ended
