"""Dependencies of the account endpoints: the session that keeps failure records, what the services need
from the request (`Tools`), and the signed-in person (`Me`)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.account import repository
from siantar_identity.account.exceptions import AccountNotActive, NotAPerson, RecordedFailure
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.clock import Clock
from siantar_identity.config import Settings
from siantar_identity.notify.notifiers import Channel, Notifier
from siantar_identity.security.breached import BreachedPasswordChecker
from siantar_identity.security.context import Crypto
from siantar_shared.auth import Principal, Role, bearer_token, require

PERSON_ROLES = {role for role in Role if role is not Role.service}


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Like the shared session, but a `RecordedFailure` (a wrong code, a wrong password) commits what was
    written before it (the code's attempt count, the audit record) and only then becomes the error answer."""
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


AccountSessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Tools:
    """What the account services use besides the session, read once per request; `now` is the request's
    time from the injectable clock."""

    settings: Settings
    crypto: Crypto
    notifiers: dict[Channel, Notifier]
    breached: BreachedPasswordChecker
    clock: Clock
    request: Request

    @property
    def now(self) -> datetime:
        return self.clock.now()


def get_tools(request: Request) -> Tools:
    state = request.state
    return Tools(
        state.settings, state.crypto, state.notifiers, state.breached_passwords, state.clock, request
    )


ToolsDep = Annotated[Tools, Depends(get_tools)]


@dataclass(frozen=True)
class Me:
    """The signed-in person: the token's principal, their account, and the sign-in (token family, the
    token's `sid`) the request belongs to, when the token says so."""

    principal: Principal
    account: Account
    family_id: UUID | None


async def get_me(
    request: Request, principal: Annotated[Principal, require(roles=PERSON_ROLES)], session: AccountSessionDep
) -> Me:
    """The account of the token's subject; a service token acts for nobody, and only an active citizen or
    staff account may act (a disabled account's tokens stop working here at once)."""
    if principal.is_service:
        raise NotAPerson()
    account = await repository.get(session, principal.subject)
    if account is None or account.kind not in (AccountKind.citizen, AccountKind.staff):
        raise NotAPerson()
    if account.status != AccountStatus.active:
        raise AccountNotActive()
    return Me(principal, account, _family_id(request))


def _family_id(request: Request) -> UUID | None:
    """The `sid` claim of the request's token. Only read after `require()` verified that very token, so
    decoding it again without checking the signature is safe."""
    token = bearer_token(request)
    if token is None:
        return None
    value = jwt.decode(token, options={"verify_signature": False}).get("sid")
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


MeDep = Annotated[Me, Depends(get_me)]
