"""Every query on the agency table."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.agency.models import Agency


def in_effect_on(today: date) -> ColumnElement[bool]:
    """Active, and `today` within valid_from..valid_to (both inclusive, open when null)."""
    return and_(
        Agency.active.is_(True),
        or_(Agency.valid_from.is_(None), Agency.valid_from <= today),
        or_(Agency.valid_to.is_(None), Agency.valid_to >= today),
    )


async def get_by_code(session: AsyncSession, code: str) -> Agency | None:
    return (await session.scalars(select(Agency).where(Agency.code == code))).one_or_none()


async def list_agencies(session: AsyncSession, *, today: date, include_inactive: bool) -> Sequence[Agency]:
    statement = select(Agency).order_by(Agency.code)
    if not include_inactive:
        statement = statement.where(in_effect_on(today))
    return (await session.scalars(statement)).all()


async def existing_codes(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(Agency.code))).all())
