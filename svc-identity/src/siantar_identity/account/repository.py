"""Every query of the account domain: accounts by keyed hash, one-time codes, send counters, sign-ins."""

import math
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, OneTimeCode
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.fieldcrypt import candidates
from siantar_identity.throttle.models import ThrottleState

# people who sign in (guests have their own index contexts and never match these look-ups)
PERSON_KINDS = (AccountKind.citizen, AccountKind.staff)


async def get(session: AsyncSession, account_id: UUID) -> Account | None:
    return await session.get(Account, account_id)


async def by_phone_index(session: AsyncSession, index: str) -> Account | None:
    return await session.scalar(
        select(Account).where(Account.phone_index.in_(candidates(index)), Account.kind.in_(PERSON_KINDS))
    )


async def by_email_index(session: AsyncSession, index: str) -> Account | None:
    return await session.scalar(
        select(Account).where(Account.email_index.in_(candidates(index)), Account.kind.in_(PERSON_KINDS))
    )


async def by_nik_index(session: AsyncSession, index: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.nik_index.in_(candidates(index))))


async def live_code(
    session: AsyncSession, account_id: UUID, purpose: str, *, at: datetime, max_attempts: int
) -> OneTimeCode | None:
    """The newest usable code of an account for a purpose, locked for the attempt (FOR UPDATE)."""
    statement = (
        select(OneTimeCode)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_(None),
            OneTimeCode.expires_at > at,
            OneTimeCode.attempts < max_attempts,
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    return await session.scalar(statement)


async def codes_sent_since(
    session: AsyncSession, account_id: UUID, purpose: str, since: datetime
) -> list[datetime]:
    """When the account's codes for `purpose` were sent since `since`, oldest first."""
    statement = (
        select(OneTimeCode.created_at)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.created_at > since,
        )
        .order_by(OneTimeCode.created_at)
    )
    return list(await session.scalars(statement))


async def retire_codes(session: AsyncSession, account_id: UUID, purpose: str, at: datetime) -> None:
    """A new code replaces the previous ones: they can no longer be used."""
    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_(None),
        )
        .values(consumed_at=at)
        .execution_options(synchronize_session=False)
    )


async def count_in_window(
    session: AsyncSession, key: str, *, at: datetime, window: timedelta, limit: int
) -> int:
    """Count one event on the hourly counter `key` (a `throttle_state` row, locked); 0 if it is within
    `limit`, else the seconds until the window ends (the event is then not counted)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    fresh = {"key": key, "failures": 0, "window_started_at": at, "window_failures": 0}
    await session.execute(insert(ThrottleState).values(fresh).on_conflict_do_nothing())
    row = await session.scalar(
        select(ThrottleState)
        .where(ThrottleState.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    if at - row.window_started_at >= window:
        row.window_started_at, row.window_failures = at, 0
    if row.window_failures >= limit:
        ends = row.window_started_at + window
        return max(1, math.ceil((ends - at).total_seconds()))
    row.window_failures += 1
    await session.flush()
    return 0


async def revoke_families(
    session: AsyncSession, account_id: UUID, *, keep: UUID | None, reason: str, at: datetime
) -> int:
    """Revoke the account's live token families except `keep` (the sign-in making the change)."""
    statement = update(TokenFamily).where(
        TokenFamily.account_id == account_id, TokenFamily.revoked_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(TokenFamily.id != keep)
    result = await session.execute(
        statement.values(revoked_at=at, revoke_reason=reason).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
