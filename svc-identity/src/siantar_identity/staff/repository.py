"""Every query on staff accounts and their invitation codes."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus, OneTimeCode
from siantar_shared.idempotency import rowcount
from siantar_shared.pagination import CursorParams, SortKey, paginate

INVITATION = "staff_invitation"  # OneTimeCode.purpose of an invitation code
SORT_KEYS = (
    SortKey(Account.username.expression, descending=False),
    SortKey(Account.id.expression, descending=False),
)


async def get_staff(session: AsyncSession, account_id: UUID) -> Account | None:
    account = await session.get(Account, account_id)
    return account if account is not None and account.kind == AccountKind.staff else None


async def staff_by_username(session: AsyncSession, username: str) -> Account | None:
    statement = select(Account).where(Account.username == username, Account.kind == AccountKind.staff)
    return (await session.scalars(statement)).one_or_none()


async def username_exists(session: AsyncSession, username: str) -> bool:
    return (await session.scalar(select(Account.id).where(Account.username == username))) is not None


async def list_staff(
    session: AsyncSession,
    params: CursorParams,
    *,
    agency: str | None,
    role: str | None,
    status: str | None,
) -> tuple[list[Account], str | None]:
    statement = select(Account).where(Account.kind == AccountKind.staff)
    if agency is not None:
        statement = statement.where(Account.agency_code == agency)
    if role is not None:
        statement = statement.where(has_role(role))
    if status is not None:
        statement = statement.where(Account.status == status)
    return await paginate(session, statement, params, SORT_KEYS)


def has_role(role: str) -> ColumnElement[bool]:
    """roles is a JSON array of plain role names; a quoted name matches only that role."""
    return cast(Account.roles, String).like(f'%"{role}"%')


async def active_staff_with_role(
    session: AsyncSession, *, role: str, agency: str | None, limit: int
) -> list[Account]:
    """Active staff accounts having `role` (and, when given, of `agency`), by id; at most `limit`."""
    statement = select(Account).where(
        Account.kind == AccountKind.staff, Account.status == AccountStatus.active, has_role(role)
    )
    if agency is not None:
        statement = statement.where(Account.agency_code == agency)
    statement = statement.order_by(Account.id).limit(limit)
    return list((await session.scalars(statement)).all())


async def live_invitation(session: AsyncSession, account_id: UUID, at: datetime) -> OneTimeCode | None:
    statement = (
        select(OneTimeCode)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == INVITATION,
            OneTimeCode.consumed_at.is_(None),
            OneTimeCode.expires_at > at,
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).one_or_none()


async def claim_attempt(session: AsyncSession, code: OneTimeCode, max_attempts: int) -> bool:
    """Count one attempt before the code is compared, in one conditional UPDATE: parallel guesses cannot
    exceed `max_attempts` between them. False if none is left."""
    result = await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.id == code.id, OneTimeCode.attempts < max_attempts, OneTimeCode.consumed_at.is_(None)
        )
        .values(attempts=OneTimeCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def refund_attempt(session: AsyncSession, code: OneTimeCode) -> None:
    await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code.id, OneTimeCode.attempts > 0)
        .values(attempts=OneTimeCode.attempts - 1)
        .execution_options(synchronize_session=False)
    )


async def end_invitations(session: AsyncSession, account_id: UUID, at: datetime) -> None:
    """Every unused invitation code of the account stops working."""
    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == INVITATION,
            OneTimeCode.consumed_at.is_(None),
        )
        .values(consumed_at=at)
        .execution_options(synchronize_session=False)
    )
