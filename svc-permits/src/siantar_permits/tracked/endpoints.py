"""`POST /permits/v1/tracked/status`: SIMBG/OSS status intake for tracked types (integration service token)."""

from fastapi import APIRouter

from siantar_permits.audit import Actor
from siantar_permits.auth import Integration
from siantar_permits.tracked import service
from siantar_shared.db import SessionDep, utcnow

router = APIRouter(tags=["tracked permits"])


@router.post(
    "/tracked/status",
    response_model=service.StatusAccepted,
    summary="Report an external status (integration)",
    responses={422: {"description": "Not a tracked type, or a status the adapter does not know"}},
)
async def report_status(
    principal: Integration, body: service.StatusReport, session: SessionDep
) -> service.StatusAccepted:
    """The SIMBG (or OSS) bridge reports a PBG/SLF status with a service token; the application is created
    on the first report and follows the external status through the system's adapter. Applicants then see
    it in their list; issued building permits appear in the BLDS open data."""
    return await service.intake(session, body, Actor.of(principal), utcnow())
