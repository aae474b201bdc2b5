"""Every query on the routing tables."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.routing.models import RoutingRule, RoutingRuleChange


async def get(session: AsyncSession, rule_id: UUID) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id)


async def list_rules(
    session: AsyncSession, *, category: str | None, kecamatan: str | None, include_inactive: bool
) -> Sequence[RoutingRule]:
    statement = select(RoutingRule).order_by(
        RoutingRule.category_code,
        RoutingRule.kecamatan_code,
        RoutingRule.priority.desc(),
        RoutingRule.created_at,
    )
    if category is not None:
        statement = statement.where(RoutingRule.category_code == category)
    if kecamatan is not None:
        statement = statement.where(RoutingRule.kecamatan_code == kecamatan)
    if not include_inactive:
        statement = statement.where(RoutingRule.active.is_(True))
    return (await session.scalars(statement)).all()


async def active_twin(
    session: AsyncSession, *, category: str, kecamatan: str | None, priority: int, other_than: UUID | None
) -> RoutingRule | None:
    """An active rule with the same category, kecamatan and priority: two would tie."""
    statement = select(RoutingRule).where(
        RoutingRule.category_code == category,
        RoutingRule.kecamatan_code.is_(None)
        if kecamatan is None
        else RoutingRule.kecamatan_code == kecamatan,
        RoutingRule.priority == priority,
        RoutingRule.active.is_(True),
    )
    if other_than is not None:
        statement = statement.where(RoutingRule.id != other_than)
    return (await session.scalars(statement.limit(1))).first()


async def list_changes(session: AsyncSession, rule_id: UUID) -> Sequence[RoutingRuleChange]:
    statement = (
        select(RoutingRuleChange)
        .where(RoutingRuleChange.rule_id == rule_id)
        .order_by(RoutingRuleChange.created_at.desc(), RoutingRuleChange.version.desc())
    )
    return (await session.scalars(statement)).all()
