"""The timeline of a complaint: reading it as the caller may, and posting public updates, internal notes and
the reporter's replies.

Who reads which entries (visibility.py decides who sees the complaint at all):
- public entries: whoever sees the complaint;
- participants entries (questions to the reporter, their replies, ratings): the reporter and its staff;
- staff entries (internal notes, assignments, SLA reminders): staff of the complaint only;
- entries hidden by a moderator: staff only.
An entry's author is named only where the caller may know them: the reporter's account id where identity
shows (`shows_identity`), a staff member's to staff of the complaint.
"""

from collections import defaultdict
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.complaint.states import FINAL_STATES, Status, UpdateKind, UpdateVisibility
from siantar_complaints.lifecycle import effects, notify, schemas, service
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.exceptions import ActionForbidden, InvalidUpdate, TransitionNotAllowed
from siantar_complaints.lifecycle.service import Change
from siantar_complaints.lifecycle.transitions import Party, parties_of
from siantar_complaints.models import Holiday
from siantar_complaints.sla import clock
from siantar_complaints.sla.clock import Stage
from siantar_shared.auth import Principal
from siantar_shared.calendar import load_calendar
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.db import utcnow
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, SortKey, paginate

ORDER = (SortKey(ComplaintUpdate.created_at.expression, False), SortKey(ComplaintUpdate.id.expression, False))


def readable(principal: Principal | None, complaint: Complaint) -> list[str]:
    """The entry visibilities the caller may read on this complaint."""
    levels = [UpdateVisibility.public.value]
    staff = visibility.is_staff_of(principal, complaint)
    if staff or visibility.is_reporter(principal, complaint):
        levels.append(UpdateVisibility.participants.value)
    if staff:
        levels.append(UpdateVisibility.staff.value)
    return levels


async def list_updates(
    session: AsyncSession, complaint_id: UUID, principal: Principal | None, params: CursorParams
) -> tuple[list[schemas.UpdateRead], str | None]:
    complaint = await service.get_visible(session, complaint_id, principal)
    staff = visibility.is_staff_of(principal, complaint)
    statement = select(ComplaintUpdate).where(
        ComplaintUpdate.complaint_id == complaint.id,
        ComplaintUpdate.visibility.in_(readable(principal, complaint)),
    )
    if not staff:
        statement = statement.where(ComplaintUpdate.hidden.is_(False))
    rows, cursor = await paginate(session, statement, params, ORDER)
    photos = await photos_of(session, [row.id for row in rows], include_hidden=staff)
    return [present(row, complaint, principal, photos.get(row.id, [])) for row in rows], cursor


async def photos_of(
    session: AsyncSession, update_ids: list[UUID], *, include_hidden: bool
) -> dict[UUID, list[UUID]]:
    if not update_ids:
        return {}
    statement = select(ComplaintPhoto.update_id, ComplaintPhoto.id).where(
        ComplaintPhoto.update_id.in_(update_ids)
    )
    if not include_hidden:
        statement = statement.where(ComplaintPhoto.hidden.is_(False))
    found: dict[UUID, list[UUID]] = defaultdict(list)
    for update_id, photo_id in (await session.execute(statement.order_by(ComplaintPhoto.created_at))).all():
        if update_id is not None:
            found[update_id].append(photo_id)
    return found


def present(
    entry: ComplaintUpdate, complaint: Complaint, principal: Principal | None, photo_ids: list[UUID]
) -> schemas.UpdateRead:
    return schemas.UpdateRead(
        id=entry.id,
        kind=entry.kind,
        visibility=UpdateVisibility(entry.visibility),
        from_status=entry.from_status,
        to_status=entry.to_status,
        note=entry.note,
        actor_id=shown_actor(entry, complaint, principal),
        actor_role=entry.actor_role,
        actor_opd=entry.actor_opd,
        data=entry.data,
        photo_ids=photo_ids,
        hidden=entry.hidden,
        created_at=entry.created_at,
    )


def shown_actor(entry: ComplaintUpdate, complaint: Complaint, principal: Principal | None) -> UUID | None:
    if entry.actor_id is None:
        return None
    if complaint.reporter_id is not None and entry.actor_id == complaint.reporter_id:
        return entry.actor_id if visibility.shows_identity(principal, complaint) else None
    return entry.actor_id if visibility.is_staff_of(principal, complaint) else None


# who may post which kind, and what it is shown as (internal notes: any staff of the complaint, assigned or not)
POSTERS: dict[UpdateKind, tuple[frozenset[Party], UpdateVisibility]] = {
    UpdateKind.public_update: (frozenset({Party.officer}), UpdateVisibility.public),
    UpdateKind.internal_note: (
        frozenset({Party.officer, Party.supervisor, Party.desk}),
        UpdateVisibility.staff,
    ),
    UpdateKind.citizen_reply: (frozenset({Party.reporter}), UpdateVisibility.participants),
}


async def post_update(
    session: AsyncSession,
    complaint_id: UUID,
    principal: Principal,
    body: schemas.UpdateCreate,
    if_match: str | None,
    settings: LifecycleSettings,
) -> tuple[Complaint, schemas.UpdateRead]:
    """Add a timeline entry. `If-Match` is optional here (a comment is not a decision); if sent it is checked,
    and a concurrent change of the complaint still makes this 412 (the version is checked on write)."""
    complaint = await service.get_visible(session, complaint_id, principal)
    rule = POSTERS.get(body.kind)
    if rule is None:
        raise InvalidUpdate(
            Text("Jenis pembaruan tidak dapat dikirim", "This kind of update cannot be posted")
        )
    parties, shown_as = rule
    staff_note = body.kind == UpdateKind.internal_note and visibility.is_staff_of(principal, complaint)
    if not staff_note and not parties & parties_of(principal, complaint):
        raise ActionForbidden(Text("Anda tidak dapat mengirim pembaruan ini", "You may not post this update"))
    if if_match is not None:
        require_match(if_match, version_tag(complaint.version))
    if body.kind != UpdateKind.internal_note and complaint.status in FINAL_STATES:
        raise TransitionNotAllowed(Text("Pengaduan sudah selesai", "The complaint is finished"))
    text = body.text
    if not text and body.kind == UpdateKind.public_update:
        text = await effects.template_text(session, complaint, body.template_code)
    if not text:
        raise InvalidUpdate(Text("Teks pembaruan wajib diisi", "The update's text is required"))
    await effects.check_photos(session, complaint, body.photo_ids)
    sla_class = await effects.sla_class_of(session, complaint)  # read before any change (no autoflush)
    change = Change(
        session, complaint, principal, None, utcnow(),
        await load_calendar(session, Holiday), settings,
        note=text, kind=body.kind, visibility=shown_as, photo_ids=body.photo_ids,
        data={"template_code": body.template_code} if body.template_code else {}, sla_class=sla_class,
    )  # fmt: skip
    return complaint, await write_update(change)


async def write_update(change: Change) -> schemas.UpdateRead:
    complaint = change.complaint
    from_status = complaint.status
    if (
        change.kind != UpdateKind.internal_note
    ):  # public activity; an internal note leaves the complaint as is
        complaint.last_activity_at = change.now
        if change.kind == UpdateKind.public_update and complaint.first_response_at is None:
            complaint.first_response_at = change.now
        if change.kind == UpdateKind.citizen_reply and from_status == Status.waiting_for_citizen.value:
            complaint.status = Status.in_progress.value
            clock.resume(complaint, now=change.now, calendar=change.calendar)
        if change.kind == UpdateKind.citizen_reply and from_status == Status.resolved.value:
            await effects.start_clock(change, Stage.close)  # the silence that closes it starts again
        await service.flush_or_412(change.session)
    changed = complaint.status != from_status
    entry = await service.record(
        change, from_status=from_status if changed else None, to_status=complaint.status if changed else None
    )
    if changed:
        await notify.announce_status(
            change.session,
            complaint,
            actor_id=change.principal.subject,
            settings=change.settings,
            now=change.now,
        )
    if change.kind == UpdateKind.public_update:
        await notify.announce_update(
            change.session, complaint, change.note, actor_id=change.principal.subject, now=change.now
        )
    verb = "information_received" if changed else "update_posted"
    extra = {"kind": change.kind.value, "visibility": change.visibility.value}
    await service.emit_event(change.session, complaint, verb, entry, from_status, extra)
    return present(entry, complaint, change.principal, change.photo_ids)
