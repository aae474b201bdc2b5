"""Dependencies of the second-factor endpoints: the session that keeps failure records, and the caller."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.account.models import AccountStatus
from siantar_identity.mfa import repository as mfa_repository
from siantar_identity.mfa.enrolment import Caller
from siantar_identity.mfa.exceptions import (
    AccountNotActive,
    IdempotencyKeyRefused,
    NotAnAccount,
    RecordedFailure,
)
from siantar_shared.auth import AnyPrincipal, bearer_token


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Like the shared session, but a `RecordedFailure` (wrong code, wrong password) commits what was
    written before it (its audit record, the throttle's count) and only then becomes an error answer."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except RecordedFailure:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


MfaSessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def verified_claims(request: Request) -> dict[str, Any]:
    """The claims of the request's bearer token. Only called after `require()` verified that very token
    (the principal is a dependency of the caller), so reading it again without the signature check is safe."""
    token = bearer_token(request)
    if token is None:
        return {}
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _auth_time(claims: dict[str, Any]) -> datetime | None:
    value = claims.get("auth_time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def _family_id(claims: dict[str, Any]) -> UUID | None:
    value = claims.get("sid")
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def get_caller(request: Request, principal: AnyPrincipal, session: MfaSessionDep) -> Caller:
    """The signed-in person making the request; a service token (client credentials) acts for nobody."""
    if principal.is_service:
        raise NotAnAccount()
    account = await mfa_repository.get_account(session, principal.subject)
    if account is None:
        raise NotAnAccount()
    if account.status != AccountStatus.active:
        raise AccountNotActive()
    claims = verified_claims(request)
    return Caller(principal, account, _auth_time(claims), _family_id(claims), request)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def refuse_idempotency_key(request: Request) -> None:
    """Answers holding secrets shown once must not be kept by the idempotency middleware for replay."""
    if "idempotency-key" in request.headers:
        raise IdempotencyKeyRefused()
