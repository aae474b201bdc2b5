"""Every query of the Open311 facade. Complaints are always filtered with `visibility.only_public()`: Open311
is an anonymous, published interface, so a restricted complaint never appears, whoever asks."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from siantar_complaints.category.models import Category, CategoryGroup
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.complaint.states import Status, UpdateVisibility
from siantar_complaints.complaint.visibility import only_public
from siantar_complaints.open311.models import Open311Submission
from siantar_complaints.sla.models import SlaClass

# a photo as the native API serves it (public complaints: to anyone)
PHOTO_PATH = "/complaints/v1/complaints/{complaint_id}/photos/{photo_id}"

# the timeline entries Open311 shows: public ones a moderator has not hidden
PUBLIC_ENTRY = and_(
    ComplaintUpdate.visibility == UpdateVisibility.public.value, ComplaintUpdate.hidden.is_(False)
)


@dataclass(frozen=True, slots=True)
class RequestFilter:
    tracking_numbers: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    states: Collection[str] | None = None  # None: any
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    offset: int = 0
    limit: int = 1000


async def active_categories(session: AsyncSession) -> Sequence[Category]:
    statement = select(Category).where(Category.active.is_(True)).order_by(Category.code)
    return (await session.scalars(statement)).all()


async def active_category(session: AsyncSession, code: str) -> Category | None:
    statement = select(Category).where(Category.code == code, Category.active.is_(True))
    return (await session.scalars(statement)).one_or_none()


async def categories_by_code(session: AsyncSession, codes: Collection[str]) -> dict[str, Category]:
    if not codes:
        return {}
    rows = await session.scalars(select(Category).where(Category.code.in_(codes)))
    return {row.code: row for row in rows}


async def groups(session: AsyncSession) -> dict[str, CategoryGroup]:
    return {row.code: row for row in await session.scalars(select(CategoryGroup))}


async def sla_classes(session: AsyncSession) -> dict[str, SlaClass]:
    return {row.code: row for row in await session.scalars(select(SlaClass))}


async def find_requests(session: AsyncSession, where: RequestFilter) -> Sequence[Complaint]:
    statement = select(Complaint).where(only_public(), *_conditions(where))
    statement = statement.order_by(Complaint.created_at.desc(), Complaint.id.desc())
    return (await session.scalars(statement.offset(where.offset).limit(where.limit))).all()


def _conditions(where: RequestFilter) -> list[ColumnElement[bool]]:
    if where.tracking_numbers:  # the spec: service_request_id overrides every other parameter
        return [Complaint.tracking_number.in_(where.tracking_numbers)]
    conditions: list[ColumnElement[bool]] = []
    if where.service_codes:
        conditions.append(Complaint.category_code.in_(where.service_codes))
    if where.states is not None:
        conditions.append(Complaint.status.in_(where.states))
    for column, low, high in (
        (Complaint.created_at, where.created_from, where.created_to),
        (Complaint.last_activity_at, where.updated_from, where.updated_to),
    ):
        if low is not None:
            conditions.append(column >= low)
        if high is not None:
            conditions.append(column <= high)
    return conditions


async def public_by_id(session: AsyncSession, complaint_id: UUID) -> Complaint | None:
    statement = select(Complaint).where(Complaint.id == complaint_id, only_public())
    return (await session.scalars(statement)).one_or_none()


async def tracking_numbers(session: AsyncSession, ids: Collection[UUID]) -> dict[UUID, str]:
    """The tracking numbers of public complaints among `ids` (a restricted one stays unnamed)."""
    if not ids:
        return {}
    statement = select(Complaint.id, Complaint.tracking_number).where(Complaint.id.in_(ids), only_public())
    return {row.id: row.tracking_number for row in await session.execute(statement)}


async def public_notes(
    session: AsyncSession, complaint_ids: Collection[UUID]
) -> dict[UUID, list[ComplaintUpdate]]:
    """The public history of each complaint, oldest first."""
    notes: dict[UUID, list[ComplaintUpdate]] = {complaint_id: [] for complaint_id in complaint_ids}
    if not complaint_ids:
        return notes
    statement = (
        select(ComplaintUpdate)
        .where(ComplaintUpdate.complaint_id.in_(complaint_ids), PUBLIC_ENTRY)
        .order_by(ComplaintUpdate.created_at, ComplaintUpdate.id)
    )
    for entry in await session.scalars(statement):
        notes[entry.complaint_id].append(entry)
    return notes


async def media(
    session: AsyncSession, complaint_ids: Collection[UUID], *, base_url: str
) -> dict[UUID, list[str]]:
    """Each complaint's media as URLs: its photos (not hidden by a moderator, served by the native API), then
    the links an Open311 client sent."""
    found: dict[UUID, list[str]] = {complaint_id: [] for complaint_id in complaint_ids}
    if not complaint_ids:
        return found
    statement = (
        select(ComplaintPhoto.complaint_id, ComplaintPhoto.id)
        .where(
            ComplaintPhoto.complaint_id.in_(complaint_ids),
            ComplaintPhoto.hidden.is_(False),
            ComplaintPhoto.update_id.is_(None),
        )
        .order_by(ComplaintPhoto.created_at, ComplaintPhoto.id)
    )
    for complaint_id, photo_id in await session.execute(statement):
        found[complaint_id].append(
            f"{base_url}{PHOTO_PATH.format(complaint_id=complaint_id, photo_id=photo_id)}"
        )
    submissions = select(Open311Submission).where(Open311Submission.complaint_id.in_(complaint_ids))
    for submission in await session.scalars(submissions):
        found[submission.complaint_id].extend(submission.media_urls)
    return found


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    entry: ComplaintUpdate
    tracking_number: str
    state: str  # the complaint's state once this entry was written


async def public_updates(
    session: AsyncSession, *, start: datetime, end: datetime, limit: int
) -> list[PublicUpdate]:
    """Public timeline entries of public complaints written in [start, end], oldest first, with the state the
    complaint was in (an entry without a transition carries the state of the last one before it)."""
    earlier = aliased(ComplaintUpdate)
    state_then = (
        select(earlier.to_status)
        .where(
            earlier.complaint_id == ComplaintUpdate.complaint_id,
            earlier.to_status.is_not(None),
            earlier.created_at <= ComplaintUpdate.created_at,
        )
        .order_by(earlier.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    state = func.coalesce(ComplaintUpdate.to_status, state_then, Status.submitted.value)
    statement = (
        select(ComplaintUpdate, Complaint.tracking_number, state)
        .join(Complaint, Complaint.id == ComplaintUpdate.complaint_id)
        .where(
            only_public(),
            PUBLIC_ENTRY,
            ComplaintUpdate.created_at >= start,
            ComplaintUpdate.created_at <= end,
        )
        .order_by(ComplaintUpdate.created_at, ComplaintUpdate.id)
        .limit(limit)
    )
    rows = await session.execute(statement)
    return [PublicUpdate(row[0], row[1], row[2]) for row in rows]
