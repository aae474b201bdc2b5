"""Every query on the sla_class table."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.sla.models import SlaClass


async def list_all(session: AsyncSession) -> Sequence[SlaClass]:
    return (await session.scalars(select(SlaClass).order_by(SlaClass.follow_up_days, SlaClass.code))).all()


async def get_by_code(session: AsyncSession, code: str) -> SlaClass | None:
    return (await session.scalars(select(SlaClass).where(SlaClass.code == code))).one_or_none()


async def existing_codes(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(SlaClass.code))).all())
