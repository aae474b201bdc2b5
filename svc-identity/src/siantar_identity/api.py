"""The service's public API: every domain router, under /identity/v1 (the service owns its full prefix)."""

from fastapi import APIRouter, Request

from siantar_identity.account import endpoints as account_endpoints
from siantar_identity.account import me_endpoints as account_me_endpoints
from siantar_identity.agency import endpoints as agency_endpoints
from siantar_identity.assurance import endpoints as assurance_endpoints
from siantar_identity.audit import endpoints as audit_endpoints
from siantar_identity.client import endpoints as client_endpoints
from siantar_identity.guest import endpoints as guest_endpoints
from siantar_identity.mfa import endpoints as mfa_endpoints
from siantar_identity.notify import endpoints as notify_endpoints
from siantar_identity.oauth import authorize_endpoints
from siantar_identity.oauth import endpoints as oauth_endpoints
from siantar_identity.oauth import session_endpoints as oauth_session_endpoints
from siantar_identity.oauth import userinfo as oauth_userinfo
from siantar_identity.oauth import wellknown as oauth_wellknown
from siantar_identity.privacy import endpoints as privacy_endpoints
from siantar_identity.staff import endpoints as staff_endpoints

router = APIRouter()
# paths that a standard fixes outside /identity/v1: OIDC discovery and the JWKS at /identity/.well-known/...
root_routers: list[APIRouter] = [oauth_wellknown.router]
router.include_router(notify_endpoints.router)
router.include_router(guest_endpoints.router)
router.include_router(privacy_endpoints.router)
router.include_router(audit_endpoints.router)
router.include_router(mfa_endpoints.router)
router.include_router(authorize_endpoints.router)
router.include_router(agency_endpoints.router)
router.include_router(staff_endpoints.router)
router.include_router(client_endpoints.router)
router.include_router(oauth_endpoints.router)
router.include_router(oauth_session_endpoints.router)
router.include_router(oauth_userinfo.router)
router.include_router(account_endpoints.router)
router.include_router(account_me_endpoints.router)
router.include_router(assurance_endpoints.router)


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
