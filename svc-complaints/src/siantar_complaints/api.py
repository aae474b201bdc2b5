"""The service's public API: every domain router, under /complaints/v1 (the service owns its full prefix)."""

from fastapi import APIRouter, Request

from siantar_complaints.browse import endpoints as browse
from siantar_complaints.category import endpoints as category
from siantar_complaints.complaint import endpoints as complaint
from siantar_complaints.lifecycle import endpoints as lifecycle
from siantar_complaints.routing import endpoints as routing
from siantar_complaints.sla import endpoints as sla

router = APIRouter()


@router.get("/", tags=["service"], summary="Service index")
async def index(request: Request) -> dict[str, object]:
    """What this service is and where its documentation, OpenAPI document and event feed are."""
    prefix = request.scope.get("root_path", "") + "/complaints/v1"
    return {
        "service": "svc-complaints",
        "version": request.app.version,
        "links": {
            "docs": f"{prefix}/docs",
            "openapi": f"{prefix}/openapi.json",
            "events": f"{prefix}/events",
        },
    }


# the lists first: FastAPI tries routes in order, and the lists are the most asked (none of their paths overlaps
# another router's but GET /complaints, whose POST is the complaint router's)
router.include_router(browse.router)
router.include_router(category.router)
router.include_router(sla.router)
router.include_router(routing.router)
router.include_router(complaint.router)
router.include_router(lifecycle.router)
