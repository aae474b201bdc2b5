"""Running a transition: find the complaint (404 unless visible), check the caller's part (403), the version
(`If-Match`: 428 / 412), the state (409); then apply the action's effects, record the timeline entry, emit
the event, queue the notifications, and write it all in the request's transaction.

The UPDATE of the complaint is conditional on the version read (`version_id_col`): if another change was
committed in between, SQLAlchemy raises StaleDataError, answered 412, and the transaction (with everything this
request added) is rolled back.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_complaints.complaint import service as complaint_service
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.complaint.states import UpdateKind, UpdateVisibility
from siantar_complaints.lifecycle import notify
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.exceptions import ActionForbidden, TransitionNotAllowed
from siantar_complaints.lifecycle.transitions import TRANSITIONS, Action, Transition, acting_role, may
from siantar_complaints.models import Holiday, platform
from siantar_complaints.sla.models import SlaClass
from siantar_shared.auth import Principal
from siantar_shared.calendar import WorkingCalendar, load_calendar
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.db import utcnow
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text

EVENT_PREFIX = "id.go.pematangsiantar.complaints.complaint."
EVENT_VERBS: dict[Action, str] = {
    Action.verify: "verified",
    Action.reject: "rejected",
    Action.mark_duplicate: "marked_duplicate",
    Action.disposition: "dispositioned",
    Action.assign: "assigned",
    Action.reassign: "reassigned",
    Action.start: "started",
    Action.request_information: "information_requested",
    Action.resolve: "resolved",
    Action.redirect: "redirected",
    Action.close: "closed",
    Action.reopen: "reopened",
}


def stale() -> PreconditionFailed:
    return PreconditionFailed(
        Text(
            "Pengaduan baru saja diubah pihak lain: baca ulang lalu ulangi perubahan Anda",
            "The complaint was just changed by someone else: read it again, then repeat your change",
        )
    )


async def get_visible(session: AsyncSession, complaint_id: UUID, principal: Principal | None) -> Complaint:
    """The complaint if the caller may see it, else 404 (the complaint domain's one rule)."""
    return await complaint_service.get_visible(session, complaint_id, principal)


@dataclass
class Change:
    """What one transition does, gathered by its effects and written by `run`."""

    session: AsyncSession
    complaint: Complaint
    principal: Principal
    transition: Transition | None  # None: a timeline post, not a transition
    now: datetime
    calendar: WorkingCalendar
    settings: LifecycleSettings
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    kind: UpdateKind = UpdateKind.status_change
    visibility: UpdateVisibility = UpdateVisibility.public
    question: str | None = None  # for the reporter's message when asked for information
    photo_ids: list[UUID] = field(default_factory=list)
    sla_class: SlaClass | None = None  # read before any change, so that no query autoflushes half a change


async def begin(
    session: AsyncSession,
    complaint_id: UUID,
    action: Action,
    principal: Principal,
    if_match: str | None,
    settings: LifecycleSettings,
    *,
    strict: bool = True,
) -> Change:
    """Load and check everything a transition needs before its effects run. `strict=False`: If-Match is
    checked only when sent (a transition riding on another request, such as a low rating's reopening)."""
    transition = TRANSITIONS[action]
    complaint = await get_visible(session, complaint_id, principal)
    if not may(principal, complaint, transition):
        raise ActionForbidden(
            Text(
                f"Anda tidak dapat melakukan '{action}' pada pengaduan ini",
                f"You may not {action} this complaint",
            )
        )
    if strict or if_match is not None:
        require_match(if_match, version_tag(complaint.version))
    if complaint.status not in transition.sources:
        allowed = ", ".join(sorted(transition.sources))
        raise TransitionNotAllowed(
            Text(
                f"'{action}' hanya dari status: {allowed} (kini {complaint.status})",
                f"'{action}' is only possible from: {allowed} (now {complaint.status})",
            ),
            extra={"status": complaint.status, "allowed_from": sorted(transition.sources)},
        )
    calendar = await load_calendar(session, Holiday)
    sla_class = await session.scalar(select(SlaClass).where(SlaClass.code == complaint.sla_class_code))
    return Change(
        session, complaint, principal, transition, utcnow(), calendar, settings, sla_class=sla_class
    )


async def commit_change(change: Change) -> Complaint:
    """Apply the target state, then write the complaint, the timeline entry, the notifications and the event."""
    complaint, transition = change.complaint, change.transition
    if transition is None:
        raise ValueError("commit_change needs a transition")
    from_status = complaint.status
    if transition.target is not None:
        complaint.status = transition.target.value
    complaint.last_activity_at = change.now
    await flush_or_412(change.session)
    entry = await record(change, from_status=from_status, to_status=complaint.status)
    if complaint.status != from_status:
        await notify.announce_status(
            change.session,
            complaint,
            actor_id=change.principal.subject,
            settings=change.settings,
            now=change.now,
            question=change.question,
        )
    verb = EVENT_VERBS[transition.action]
    await emit_event(change.session, complaint, verb, entry, from_status)
    return complaint


async def flush_or_412(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise stale() from exc


async def record(change: Change, *, from_status: str | None, to_status: str | None) -> ComplaintUpdate:
    """The timeline entry of a change: who (account, role, client, OPD), when, why, from and to."""
    principal, complaint = change.principal, change.complaint
    entry = ComplaintUpdate(
        complaint_id=complaint.id,
        kind=change.kind.value,
        visibility=change.visibility.value,
        from_status=from_status,
        to_status=to_status,
        note=change.note,
        actor_id=principal.subject,
        actor_role=acting_role(principal, complaint),
        actor_client_id=principal.client_id,
        actor_opd=principal.agency if visibility.opd_of(principal) else None,
        data=change.data,
        created_at=change.now,
    )
    change.session.add(entry)
    await change.session.flush()
    if change.photo_ids:
        await attach_photos(change.session, complaint, entry, change.photo_ids)
    return entry


async def attach_photos(
    session: AsyncSession, complaint: Complaint, entry: ComplaintUpdate, photo_ids: list[UUID]
) -> None:
    """Put checked photos (effects.check_photos) on a timeline entry; only unattached ones of this complaint."""
    statement = (
        update(ComplaintPhoto)
        .where(
            ComplaintPhoto.id.in_(photo_ids),
            ComplaintPhoto.complaint_id == complaint.id,
            ComplaintPhoto.update_id.is_(None),
        )
        .values(update_id=entry.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)


async def emit_event(
    session: AsyncSession,
    complaint: Complaint,
    verb: str,
    entry: ComplaintUpdate | None,
    from_status: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """`...complaints.complaint.<verb>`: ids and states only (no text, no reporter), with the report's
    visibility so that consumers can keep restricted complaints out of anything public."""
    data: dict[str, Any] = {
        "complaint_id": complaint.id,
        "tracking_number": complaint.tracking_number,
        "report_visibility": complaint.report_visibility,
        "opd_code": complaint.opd_code,
        "from_status": from_status,
        "status": complaint.status,
        "version": complaint.version,
        "update_id": entry.id if entry is not None else None,
        "actor_role": entry.actor_role if entry is not None else "system",
        **(extra or {}),
    }
    await emit(
        session,
        platform,
        type=EVENT_PREFIX + verb,
        subject=str(complaint.id),
        data=data,
        source=event_source("complaints"),
    )
