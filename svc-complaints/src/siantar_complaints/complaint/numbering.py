"""Tracking numbers from a locked counter per year: `UPDATE ... SET value = value + 1 RETURNING value` takes the
row lock, so two submissions never get the same number and no number is computed from `max()`. The year's row
is created on first use (a concurrent creator loses the INSERT race inside a savepoint and just increments)."""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import TrackingCounter
from siantar_shared.calendar import local_date


async def next_number(session: AsyncSession, *, prefix: str, now: datetime) -> str:
    year = str(local_date(now).year)
    value = await _increment(session, year)
    if value is None:
        try:
            async with session.begin_nested():
                session.add(TrackingCounter(scope=year, value=0))
        except IntegrityError:
            pass  # created meanwhile by another submission
        value = await _increment(session, year)
    assert value is not None
    return f"{prefix}-{year}-{value:06d}"


async def _increment(session: AsyncSession, scope: str) -> int | None:
    statement = (
        update(TrackingCounter)
        .where(TrackingCounter.scope == scope)
        .values(value=TrackingCounter.value + 1)
        .returning(TrackingCounter.value)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none()
