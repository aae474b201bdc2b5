"""The service's public API: every domain router, under /identity/v1 (the service owns its full prefix)."""

from fastapi import APIRouter, Request

router = APIRouter()
# paths that a standard fixes outside /identity/v1: OIDC discovery and the JWKS at /identity/.well-known/...
root_routers: list[APIRouter] = []


@router.get("/", tags=["service"], summary="Service index")
async def index(request: Request) -> dict[str, object]:
    """What this service is and where its documentation, OpenAPI document and event feed are."""
    prefix = request.scope.get("root_path", "") + "/identity/v1"
    return {
        "service": "svc-identity",
        "version": request.app.version,
        "links": {
            "docs": f"{prefix}/docs",
            "openapi": f"{prefix}/openapi.json",
            "events": f"{prefix}/events",
        },
    }
