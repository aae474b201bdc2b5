"""The service's public API: every domain router, under /permits/v1 (the service owns its full prefix)."""

from fastapi import APIRouter, Request

from siantar_permits.application import endpoints as application
from siantar_permits.fee import endpoints as fee
from siantar_permits.permit import endpoints as permit
from siantar_permits.permit_type import endpoints as permit_type
from siantar_permits.publication import endpoints as publication
from siantar_permits.survey import endpoints as survey
from siantar_permits.tracked import endpoints as tracked

router = APIRouter()


@router.get("/", tags=["service"], summary="Service index")
async def index(request: Request) -> dict[str, object]:
    """What this service is and where its documentation, OpenAPI document and event feed are."""
    prefix = request.scope.get("root_path", "") + "/permits/v1"
    return {
        "service": "svc-permits",
        "version": request.app.version,
        "links": {
            "docs": f"{prefix}/docs",
            "openapi": f"{prefix}/openapi.json",
            "events": f"{prefix}/events",
        },
    }


router.include_router(permit_type.router)
router.include_router(application.router)
router.include_router(fee.router)
router.include_router(permit.router)
router.include_router(publication.router)
router.include_router(tracked.router)
router.include_router(survey.router)
