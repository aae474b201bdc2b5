"""Every query on the catalogue tables."""

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from siantar_complaints.category.models import Category, CategoryChange, CategoryGroup


async def get_by_code(session: AsyncSession, code: str) -> Category | None:
    return (await session.scalars(select(Category).where(Category.code == code))).one_or_none()


async def get_with_rules(session: AsyncSession, code: str) -> Category | None:
    """The category with every routing rule of it (for `routing.decision.route`) and its SLA class, in one
    round trip (joined loads: a category has a handful of rules; each submission asks)."""
    statement = (
        select(Category)
        .where(Category.code == code)
        .options(joinedload(Category.routing_rules), joinedload(Category.sla_class))
    )
    return (await session.scalars(statement)).unique().one_or_none()


async def list_categories(
    session: AsyncSession, *, groups: Collection[str] | None, type_: str | None, include_inactive: bool
) -> Sequence[Category]:
    statement = select(Category).order_by(Category.code)
    if groups is not None:
        statement = statement.where(Category.group_code.in_(groups))
    if type_ is not None:
        statement = statement.where(Category.type == type_)
    if not include_inactive:
        statement = statement.where(Category.active.is_(True))
    return (await session.scalars(statement)).all()


async def existing_codes(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(Category.code))).all())


async def list_groups(session: AsyncSession) -> Sequence[CategoryGroup]:
    statement = select(CategoryGroup).order_by(CategoryGroup.position, CategoryGroup.code)
    return (await session.scalars(statement)).all()


async def group_exists(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(CategoryGroup.id).where(CategoryGroup.code == code)) is not None


async def list_changes(session: AsyncSession, code: str) -> Sequence[CategoryChange]:
    statement = (
        select(CategoryChange)
        .where(CategoryChange.category_code == code)
        .order_by(CategoryChange.created_at.desc(), CategoryChange.version.desc())
    )
    return (await session.scalars(statement)).all()
