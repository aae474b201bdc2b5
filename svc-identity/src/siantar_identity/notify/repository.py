"""Queries of platform notifications."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.notify.models import Notification


async def requested_since(
    session: AsyncSession, account_id: UUID, since: datetime
) -> tuple[int, datetime | None]:
    """How many notifications services asked for this person since `since`, and when the oldest was."""
    row = (
        await session.execute(
            select(func.count(), func.min(Notification.created_at)).where(
                Notification.account_id == account_id,
                Notification.requested_by.is_not(None),
                Notification.created_at >= since,
            )
        )
    ).one()
    count, oldest = row
    return int(count), oldest


async def list_for_account(session: AsyncSession, account_id: UUID) -> list[Notification]:
    """Every notification recorded for a person, oldest first (what was sent, never what it said)."""
    statement = (
        select(Notification)
        .where(Notification.account_id == account_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return list(await session.scalars(statement))
