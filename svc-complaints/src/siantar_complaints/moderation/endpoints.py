"""Flags (`POST /complaints/{id}/flags`) and the desk's moderation under /complaints/v1/..."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.moderation import service as moderation_service
from siantar_complaints.moderation import vault
from siantar_complaints.moderation.schemas import (
    Action,
    ActionList,
    Flag,
    FlagCreate,
    FlagPage,
    FlagResolve,
    FlagStatus,
    PrivacyChange,
    Redaction,
    Visibility,
)
from siantar_shared.auth import AnyPrincipal, Principal, Role, require
from siantar_shared.conditional import NO_STORE, WRITE_RESPONSES, IfMatch, version_tag
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import Forbidden
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorQuery

router = APIRouter(tags=["moderation"])
Desk = Annotated[Principal, require(roles={Role.verifier, Role.admin})]


async def _desk_complaint(session: SessionDep, complaint_id: UUID, principal: Principal) -> Complaint:
    return await moderation_service.visible_complaint(session, complaint_id, principal)


def _etag(response: Response, complaint: Complaint) -> None:
    response.headers["ETag"] = version_tag(complaint.version)
    response.headers["Cache-Control"] = NO_STORE


@router.post(
    "/complaints/{complaint_id}/flags", response_model=Flag, status_code=201, summary="Flag a complaint"
)
async def flag_complaint(
    complaint_id: UUID, body: FlagCreate, principal: AnyPrincipal, session: SessionDep
) -> Flag:
    """Ask the verifier desk to look at a complaint you can see, or at one of its photos or timeline entries
    (abuse, someone's personal data, spam). The desk decides; nothing is hidden automatically."""
    if principal.is_service:
        raise Forbidden(Text("Token layanan tidak dapat melapor", "A service token cannot flag"))
    complaint = await moderation_service.visible_complaint(session, complaint_id, principal)
    return Flag.model_validate(await moderation_service.flag(session, complaint, principal, body))


@router.get("/moderation/flags", response_model=FlagPage, summary="Flags to review")
async def list_flags(
    principal: Desk,
    session: SessionDep,
    pagination: CursorQuery,
    response: Response,
    status: Annotated[FlagStatus, Query(description="Flags in this state, oldest first")] = FlagStatus.open,
) -> FlagPage:
    """The desk's moderation queue, oldest first."""
    response.headers["Cache-Control"] = NO_STORE
    return await moderation_service.list_flags(session, pagination, status)


@router.post("/moderation/flags/{flag_id}/resolve", response_model=Flag, summary="Close a flag")
async def resolve_flag(flag_id: UUID, body: FlagResolve, principal: Desk, session: SessionDep) -> Flag:
    """Close a flag as `actioned` or `dismissed`, with a note (409 if already closed)."""
    row = await moderation_service.resolve_flag(session, flag_id, principal, body, now=utcnow())
    return Flag.model_validate(row)


@router.post(
    "/complaints/{complaint_id}/moderation/redact",
    response_model=Action,
    responses=WRITE_RESPONSES,
    summary="Redact a complaint's text",
)
async def redact(
    complaint_id: UUID,
    body: Redaction,
    principal: Desk,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Action:
    """Replace the title and/or description (say, to remove a person's name or phone number). The original
    is kept encrypted for the audit; a staff-only timeline entry and an event record who, when and why.
    Send the complaint's `ETag` in `If-Match`."""
    complaint = await _desk_complaint(session, complaint_id, principal)
    key = vault.key_for(request.app.state.settings)
    row = await moderation_service.redact(session, complaint, principal, body, if_match=if_match, key=key)
    _etag(response, complaint)
    return Action.model_validate(row)


@router.post(
    "/complaints/{complaint_id}/photos/{photo_id}/moderation",
    response_model=Action,
    summary="Hide or show a photo",
)
async def moderate_photo(
    complaint_id: UUID, photo_id: UUID, body: Visibility, principal: Desk, session: SessionDep
) -> Action:
    """Hide a photo from everyone but staff (or show it again), with a reason. The file is kept."""
    complaint = await _desk_complaint(session, complaint_id, principal)
    row = await moderation_service.photo_visibility(session, complaint, photo_id, principal, body)
    return Action.model_validate(row)


@router.post(
    "/complaints/{complaint_id}/updates/{update_id}/moderation",
    response_model=Action,
    summary="Hide or show a timeline entry",
)
async def moderate_update(
    complaint_id: UUID, update_id: UUID, body: Visibility, principal: Desk, session: SessionDep
) -> Action:
    """Hide a timeline entry from everyone but staff (or show it again), with a reason. Its text is kept."""
    complaint = await _desk_complaint(session, complaint_id, principal)
    row = await moderation_service.update_visibility(session, complaint, update_id, principal, body)
    return Action.model_validate(row)


@router.put(
    "/complaints/{complaint_id}/privacy",
    response_model=Action,
    responses=WRITE_RESPONSES,
    summary="Set privacy flags",
)
async def set_privacy(
    complaint_id: UUID,
    body: PrivacyChange,
    principal: Desk,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Action:
    """Set `identity_visibility` (public / agency / hidden) and/or `report_visibility` (public /
    restricted), with a reason: a staff-only timeline entry and an event record the change. Send the
    complaint's `ETag` in `If-Match`."""
    complaint = await _desk_complaint(session, complaint_id, principal)
    row = await moderation_service.change_privacy(session, complaint, principal, body, if_match=if_match)
    _etag(response, complaint)
    return Action.model_validate(row)


@router.get("/complaints/{complaint_id}/moderation", response_model=ActionList, summary="Moderation history")
async def history(complaint_id: UUID, principal: Desk, session: SessionDep, response: Response) -> ActionList:
    """Every moderation action on a complaint, oldest first (originals stay encrypted and are not sent)."""
    complaint = await _desk_complaint(session, complaint_id, principal)
    response.headers["Cache-Control"] = NO_STORE
    rows = await moderation_service.actions_of(session, complaint)
    return ActionList(items=[Action.model_validate(row) for row in rows])
