"""Tracking numbers from a locked counter per year: `UPDATE ... SET value = value + 1 RETURNING value` takes the
row lock, so two submissions never get the same number and no number is computed from `max()`. The year's row
is created on first use (a concurrent creator loses the INSERT race inside a savepoint and just increments)."""

from datetime import datetime

from sqlalchemy import ColumnElement, String, bindparam, cast, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import TrackingCounter
from siantar_shared.calendar import local_date
from siantar_shared.db import read_rows


def year_of(now: datetime) -> str:
    """The counter's scope: the year in Pematang Siantar."""
    return str(local_date(now).year)


async def next_number(session: AsyncSession, *, prefix: str, now: datetime) -> str:
    year = year_of(now)
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


def number_sql(
    prefix: ColumnElement[str], year: ColumnElement[str], value: ColumnElement[int]
) -> ColumnElement[str]:
    """`next_number`'s format in SQL, for a statement that takes the counter's value itself (`writing`): at least
    six digits, more once a year has more complaints than that."""
    digits = cast(value, String)
    return prefix + "-" + year + "-" + func.lpad(digits, func.greatest(6, func.length(digits)), "0")


INCREMENT = (
    update(TrackingCounter)
    .where(TrackingCounter.scope == bindparam("counter_scope"))
    .values(value=TrackingCounter.value + 1)
    .returning(TrackingCounter.value)
)  # built once: its cache key is worked out once (db.read_rows)


async def _increment(session: AsyncSession, scope: str) -> int | None:
    rows = await read_rows(session, INCREMENT, tuple, {"counter_scope": scope})
    return int(rows[0][0]) if rows else None
