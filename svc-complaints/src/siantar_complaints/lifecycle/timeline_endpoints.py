"""The timeline (`/complaints/{id}/updates`), following (`/follow`) and rating (`/rating`) of a complaint.

A complaint the caller may not see is a 404 on every one of them."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from siantar_complaints.lifecycle import schemas, social, timeline
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_shared.auth import AnyPrincipal, OptionalPrincipal
from siantar_shared.conditional import IfMatch, version_tag
from siantar_shared.db import SessionDep
from siantar_shared.pagination import CursorQuery, Page

router = APIRouter(tags=["lifecycle"])
ONE = "/complaints/{complaint_id}"


def _settings() -> LifecycleSettings:
    from siantar_complaints.lifecycle.endpoints import get_settings  # one cached instance

    return get_settings()


SettingsDep = Annotated[LifecycleSettings, Depends(_settings)]


@router.get(f"{ONE}/updates", response_model=Page[schemas.UpdateRead], summary="Timeline of a complaint")
async def list_updates(
    complaint_id: UUID, principal: OptionalPrincipal, session: SessionDep, pagination: CursorQuery
) -> Page[schemas.UpdateRead]:
    """Entries oldest first, as the caller may read them: public ones for whoever sees the complaint, questions
    and replies for the reporter and its staff too, internal notes and assignments for staff only."""
    items, cursor = await timeline.list_updates(session, complaint_id, principal, pagination)
    return Page(items=items, next_cursor=cursor)


@router.post(
    f"{ONE}/updates", response_model=schemas.UpdateRead, status_code=201, summary="Post to the timeline"
)
async def post_update(
    complaint_id: UUID,
    body: schemas.UpdateCreate,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.UpdateRead:
    """A public update (officers of the complaint's OPD; `template_code` uses a response template of the
    category), an internal note (staff of the complaint) or a reply (the reporter: while the complaint waits
    for the citizen, a reply resumes the SLA clock and returns it to in_progress). `photo_ids`: photos uploaded
    to this complaint and not yet on another entry. If-Match is optional (checked when sent)."""
    complaint, entry = await timeline.post_update(session, complaint_id, principal, body, if_match, settings)
    response.headers["ETag"] = version_tag(complaint.version)
    return entry


@router.post(f"{ONE}/follow", response_model=schemas.FollowState, summary="Follow a complaint (me too)")
async def follow(
    complaint_id: UUID, principal: AnyPrincipal, session: SessionDep, response: Response
) -> schemas.FollowState:
    """A citizen follows someone else's public complaint and is told of its changes: 201 when new, 200 when
    already following (counted once)."""
    state, created = await social.follow(session, complaint_id, principal)
    response.status_code = 201 if created else 200
    return state


@router.delete(f"{ONE}/follow", response_model=schemas.FollowState, summary="Stop following a complaint")
async def unfollow(complaint_id: UUID, principal: AnyPrincipal, session: SessionDep) -> schemas.FollowState:
    """Stop following (a no-op when not following)."""
    return await social.unfollow(session, complaint_id, principal)


@router.post(
    f"{ONE}/rating", response_model=schemas.RatingRead, status_code=201, summary="Rate the resolution"
)
async def rate(
    complaint_id: UUID,
    body: schemas.RatingCreate,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.RatingRead:
    """The reporter rates a resolved or closed complaint once: 1-5, reasons from a fixed list, a comment. With
    `reopen: true` and a low score (configured), within the reopen window, the complaint is reopened."""
    complaint, rating = await social.rate(session, complaint_id, principal, body, if_match, settings)
    response.headers["ETag"] = version_tag(complaint.version)
    return schemas.RatingRead.model_validate(rating)
