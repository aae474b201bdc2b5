"""Queries of the assurance domain: NIK review cases and the count of civil-registry checks."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_identity.privacy.models import NikReview
from siantar_identity.security.fieldcrypt import candidates

OPEN = "open"
DUKCAPIL_CHECK = "assurance.dukcapil_check"


async def get_review(session: AsyncSession, review_id: UUID) -> NikReview | None:
    return await session.get(NikReview, review_id, with_for_update=True)


async def open_review(session: AsyncSession, account_id: UUID, nik_index: str) -> NikReview | None:
    return await session.scalar(
        select(NikReview).where(
            NikReview.account_id == account_id,
            NikReview.nik_index.in_(candidates(nik_index)),
            NikReview.status == OPEN,
        )
    )


async def latest_open_review(session: AsyncSession, account_id: UUID) -> NikReview | None:
    return await session.scalar(
        select(NikReview)
        .where(NikReview.account_id == account_id, NikReview.status == OPEN)
        .order_by(NikReview.created_at.desc())
        .limit(1)
    )


def open_reviews_statement() -> Select[NikReview]:
    return select(NikReview).where(NikReview.status == OPEN)


async def close_reviews(
    session: AsyncSession, account_id: UUID, nik_index: str, *, status: str, at: datetime, note: str
) -> None:
    """Close the account's open reviews for this NIK (it got the NIK another way)."""
    await session.execute(
        update(NikReview)
        .where(
            NikReview.account_id == account_id,
            NikReview.nik_index.in_(candidates(nik_index)),
            NikReview.status == OPEN,
        )
        .values(status=status, resolved_at=at, note=note)
        .execution_options(synchronize_session=False)
    )


async def move_holder(session: AsyncSession, nik_index: str, holder_id: UUID) -> None:
    """Other open reviews of this NIK now face its new holder."""
    await session.execute(
        update(NikReview)
        .where(
            NikReview.nik_index.in_(candidates(nik_index)),
            NikReview.status == OPEN,
            NikReview.account_id != holder_id,
        )
        .values(holder_id=holder_id)
        .execution_options(synchronize_session=False)
    )


async def dukcapil_checks_since(session: AsyncSession, account_id: UUID, since: datetime) -> list[datetime]:
    statement = (
        select(AuditRecord.created_at)
        .where(
            AuditRecord.action == DUKCAPIL_CHECK,
            AuditRecord.subject_id == account_id,
            AuditRecord.created_at > since,
        )
        .order_by(AuditRecord.created_at)
    )
    return list(await session.scalars(statement))
