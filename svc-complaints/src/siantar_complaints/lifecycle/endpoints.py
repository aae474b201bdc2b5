"""Transitions under /complaints/v1/complaints/{id}/actions/..., one endpoint per action (the table is in
transitions.py). Every one needs `If-Match: "v<version>"` and answers the complaint's new state with its ETag.

Errors: 401 without a token; 404 when the caller may not see the complaint; 403 when they see it but play no
part allowed to do this; 428 without If-Match, 412 when stale (also when another change wins the race); 409
from a state the action does not start from; 422 for a bad body (on assign and reassign, also an officer who is
not active staff of the complaint's OPD); 503 when identity cannot say who that officer is."""

from functools import lru_cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from siantar_complaints.complaint import presenter
from siantar_complaints.complaint import service as complaint_service
from siantar_complaints.complaint.schemas import ComplaintRead
from siantar_complaints.identity.dependencies import AgencyDirectoryDep, IdentityServicesDep
from siantar_complaints.lifecycle import effects, schemas, service, staffing, timeline_endpoints
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.transitions import TRANSITIONS, Action
from siantar_shared.auth import AnyPrincipal
from siantar_shared.conditional import WRITE_RESPONSES, IfMatch, json_response, version_tag
from siantar_shared.db import SessionDep

router = APIRouter(tags=["lifecycle"])
ACTIONS = "/complaints/{complaint_id}/actions"


@lru_cache(maxsize=1)
def get_settings() -> LifecycleSettings:
    return LifecycleSettings()


SettingsDep = Annotated[LifecycleSettings, Depends(get_settings)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES,
    403: {"description": "You see the complaint but may not do this"},
    404: {"description": "No such complaint, or not visible to you"},
    409: {"description": "Not possible from the complaint's current state"},
}


async def answer(change: service.Change) -> Response:
    """The complaint after the change, as the caller may see it (the complaint domain's presenter), with its
    ETag."""
    session, complaint = change.session, change.complaint
    category = await complaint_service.category_of(session, complaint)
    photos = await complaint_service.photos_of(session, complaint)
    read = presenter.present(
        complaint,
        change.principal,
        now=change.now,
        calendar=change.calendar,
        category=category,
        photos=photos,
    )
    return json_response(read, etag=version_tag(complaint.version))


def _doc(action: Action) -> dict[str, Any]:
    t = TRANSITIONS[action]
    to = t.target.value if t.target else "(unchanged)"
    description = f"From {', '.join(sorted(t.sources))} to {to}; by: {', '.join(sorted(t.parties))}. Checks: {t.checks}."
    return {
        "response_model": ComplaintRead,
        "responses": RESPONSES,
        "summary": action.value.replace("-", " ").capitalize(),
        "description": description,
    }


@router.post(f"{ACTIONS}/verify", **_doc(Action.verify))
async def verify(
    complaint_id: UUID, body: schemas.NoteBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.verify, principal, if_match, settings)
    effects.verify(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/reject", **_doc(Action.reject))
async def reject(
    complaint_id: UUID, body: schemas.ReasonBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.reject, principal, if_match, settings)
    effects.reject(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/mark-duplicate", **_doc(Action.mark_duplicate))
async def mark_duplicate(
    complaint_id: UUID, body: schemas.DuplicateBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.mark_duplicate, principal, if_match, settings)
    await effects.mark_duplicate(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/disposition", **_doc(Action.disposition))
async def disposition(
    complaint_id: UUID, body: schemas.DispositionBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, agencies: AgencyDirectoryDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.disposition, principal, if_match, settings)
    await effects.disposition(change, body, agencies)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/assign", **_doc(Action.assign))
async def assign(
    complaint_id: UUID, body: schemas.AssignBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, identity: IdentityServicesDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.assign, principal, if_match, settings)
    await staffing.require_assignable(identity, body.officer_id, change.complaint)
    effects.assign(change, body, reassign=False)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/reassign", **_doc(Action.reassign))
async def reassign(
    complaint_id: UUID, body: schemas.AssignBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, identity: IdentityServicesDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.reassign, principal, if_match, settings)
    await staffing.require_assignable(identity, body.officer_id, change.complaint)
    effects.assign(change, body, reassign=True)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/start", **_doc(Action.start))
async def start(
    complaint_id: UUID, body: schemas.NoteBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.start, principal, if_match, settings)
    effects.start(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/request-information", **_doc(Action.request_information))
async def request_information(
    complaint_id: UUID, body: schemas.QuestionBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(
        session, complaint_id, Action.request_information, principal, if_match, settings
    )
    effects.request_information(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/resolve", **_doc(Action.resolve))
async def resolve(
    complaint_id: UUID, body: schemas.ResolveBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.resolve, principal, if_match, settings)
    await effects.resolve(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/redirect", **_doc(Action.redirect))
async def redirect(
    complaint_id: UUID, body: schemas.RedirectBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.redirect, principal, if_match, settings)
    effects.redirect(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/close", **_doc(Action.close))
async def close(
    complaint_id: UUID, body: schemas.NoteBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.close, principal, if_match, settings)
    effects.close(change, body)
    await service.commit_change(change)
    return await answer(change)


@router.post(f"{ACTIONS}/reopen", **_doc(Action.reopen))
async def reopen(
    complaint_id: UUID, body: schemas.ReopenBody, principal: AnyPrincipal, session: SessionDep,
    settings: SettingsDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    change = await service.begin(session, complaint_id, Action.reopen, principal, if_match, settings)
    await effects.reopen(change, body.reason)
    await service.commit_change(change)
    return await answer(change)


router.include_router(timeline_endpoints.router)
