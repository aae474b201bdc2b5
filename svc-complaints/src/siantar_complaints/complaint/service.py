"""Submitting a complaint and reading one.

Submission, in one transaction: the category and its routing (the answer names the rule), the answers to the
category's questions, a tracking number from the locked counter, the verify-step SLA clock, the first timeline
entry, the `complaint.submitted` event and the acknowledgement to the reporter (through the notification
outbox), and the suggested duplicates. With `Idempotency-Key`, the platform's middleware replays the first
answer to a retry, so a retry never makes a second complaint.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.category.models import Category
from siantar_complaints.complaint import duplicates, geo, numbering, visibility, writing
from siantar_complaints.complaint.answers import check_answers
from siantar_complaints.complaint.exceptions import ComplaintNotFound, InvalidComplaint
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.complaint.schemas import ComplaintCreate, DuplicateSuggestion
from siantar_complaints.complaint.states import (
    IdentityVisibility,
    ReporterKind,
    Status,
    UpdateKind,
    UpdateVisibility,
)
from siantar_complaints.config import Settings
from siantar_complaints.lifecycle import notify
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import Holiday, platform
from siantar_complaints.routing.decision import RoutingDecision
from siantar_complaints.routing.service import decide
from siantar_complaints.sla import clock
from siantar_shared import wilayah
from siantar_shared.auth import Principal
from siantar_shared.calendar import WorkingCalendar, load_calendar
from siantar_shared.db import insert_row, keep_loaded
from siantar_shared.events import emit, event_source, event_values
from siantar_shared.i18n import Text

EVENT_PREFIX = "id.go.pematangsiantar.complaints.complaint"
SOURCE = event_source("complaints")


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who sent the complaint in: the reporter themselves, an officer at a counter, or an API client."""

    actor_id: UUID | None
    client_id: str
    role: str  # citizen / officer / supervisor / verifier / admin / client
    opd: str | None = None

    @classmethod
    def of(cls, principal: Principal, role: str) -> "Submitter":
        return cls(actor_id=principal.subject, client_id=principal.client_id, role=role, opd=principal.agency)


@dataclass(frozen=True, slots=True)
class Submitted:
    complaint: Complaint
    category: Category
    decision: RoutingDecision
    duplicates: list[DuplicateSuggestion]


async def calendar_of(session: AsyncSession) -> WorkingCalendar:
    return await load_calendar(session, Holiday)


async def submit(
    session: AsyncSession,
    data: ComplaintCreate,
    *,
    reporter_id: UUID,
    reporter_kind: ReporterKind,
    submitter: Submitter,
    settings: Settings,
    now: datetime,
    calendar: WorkingCalendar,
) -> Submitted:
    kecamatan_code = wilayah.kelurahan(data.kelurahan).kecamatan_code if data.kelurahan else None
    category, decision = await decide(session, data.category, kecamatan_code)
    if data.identity_visibility is IdentityVisibility.hidden and not category.anonymous_allowed:
        raise InvalidComplaint(
            Text(
                f"Kategori {category.code} tidak menerima laporan anonim",
                f"Category {category.code} does not accept anonymous reports",
            )
        )
    answers = check_answers(category, data.answers)
    sla_class = category.sla_class  # loaded with the category (a foreign key: it exists)
    latitude = data.location.lat if data.location else None
    longitude = data.location.long if data.location else None
    suggestions = (
        await duplicates.suggest(
            session,
            category_code=category.code,
            latitude=latitude,
            longitude=longitude,
            now=now,
            radius_m=settings.DUPLICATE_RADIUS_M,
            window_days=settings.DUPLICATE_WINDOW_DAYS,
            limit=settings.DUPLICATE_LIMIT,
        )
        if latitude is not None and longitude is not None
        else []
    )
    # the two row locks of a submission (the year's tracking counter, the outbox sequence) are taken last and
    # held only until the commit: everything that reads is done before them
    complaint = Complaint(
        id=uuid4(),
        title=data.title,
        description=data.description,
        category_code=category.code,
        type=category.type,
        answers=answers,
        opd_code=decision.opd_code,
        routing_rule_id=decision.rule_id,
        routing_basis=str(decision.basis),
        routing_reason_id=decision.reason.id,
        routing_reason_en=decision.reason.en,
        status=Status.submitted.value,
        reporter_id=reporter_id,
        reporter_kind=reporter_kind.value,
        submitted_by_id=None if submitter.actor_id == reporter_id else submitter.actor_id,
        submitted_by_client=submitter.client_id,
        channel=data.channel.value,
        identity_visibility=data.identity_visibility.value,
        report_visibility=data.report_visibility.value,
        kelurahan_code=data.kelurahan,
        kecamatan_code=kecamatan_code,
        address_text=data.address,
        latitude=latitude,
        longitude=longitude,
        geo_cell=geo.cell_of(latitude, longitude) if latitude is not None and longitude is not None else None,
        sla_class_code=sla_class.code,
        created_at=now,
        last_activity_at=now,
        follower_count=0,
        photo_count=0,
        reopen_count=0,
        version=1,
    )
    clock.start_stage(complaint, clock.Stage.verify, sla_class=sla_class, now=now, calendar=calendar)
    entry = ComplaintUpdate(
        id=uuid4(),
        complaint_id=complaint.id,
        kind=UpdateKind.status_change.value,
        visibility=UpdateVisibility.public.value,
        from_status=None,
        to_status=Status.submitted.value,
        note="",
        actor_id=submitter.actor_id,
        actor_role=submitter.role,
        actor_client_id=submitter.client_id,
        actor_opd=submitter.opd,
        data={
            "channel": complaint.channel,
            "routing": {"opd": decision.opd_code, "basis": str(decision.basis)},
        },
        created_at=now,
    )
    # the receipt, also when the reporter submitted it themselves: it carries the number to follow it by
    receipt = notify.message(complaint.id, reporter_id, "complaint_received", {}, now=now)
    if writing.available(session):  # one statement (complaint.writing): the number is taken there
        complaint.tracking_number = await writing.write(
            session,
            complaint=complaint,
            entry=entry,
            event=event_values(**_event(complaint)),
            receipt=NotificationOutbox(**receipt),
            prefix=settings.TRACKING_PREFIX,
            year=numbering.year_of(now),
        )
        keep_loaded(session, complaint)
    else:
        complaint.tracking_number = await numbering.next_number(
            session, prefix=settings.TRACKING_PREFIX, now=now
        )
        await insert_row(session, complaint)
        await insert_row(session, entry)
        await emit(session, platform, **_event(complaint))
        receipt["params"] = {"tracking_number": complaint.tracking_number}
        await insert_row(session, NotificationOutbox(**receipt))
    return Submitted(complaint=complaint, category=category, decision=decision, duplicates=suggestions)


def _event(complaint: Complaint) -> dict[str, Any]:
    """`emit`'s arguments for the `complaint.submitted` event (its tracking number None on the one-statement
    path, which adds it)."""
    return {
        "type": f"{EVENT_PREFIX}.submitted",
        "subject": str(complaint.id),
        "data": event_data(complaint),
        "source": SOURCE,
    }


def event_data(complaint: Complaint) -> dict[str, object]:
    """What the event feed says of a complaint: ids and codes, never the reporter, never the text."""
    return {
        "id": complaint.id,
        "tracking_number": complaint.tracking_number,
        "category": complaint.category_code,
        "opd_code": complaint.opd_code,
        "status": complaint.status,
        "report_visibility": complaint.report_visibility,
        "kelurahan": complaint.kelurahan_code,
        "version": complaint.version,
    }


async def get_visible(session: AsyncSession, complaint_id: UUID, principal: Principal | None) -> Complaint:
    """The complaint if `principal` may see it; otherwise 404, as if it did not exist."""
    statement = select(Complaint).where(Complaint.id == complaint_id, visibility.visible_to(principal))
    complaint = (await session.scalars(statement)).one_or_none()
    if complaint is None:
        raise ComplaintNotFound(Text(f"Tidak ada pengaduan {complaint_id}", f"No complaint {complaint_id}"))
    return complaint


async def get_visible_by_number(session: AsyncSession, number: str, principal: Principal | None) -> Complaint:
    statement = select(Complaint).where(Complaint.tracking_number == number, visibility.visible_to(principal))
    complaint = (await session.scalars(statement)).one_or_none()
    if complaint is None:
        raise ComplaintNotFound(Text(f"Tidak ada pengaduan {number}", f"No complaint {number}"))
    return complaint


async def category_of(session: AsyncSession, complaint: Complaint) -> Category:
    category = (await session.scalars(select(Category).where(Category.code == complaint.category_code))).one()
    return category


async def photos_of(session: AsyncSession, complaint: Complaint) -> Sequence[ComplaintPhoto]:
    statement = (
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(ComplaintPhoto.created_at, ComplaintPhoto.id)
    )
    return list(await session.scalars(statement))
