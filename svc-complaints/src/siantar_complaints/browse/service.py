"""Lists of complaints: the OPD queue, the caller's own, the public list with search. Every statement starts
from `visibility.visible_to(principal)` (or `only_public()` for published lists): no list ever shows a complaint
its caller could not open one by one."""

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse import search
from siantar_complaints.browse.exceptions import EmptySearch, NoAgency
from siantar_complaints.browse.schemas import Assignee, ComplaintPage, SlaRisk
from siantar_complaints.category.models import Category
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.complaint.presenter import present
from siantar_complaints.complaint.schemas import ComplaintRead
from siantar_complaints.complaint.states import Status
from siantar_complaints.models import Holiday
from siantar_shared.auth import Principal
from siantar_shared.calendar import WorkingCalendar, load_calendar
from siantar_shared.db import utcnow
from siantar_shared.errors import Forbidden
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, SortKey, paginate

NEWEST_FIRST = (
    SortKey(Complaint.created_at.expression, descending=True),
    SortKey(Complaint.id.expression, descending=True),
)
AT_RISK_WORKING_DAYS = 1  # as sla.clock: a running clock due within a working day is at risk


@dataclass(frozen=True, slots=True)
class PublicFilters:
    status: list[Status] = field(default_factory=list)
    category: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    since: datetime | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class QueueFilters:
    status: list[Status] = field(default_factory=list)
    category: str | None = None
    kelurahan: str | None = None
    assignee: Assignee | UUID | None = None
    sla: SlaRisk | None = None
    opd: str | None = None


@dataclass(slots=True)
class _Reference:
    """The calendar and the catalogue as a list page needs them, re-read at most every `REFERENCE_TTL`
    seconds per database (holiday and category edits reach lists within that time), so that a page costs one
    query, plus one for photos when a complaint on it has any."""

    loaded_at: float
    calendar: WorkingCalendar
    categories: dict[str, Category]


REFERENCE_TTL = 60.0
_references: dict[str, _Reference] = {}


async def _reference(session: AsyncSession, codes: set[str]) -> _Reference:
    key = str(session.get_bind().engine.url)
    cached = _references.get(key)
    now = time.monotonic()
    if cached is None or now - cached.loaded_at > REFERENCE_TTL or not codes <= cached.categories.keys():
        calendar = await load_calendar(session, Holiday)
        rows = await session.execute(select(Category.code, Category.name_id, Category.name_en))
        # transient copies: never expired by another request's rollback
        categories = {
            code: Category(code=code, name_id=name_id, name_en=name_en) for code, name_id, name_en in rows
        }
        cached = _references[key] = _Reference(now, calendar, categories)
    return cached


async def present_page(
    session: AsyncSession, rows: Sequence[Complaint], principal: Principal | None, *, now: datetime
) -> list[ComplaintRead]:
    """A page of complaints through the complaint domain's presenter (which cuts what `principal` may not
    see); photos of the whole page in one query, only when one of its complaints has any."""
    if not rows:
        return []
    reference = await _reference(session, {row.category_code for row in rows})
    photos: dict[UUID, list[ComplaintPhoto]] = defaultdict(list)
    with_photos = [row.id for row in rows if row.photo_count]
    if with_photos:
        statement = (
            select(ComplaintPhoto)
            .where(ComplaintPhoto.complaint_id.in_(with_photos), ComplaintPhoto.update_id.is_(None))
            .order_by(ComplaintPhoto.created_at, ComplaintPhoto.id)
        )
        for photo in await session.scalars(statement):
            photos[photo.complaint_id].append(photo)
    return [
        present(
            row,
            principal,
            now=now,
            calendar=reference.calendar,
            category=reference.categories[row.category_code],
            photos=photos[row.id],
        )
        for row in rows
    ]


async def _page(
    session: AsyncSession,
    statement: Select[Complaint],
    params: CursorParams,
    principal: Principal | None,
    keys: tuple[SortKey, ...] = NEWEST_FIRST,
) -> ComplaintPage:
    rows, cursor = await paginate(session, statement, params, keys)
    items = await present_page(session, rows, principal, now=utcnow())
    return ComplaintPage(items=items, next_cursor=cursor)


async def list_public(
    session: AsyncSession, principal: Principal | None, params: CursorParams, filters: PublicFilters
) -> ComplaintPage:
    """Public complaints, newest first, filtered and optionally searched (every word, whole)."""
    clauses: list[ColumnElement[bool]] = [visibility.only_public()]
    if filters.status:
        clauses.append(Complaint.status.in_([s.value for s in filters.status]))
    if filters.category is not None:
        clauses.append(Complaint.category_code == filters.category)
    if filters.kelurahan is not None:
        clauses.append(Complaint.kelurahan_code == filters.kelurahan)
    if filters.kecamatan is not None:
        clauses.append(Complaint.kecamatan_code == filters.kecamatan)
    if filters.since is not None:
        clauses.append(Complaint.created_at >= filters.since)
    statement = select(Complaint).where(and_(*clauses))
    if filters.q is not None:
        words = search.terms(filters.q)
        if not words:
            raise EmptySearch(Text("Isi `q` dengan huruf atau angka", "Give `q` some letters or digits"))
        statement, keys = await search.restrict(session, statement, words, NEWEST_FIRST)
        return await _page(session, statement, params, principal, keys)
    return await _page(session, statement, params, principal)


async def list_mine(
    session: AsyncSession, principal: Principal, params: CursorParams, status: list[Status]
) -> ComplaintPage:
    """The caller's own complaints (restricted ones included), newest first. A service token reports nothing
    of its own (its subject is a client, never a reporter)."""
    if principal.is_service:
        raise Forbidden(Text("Token layanan tidak memiliki pengaduan", "A service token has no complaints"))
    statement = select(Complaint).where(
        visibility.visible_to(principal), Complaint.reporter_id == principal.subject
    )
    if status:
        statement = statement.where(Complaint.status.in_([s.value for s in status]))
    return await _page(session, statement, params, principal)


def queue_opd(principal: Principal, requested: str | None) -> str | None:
    """The OPD whose queue is read: the officer's own (another is refused), or any for the desk (None: all)."""
    if visibility.sees_everything(principal):
        return requested
    own = visibility.opd_of(principal)
    if own is None:
        raise NoAgency()
    if requested is not None and requested != own:
        raise Forbidden(
            Text("Anda hanya dapat membaca antrean OPD Anda", "You may only read your own OPD's queue")
        )
    return own


async def queue(
    session: AsyncSession, principal: Principal, params: CursorParams, filters: QueueFilters, *, now: datetime
) -> ComplaintPage:
    """An OPD's complaints, newest first, for its officers and supervisors (or the desk, any OPD)."""
    opd = queue_opd(principal, filters.opd)
    clauses: list[ColumnElement[bool]] = [visibility.visible_to(principal)]
    if opd is not None:
        clauses.append(Complaint.opd_code == opd)
    if filters.status:
        clauses.append(Complaint.status.in_([s.value for s in filters.status]))
    if filters.category is not None:
        clauses.append(Complaint.category_code == filters.category)
    if filters.kelurahan is not None:
        clauses.append(Complaint.kelurahan_code == filters.kelurahan)
    if filters.assignee is not None:
        clauses.append(_assignee(filters.assignee, principal))
    if filters.sla is not None:
        clauses.append(await _sla_risk(session, filters.sla, now))
    return await _page(session, select(Complaint).where(and_(*clauses)), params, principal)


def _assignee(assignee: Assignee | UUID, principal: Principal) -> ColumnElement[bool]:
    if assignee == Assignee.none:
        return Complaint.assigned_officer_id.is_(None)
    officer = principal.subject if assignee == Assignee.me else assignee
    return Complaint.assigned_officer_id == officer


async def _sla_risk(session: AsyncSession, risk: SlaRisk, now: datetime) -> ColumnElement[bool]:
    """Running (not paused) clocks past due, or due within `AT_RISK_WORKING_DAYS` working days."""
    running = and_(Complaint.sla_stage.is_not(None), Complaint.sla_paused.is_(False))
    if risk == SlaRisk.breached:
        return and_(running, Complaint.sla_due_at < now)
    calendar = await load_calendar(session, Holiday)
    horizon = calendar.add_working_days(now, AT_RISK_WORKING_DAYS)
    return and_(running, Complaint.sla_due_at >= now, Complaint.sla_due_at <= horizon)
