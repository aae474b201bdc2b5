"""Numbers from locked counters (one row per scope and year): permit numbers per type, registrations, SKRDs.

`UPDATE number_counter SET value = value + 1 ... RETURNING value` locks the row until the transaction ends,
so two issuances of the same type wait for each other and never share a number; a rolled-back transaction
gives its number back. Never `max() + 1`, which two transactions would compute alike.
"""

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import NumberCounter


async def next_number(session: AsyncSession, scope: str, year: int) -> int:
    bump = (
        update(NumberCounter)
        .where(NumberCounter.scope == scope, NumberCounter.year == year)
        .values(value=NumberCounter.value + 1)
        .returning(NumberCounter.value)
        .execution_options(synchronize_session=False)
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:  # the first number of the year: create the row; if another transaction just did, bump theirs
        async with session.begin_nested():
            await session.execute(insert(NumberCounter).values(scope=scope, year=year, value=1))
        return 1
    except IntegrityError:
        return int((await session.execute(bump)).scalar_one())
