"""`/permits/v1/applications/{id}/survey` (the applicant, after issuance) and `/permits/v1/skm/{type}` (staff)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response

from siantar_permits.application import access
from siantar_permits.auth import Staff
from siantar_permits.survey import service
from siantar_shared.auth import AnyPrincipal
from siantar_shared.db import SessionDep

router = APIRouter(tags=["survey (SKM)"])


@router.post(
    "/applications/{application_id}/survey",
    status_code=204,
    summary="Answer the SKM survey",
    responses={409: {"description": "Already answered, or the permit is not issued"}},
)
async def answer(
    principal: AnyPrincipal, application_id: UUID, body: service.SurveyAnswer, session: SessionDep
) -> Response:
    """The holder rates the service once, after issuance (hand-over, SiCantik stage 12)."""
    app = await access.load(session, application_id, principal)
    await service.answer(session, app, body, principal)
    return Response(status_code=204)


@router.get(
    "/skm/{type_code}", response_model=service.SurveyIndex, summary="SKM index of a permit type (staff)"
)
async def skm_index(
    principal: Staff,
    type_code: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")],
    session: SessionDep,
) -> service.SurveyIndex:
    """IKM = mean of the nine element means × 25, with its band A-D."""
    return await service.index(session, type_code)
