"""Every query of the second-factor domain: accounts' TOTP steps, recovery codes, token families."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from siantar_identity.account.models import Account, RecoveryCode
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.idempotency import rowcount


async def get_account(session: AsyncSession, account_id: UUID) -> Account | None:
    return await session.get(Account, account_id)


async def record_totp_step(session: AsyncSession, account: Account, step: int) -> bool:
    """Mark `step` used, only if no later or equal step was: one conditional UPDATE, so that two requests
    racing with the same code cannot both succeed. Returns whether this request won."""
    result = await session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    won = rowcount(result) == 1
    if won:
        set_committed_value(account, "totp_last_step", step)
    return won


async def replace_recovery_codes(session: AsyncSession, account_id: UUID, code_hashes: Sequence[str]) -> None:
    await delete_recovery_codes(session, account_id)
    session.add_all(RecoveryCode(account_id=account_id, code_hash=code_hash) for code_hash in code_hashes)
    await session.flush()


async def delete_recovery_codes(session: AsyncSession, account_id: UUID) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))


async def use_recovery_code(session: AsyncSession, account_id: UUID, code_hash: str, at: datetime) -> bool:
    """Consume an unused code in one conditional UPDATE (single use even under a race)."""
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def count_unused_recovery_codes(session: AsyncSession, account_id: UUID) -> int:
    statement = select(func.count()).where(
        RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None)
    )
    return int((await session.execute(statement)).scalar_one())


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
    return rowcount(result)
