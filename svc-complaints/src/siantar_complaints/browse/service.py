"""Lists of complaints: the OPD queue, the caller's own, the public list with search. Every statement starts
from `visibility.visible_to(principal)` (or `only_public()` for published lists): no list ever shows a complaint
its caller could not open one by one."""

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse import search
from siantar_complaints.browse.exceptions import EmptySearch, NoAgency
from siantar_complaints.browse.schemas import Assignee, SlaRisk
from siantar_complaints.category.models import Category
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.complaint.presenter import photo_url, visible_photos
from siantar_complaints.complaint.states import Status
from siantar_complaints.models import Holiday
from siantar_shared import wilayah
from siantar_shared.auth import Principal
from siantar_shared.calendar import WorkingCalendar, load_calendar
from siantar_shared.db import utcnow
from siantar_shared.errors import Forbidden
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, SortKey, paginate_rows

# statements of lists are built from the table's columns, not the ORM attributes: the same SQL, built and
# cache-keyed ~7 % faster (no ORM annotations to compare and carry), and read without the ORM result step
_TABLE = Complaint.__table__.c
NEWEST_FIRST = (
    SortKey(_TABLE.created_at, descending=True),
    SortKey(_TABLE.id, descending=True),
)
AT_RISK_WORKING_DAYS = 1  # as sla.clock: a running clock due within a working day is at risk


class ListedRow(NamedTuple):
    """The columns a list item needs (and the visibility rules read), read as plain rows of table columns: no
    ORM entities, and no ORM compile and load step per page. Rows are copied into this tuple because reading a
    SQLAlchemy `Row` by attribute costs ~0.8 µs (a Python `__getattr__`), 25 times per item; a named tuple's
    fields are read in C (bench/complaints/README.md)."""

    id: UUID
    tracking_number: str
    title: str
    category_code: str
    type: str
    status: str
    opd_code: str
    latitude: float | None
    longitude: float | None
    kelurahan_code: str | None
    kecamatan_code: str | None
    reporter_id: UUID | None
    identity_visibility: str
    report_visibility: str
    assigned_officer_id: UUID | None
    sla_stage: str | None
    sla_due_at: datetime | None
    sla_paused: bool
    follower_count: int
    photo_count: int
    created_at: datetime
    last_activity_at: datetime
    version: int


LISTED = tuple(_TABLE[name] for name in ListedRow._fields)


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
    items: dict[str, dict[str, Any]]  # code -> a list item's `category` (shared by the items; never changed)


REFERENCE_TTL = 60.0
_references: dict[Any, _Reference] = {}


async def _reference(session: AsyncSession, codes: set[str]) -> _Reference:
    key = session.get_bind().engine.url  # a URL compares (and hashes) by value, like its text
    cached = _references.get(key)
    now = time.monotonic()
    if cached is None or now - cached.loaded_at > REFERENCE_TTL or not codes <= cached.categories.keys():
        calendar = await load_calendar(session, Holiday)
        rows = await session.execute(select(Category.code, Category.name_id, Category.name_en))
        # transient copies: never expired by another request's rollback
        categories = {
            code: Category(code=code, name_id=name_id, name_en=name_en) for code, name_id, name_en in rows
        }
        items = {
            code: {"code": code, "name": {"id": category.name_id, "en": category.name_en}}
            for code, category in categories.items()
        }
        cached = _references[key] = _Reference(now, calendar, categories, items)
    return cached


def _sla(row: ListedRow, *, now: datetime, horizon: datetime) -> dict[str, Any]:
    """The clock from the stored `sla_due_at` / `sla_paused`, with the queue filter's rule (`_sla_risk`): a
    running clock is breached past its due time, at risk when due before `horizon` (a working day from now)."""
    stage = row.sla_stage
    due = row.sla_due_at if stage is not None else None
    paused = row.sla_paused
    running = due is not None and not paused
    return {
        "stage": stage,
        "due_at": due,
        "paused": paused,
        "breached": running and due is not None and due < now,
        "at_risk": running and due is not None and now <= due <= horizon,
    }


def _photos(
    row: ListedRow, photos: Sequence[ComplaintPhoto], viewer: visibility.Viewer
) -> list[dict[str, Any]]:
    return [
        {
            "id": photo.id,
            "url": photo_url(row.id, photo.id),
            "thumbnail_url": photo_url(row.id, photo.id, thumbnail=True),
            "content_type": photo.content_type,
            "width": photo.width,
            "height": photo.height,
            "created_at": photo.created_at,
        }
        for photo in visible_photos(viewer, row, photos)
    ]


@cache
def _kelurahan(code: str) -> dict[str, str]:
    """`{code, name}` of a kelurahan, made once per code (list items share it; nothing changes it)."""
    place = wilayah.kelurahan(code)
    return {"code": place.code, "name": place.name}


@cache
def _kecamatan(code: str) -> dict[str, str]:
    place = wilayah.kecamatan(code)
    return {"code": place.code, "name": place.name}


def summarize(
    row: ListedRow,
    viewer: visibility.Viewer,
    *,
    category: dict[str, Any],
    sla: dict[str, Any],
    photos: Sequence[ComplaintPhoto] = (),
) -> dict[str, Any]:
    """One list item (the fields of `ComplaintSummary`) from a `LISTED` row, cut for `viewer` by the same
    `visibility` rules as the full complaint, as plain values for `page_json`."""
    latitude, longitude = row.latitude, row.longitude
    kelurahan, kecamatan = row.kelurahan_code, row.kecamatan_code
    return {
        "id": row.id,
        "tracking_number": row.tracking_number,
        "title": row.title,
        "category": category,
        "type": row.type,
        "status": row.status,
        "opd_code": row.opd_code,
        "location": {"lat": latitude, "long": longitude}
        if latitude is not None and longitude is not None
        else None,
        "kelurahan": _kelurahan(kelurahan) if kelurahan else None,
        "kecamatan": _kecamatan(kecamatan) if kecamatan else None,
        "reporter_id": viewer.reporter_shown(row),
        "assigned_officer_id": row.assigned_officer_id if viewer.is_staff_of(row) else None,
        "sla": sla,
        "follower_count": row.follower_count,
        "photo_count": row.photo_count,
        "photos": _photos(row, photos, viewer) if photos else [],
        "created_at": row.created_at,
        "updated_at": row.last_activity_at,
        "version": row.version,
    }


async def _page_photos(session: AsyncSession, rows: Sequence[Any]) -> dict[UUID, list[ComplaintPhoto]]:
    """The complaint photos (not those of updates) of a page in one query, only when one of it has any."""
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
    return photos


async def present_page(
    session: AsyncSession, rows: Sequence[ListedRow], principal: Principal | None, *, now: datetime
) -> list[dict[str, Any]]:
    """A page of list items for `principal` from `LISTED` rows (they read like a `Complaint` for those columns,
    which are all the visibility rules use): the caller's roles worked out once, no per-item calendar work (one
    working-day horizon per page, the clock read from its stored columns), the catalogue from the cached
    reference, photos in one query."""
    if not rows:
        return []
    viewer = visibility.Viewer.of(principal)
    reference = await _reference(session, {row.category_code for row in rows})
    horizon = reference.calendar.add_working_days(now, AT_RISK_WORKING_DAYS)
    photos = await _page_photos(session, rows)
    categories = reference.items
    return [
        summarize(
            row,
            viewer,
            category=categories[row.category_code],
            sla=_sla(row, now=now, horizon=horizon),
            photos=photos.get(row.id, ()),
        )
        for row in rows
    ]


def page_json(items: list[dict[str, Any]], cursor: str | None) -> bytes:
    """The `ComplaintPage` document with the bytes `model_dump_json` gives it (times in UTC with `Z`, ids as
    text), made by orjson from the items the service built itself from typed columns: no second validation
    pass over every item, and a quarter of pydantic-core's `to_json` time (bench/complaints/README.md). The
    tests compare the bytes with `ComplaintPage.model_dump_json` and validate every page they read."""
    return orjson.dumps({"items": items, "next_cursor": cursor}, default=_uuid_text, option=orjson.OPT_UTC_Z)


def _uuid_text(value: object) -> str:
    # asyncpg answers UUIDs as its own subclass of uuid.UUID, which orjson takes for an unknown type
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of a list page")


_LISTED_SELECT = select(*LISTED)  # made once: coercing its 23 columns cost 0.05 ms a page


def _listed() -> Select[Any]:
    """Complaints as `LISTED` rows: a page reads 23 columns into rows, not 50 into tracked ORM objects.
    (Statements are immutable: `where` and `order_by` make new ones.)"""
    return _LISTED_SELECT


async def _page(
    session: AsyncSession,
    statement: Select[Any],
    params: CursorParams,
    principal: Principal | None,
    keys: tuple[SortKey, ...] = NEWEST_FIRST,
) -> bytes:
    listed, cursor = await paginate_rows(session, statement, params, keys, ListedRow._make)
    return page_json(await present_page(session, listed, principal, now=utcnow()), cursor)


async def list_public(
    session: AsyncSession, principal: Principal | None, params: CursorParams, filters: PublicFilters
) -> bytes:
    """Public complaints, newest first, filtered and optionally searched (every word, whole)."""
    clauses: list[ColumnElement[bool]] = [visibility.only_public()]
    if filters.status:
        clauses.append(_TABLE.status.in_([s.value for s in filters.status]))
    if filters.category is not None:
        clauses.append(_TABLE.category_code == filters.category)
    if filters.kelurahan is not None:
        clauses.append(_TABLE.kelurahan_code == filters.kelurahan)
    if filters.kecamatan is not None:
        clauses.append(_TABLE.kecamatan_code == filters.kecamatan)
    if filters.since is not None:
        clauses.append(_TABLE.created_at >= filters.since)
    statement = _listed().where(and_(*clauses))
    if filters.q is not None:
        words = search.terms(filters.q)
        if not words:
            raise EmptySearch(Text("Isi `q` dengan huruf atau angka", "Give `q` some letters or digits"))
        statement, keys = await search.restrict(session, statement, words, NEWEST_FIRST)
        return await _page(session, statement, params, principal, keys)
    return await _page(session, statement, params, principal)


async def list_mine(
    session: AsyncSession, principal: Principal, params: CursorParams, status: list[Status]
) -> bytes:
    """The caller's own complaints (restricted ones included), newest first. A service token reports nothing
    of its own (its subject is a client, never a reporter)."""
    if principal.is_service:
        raise Forbidden(Text("Token layanan tidak memiliki pengaduan", "A service token has no complaints"))
    statement = _listed().where(visibility.visible_to(principal), _TABLE.reporter_id == principal.subject)
    if status:
        statement = statement.where(_TABLE.status.in_([s.value for s in status]))
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
) -> bytes:
    """An OPD's complaints, newest first, for its officers and supervisors (or the desk, any OPD)."""
    opd = queue_opd(principal, filters.opd)
    clauses: list[ColumnElement[bool]] = [visibility.visible_to(principal)]
    if opd is not None:
        clauses.append(_TABLE.opd_code == opd)
    if filters.status:
        clauses.append(_TABLE.status.in_([s.value for s in filters.status]))
    if filters.category is not None:
        clauses.append(_TABLE.category_code == filters.category)
    if filters.kelurahan is not None:
        clauses.append(_TABLE.kelurahan_code == filters.kelurahan)
    if filters.assignee is not None:
        clauses.append(_assignee(filters.assignee, principal))
    if filters.sla is not None:
        clauses.append(await _sla_risk(session, filters.sla, now))
    return await _page(session, _listed().where(and_(*clauses)), params, principal)


def _assignee(assignee: Assignee | UUID, principal: Principal) -> ColumnElement[bool]:
    if assignee == Assignee.none:
        return _TABLE.assigned_officer_id.is_(None)
    officer = principal.subject if assignee == Assignee.me else assignee
    return _TABLE.assigned_officer_id == officer


async def _sla_risk(session: AsyncSession, risk: SlaRisk, now: datetime) -> ColumnElement[bool]:
    """Running (not paused) clocks past due, or due within `AT_RISK_WORKING_DAYS` working days."""
    running = and_(_TABLE.sla_stage.is_not(None), _TABLE.sla_paused.is_(False))
    if risk == SlaRisk.breached:
        return and_(running, _TABLE.sla_due_at < now)
    # the page's own calendar (`_reference`): the filter and the items' `at_risk` flags use one horizon
    calendar = (await _reference(session, set())).calendar
    horizon = calendar.add_working_days(now, AT_RISK_WORKING_DAYS)
    return and_(running, _TABLE.sla_due_at >= now, _TABLE.sla_due_at <= horizon)
