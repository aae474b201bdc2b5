"""Who is acting: a signed-in staff member (token + current account row) or the system (seed, jobs).

Staff-only endpoints look the caller's account up on every request, so that a role removed or an account
disabled takes effect at once, not when the access token expires. The roles that count are those both in
the token and on the account.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit import service as audit
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep
from siantar_shared.errors import Forbidden
from siantar_shared.i18n import Text

logger = logging.getLogger("siantar_identity.staff")


@dataclass(frozen=True)
class Actor:
    principal: Principal | None  # None: the system itself (seed, jobs)
    account: Account | None
    request: Request | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, None, None)

    @property
    def id(self) -> UUID | None:
        return self.account.id if self.account is not None else None

    @property
    def roles(self) -> frozenset[Role]:
        if self.principal is None or self.account is None:
            return frozenset()
        known = {role.value for role in Role}
        return self.principal.roles & frozenset(Role(r) for r in self.account.roles if r in known)

    @property
    def agency(self) -> str | None:
        return self.account.agency_code if self.account is not None else None

    @property
    def is_admin(self) -> bool:
        return self.principal is None or Role.admin in self.roles

    async def audit(
        self,
        session: AsyncSession,
        action: str,
        *,
        subject_id: UUID | None = None,
        outcome: str = "success",
        **detail: Any,
    ) -> None:
        """An audit record of this actor's action (never put personal data in `detail`)."""
        if self.principal is None:
            await audit.record(
                session, action, actor_kind="system", subject_id=subject_id, outcome=outcome, **detail
            )
            return
        await audit.record(
            session,
            action,
            request=self.request,
            actor=self.principal,
            subject_id=subject_id,
            outcome=outcome,
            **detail,
        )


_NOT_STAFF = Text(
    "Hanya petugas aktif dengan peran ini yang boleh melakukannya",
    "Only an active staff member with this role may do this",
)


def staff_actor(roles: Iterable[Role]) -> Any:
    """A dependency: a valid token with one of `roles`, whose account is active staff still holding it."""
    wanted = frozenset(roles)
    guard = require(roles=set(wanted))

    async def dependency(
        request: Request, session: SessionDep, principal: Annotated[Principal, guard]
    ) -> Actor:
        account = await session.get(Account, principal.subject)
        actor = Actor(principal, account, request)
        if (
            account is None
            or account.kind != AccountKind.staff
            or account.status != AccountStatus.active
            or not actor.roles & wanted
        ):
            logger.warning("staff action refused to subject %s", principal.subject)
            raise Forbidden(_NOT_STAFF)
        return actor

    return Depends(dependency)


AdminActor = Annotated[Actor, staff_actor({Role.admin})]
StaffManager = Annotated[Actor, staff_actor({Role.admin, Role.supervisor})]
