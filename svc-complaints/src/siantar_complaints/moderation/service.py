"""Moderation rules: who may flag and moderate what, and how each action is recorded (a staff-only timeline
entry, a `moderation_action` row keeping the original encrypted, and an event). Events carry ids and field
names, never the text."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.complaint.states import UpdateKind, UpdateVisibility
from siantar_complaints.models import platform
from siantar_complaints.moderation import vault
from siantar_complaints.moderation.exceptions import FlagAlreadyResolved, FlagNotFound, TargetNotFound
from siantar_complaints.moderation.models import ModerationAction, ModerationFlag
from siantar_complaints.moderation.schemas import (
    ActionKind,
    FlagCreate,
    FlagPage,
    FlagResolve,
    FlagStatus,
    PrivacyChange,
    Redaction,
    Visibility,
)
from siantar_complaints.moderation.schemas import Flag as FlagSchema
from siantar_shared.auth import Principal
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.db import utcnow
from siantar_shared.errors import NotFound
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, SortKey, paginate

EVENT = "id.go.pematangsiantar.complaints.complaint.{verb}"
OLDEST_FIRST = (
    SortKey(ModerationFlag.created_at.expression, False),
    SortKey(ModerationFlag.id.expression, False),
)


async def visible_complaint(
    session: AsyncSession, complaint_id: UUID, principal: Principal | None
) -> Complaint:
    """The complaint if `principal` may see it, else 404 (its existence is not disclosed)."""
    statement = select(Complaint).where(Complaint.id == complaint_id, visibility.visible_to(principal))
    complaint = (await session.scalars(statement)).one_or_none()
    if complaint is None:
        raise NotFound(Text("Pengaduan tidak ditemukan", "Complaint not found"))
    return complaint


async def _announce(session: AsyncSession, verb: str, complaint: Complaint, data: dict[str, Any]) -> None:
    await emit(
        session,
        platform,
        type=EVENT.format(verb=verb),
        subject=str(complaint.id),
        data={"complaint_id": complaint.id, "tracking_number": complaint.tracking_number, **data},
        source=event_source("complaints"),
    )


async def _photo(session: AsyncSession, complaint: Complaint, photo_id: UUID) -> ComplaintPhoto:
    photo = await session.get(ComplaintPhoto, photo_id)
    if photo is None or photo.complaint_id != complaint.id:
        raise TargetNotFound()
    return photo


async def _update(session: AsyncSession, complaint: Complaint, update_id: UUID) -> ComplaintUpdate:
    update = await session.get(ComplaintUpdate, update_id)
    if update is None or update.complaint_id != complaint.id:
        raise TargetNotFound()
    return update


async def flag(
    session: AsyncSession, complaint: Complaint, principal: Principal, body: FlagCreate
) -> ModerationFlag:
    """A citizen (or anyone signed in) flags what they can see of a complaint."""
    if body.photo_id is not None and (await _photo(session, complaint, body.photo_id)).hidden:
        raise TargetNotFound()
    if body.update_id is not None:
        update = await _update(session, complaint, body.update_id)
        if update.hidden or not _sees_entry(principal, complaint, update):
            raise TargetNotFound()
    row = ModerationFlag(
        complaint_id=complaint.id,
        photo_id=body.photo_id,
        update_id=body.update_id,
        reason=body.reason.value,
        note=body.note,
        flagged_by_id=principal.subject,
        status=FlagStatus.open.value,
    )
    session.add(row)
    await session.flush()
    await _announce(session, "flagged", complaint, {"flag_id": row.id, "reason": row.reason})
    return row


def _sees_entry(principal: Principal, complaint: Complaint, update: ComplaintUpdate) -> bool:
    if update.visibility == UpdateVisibility.public.value or visibility.is_staff_of(principal, complaint):
        return True
    return update.visibility == UpdateVisibility.participants.value and visibility.is_reporter(
        principal, complaint
    )


async def list_flags(session: AsyncSession, params: CursorParams, status: FlagStatus) -> FlagPage:
    statement = select(ModerationFlag).where(ModerationFlag.status == status.value)
    rows, cursor = await paginate(session, statement, params, OLDEST_FIRST)
    return FlagPage(items=[FlagSchema.model_validate(row) for row in rows], next_cursor=cursor)


async def resolve_flag(
    session: AsyncSession, flag_id: UUID, principal: Principal, body: FlagResolve, *, now: datetime
) -> ModerationFlag:
    row = await session.get(ModerationFlag, flag_id, with_for_update=True)
    if row is None:
        raise FlagNotFound()
    if row.status != FlagStatus.open.value:
        raise FlagAlreadyResolved()
    row.status, row.resolution_note = body.status.value, body.note
    row.resolved_by_id, row.resolved_at = principal.subject, now
    await session.flush()
    return row


async def _close_flag(
    session: AsyncSession, complaint: Complaint, flag_id: UUID | None, principal: Principal, reason: str
) -> None:
    if flag_id is None:
        return
    row = await session.get(ModerationFlag, flag_id, with_for_update=True)
    if row is None or row.complaint_id != complaint.id:
        raise FlagNotFound()
    if row.status == FlagStatus.open.value:
        row.status, row.resolution_note = FlagStatus.actioned.value, reason
        row.resolved_by_id, row.resolved_at = principal.subject, utcnow()


def _role(principal: Principal) -> str:
    return "admin" if "admin" in principal.roles else "verifier"


async def _record(
    session: AsyncSession,
    complaint: Complaint,
    principal: Principal,
    *,
    action: ActionKind,
    reason: str,
    kind: UpdateKind = UpdateKind.internal_note,
    target_id: UUID | None = None,
    fields: list[str] | None = None,
    original: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    flag_id: UUID | None = None,
    key: bytes | None = None,
) -> ModerationAction:
    """The action row (original sealed), its staff-only timeline entry, and the flag it answers."""
    await _close_flag(session, complaint, flag_id, principal, reason)
    data = {
        "moderation": action.value,
        "target_id": str(target_id) if target_id else None,
        "fields": fields or [],
    }
    session.add(
        ComplaintUpdate(
            complaint_id=complaint.id,
            kind=kind.value,
            visibility=UpdateVisibility.staff.value,
            note=reason,
            actor_id=principal.subject,
            actor_role=_role(principal),
            actor_client_id=principal.client_id,
            data={**data, **(after or {})},
        )
    )
    sealed = vault.seal(key, complaint.id, original) if key is not None and original is not None else None
    row = ModerationAction(
        complaint_id=complaint.id,
        action=action.value,
        target_id=target_id,
        fields=fields or [],
        reason=reason,
        actor_id=principal.subject,
        actor_client_id=principal.client_id,
        flag_id=flag_id,
        original=sealed,
        after=after or {},
    )
    session.add(row)
    await session.flush()
    return row


async def redact(
    session: AsyncSession,
    complaint: Complaint,
    principal: Principal,
    body: Redaction,
    *,
    if_match: str | None,
    key: bytes,
) -> ModerationAction:
    """Replace the title and/or description; the original goes into the vault."""
    require_match(if_match, version_tag(complaint.version))
    changed = {
        name: value for name, value in (("title", body.title), ("description", body.description)) if value
    }
    original = {name: getattr(complaint, name) for name in changed}
    for name, value in changed.items():
        setattr(complaint, name, value)
    complaint.last_activity_at = utcnow()
    row = await _record(
        session, complaint, principal, action=ActionKind.redact_text, reason=body.reason,
        fields=sorted(changed), original=original, flag_id=body.flag_id, key=key,
    )  # fmt: skip
    await _announce(session, "redacted", complaint, {"action_id": row.id, "fields": sorted(changed)})
    return row


async def photo_visibility(
    session: AsyncSession, complaint: Complaint, photo_id: UUID, principal: Principal, body: Visibility
) -> ModerationAction:
    photo = await _photo(session, complaint, photo_id)
    photo.hidden, photo.hidden_reason = body.hidden, body.reason if body.hidden else None
    action = ActionKind.hide_photo if body.hidden else ActionKind.show_photo
    row = await _record(
        session, complaint, principal, action=action, reason=body.reason, target_id=photo.id,
        flag_id=body.flag_id,
    )  # fmt: skip
    await _announce(session, "photo_moderated", complaint, {"photo_id": photo.id, "hidden": body.hidden})
    return row


async def update_visibility(
    session: AsyncSession, complaint: Complaint, update_id: UUID, principal: Principal, body: Visibility
) -> ModerationAction:
    update = await _update(session, complaint, update_id)
    update.hidden = body.hidden
    action = ActionKind.hide_update if body.hidden else ActionKind.show_update
    row = await _record(
        session, complaint, principal, action=action, reason=body.reason, target_id=update.id,
        flag_id=body.flag_id,
    )  # fmt: skip
    await _announce(session, "update_moderated", complaint, {"update_id": update.id, "hidden": body.hidden})
    return row


async def change_privacy(
    session: AsyncSession,
    complaint: Complaint,
    principal: Principal,
    body: PrivacyChange,
    *,
    if_match: str | None,
) -> ModerationAction:
    """The desk sets who may see the report and who reported it (LAPOR! admins' override at verification)."""
    require_match(if_match, version_tag(complaint.version))
    before = {
        "identity_visibility": complaint.identity_visibility,
        "report_visibility": complaint.report_visibility,
    }
    if body.identity_visibility is not None:
        complaint.identity_visibility = body.identity_visibility.value
    if body.report_visibility is not None:
        complaint.report_visibility = body.report_visibility.value
    after = {
        "identity_visibility": complaint.identity_visibility,
        "report_visibility": complaint.report_visibility,
    }
    fields = sorted(name for name in after if after[name] != before[name])
    row = await _record(
        session, complaint, principal, action=ActionKind.privacy, reason=body.reason,
        kind=UpdateKind.visibility_change, fields=fields, after={"before": before, "after": after},
    )  # fmt: skip
    await _announce(session, "privacy_changed", complaint, {"action_id": row.id, **after})
    return row


async def actions_of(session: AsyncSession, complaint: Complaint) -> list[ModerationAction]:
    statement = select(ModerationAction).where(ModerationAction.complaint_id == complaint.id)
    return list(await session.scalars(statement.order_by(ModerationAction.created_at, ModerationAction.id)))
