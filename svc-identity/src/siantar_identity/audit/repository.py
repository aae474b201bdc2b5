"""Reading the audit trail (it is only ever appended to: see `audit.service.record`)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_shared.pagination import CursorParams, SortKey, paginate

NEWEST_FIRST = (
    SortKey(AuditRecord.created_at.expression, descending=True),
    SortKey(AuditRecord.id.expression, descending=True),
)


def filtered(
    *,
    action: str | None = None,
    actor_id: UUID | None = None,
    subject_id: UUID | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditRecord]:
    """Records matching every filter given; `since` inclusive, `until` exclusive."""
    statement = select(AuditRecord)
    conditions = {
        AuditRecord.action: action,
        AuditRecord.actor_id: actor_id,
        AuditRecord.subject_id: subject_id,
        AuditRecord.outcome: outcome,
    }
    for column, value in conditions.items():
        if value is not None:
            statement = statement.where(column == value)
    if since is not None:
        statement = statement.where(AuditRecord.created_at >= since)
    if until is not None:
        statement = statement.where(AuditRecord.created_at < until)
    return statement


async def page(
    session: AsyncSession, statement: Select[AuditRecord], params: CursorParams
) -> tuple[Sequence[AuditRecord], str | None]:
    return await paginate(session, statement, params, NEWEST_FIRST)


async def trail_of(session: AsyncSession, account_id: UUID, *, limit: int) -> list[AuditRecord]:
    """What a person did and what was done to their data, newest first."""
    statement = (
        select(AuditRecord)
        .where(or_(AuditRecord.actor_id == account_id, AuditRecord.subject_id == account_id))
        .order_by(AuditRecord.created_at.desc(), AuditRecord.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(statement))
