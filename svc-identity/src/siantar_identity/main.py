"""The svc-identity app factory (`uvicorn --factory siantar_identity.main:create_app`)."""

from fastapi import FastAPI

from siantar_identity import api
from siantar_identity.config import Settings
from siantar_identity.models import platform
from siantar_shared.app import create_service_app

DESCRIPTION = "Citizens, officers of each OPD and API clients; the tokens (OIDC discovery and JWKS) every service verifies locally."


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Siantar identity service",
        description=DESCRIPTION,
        prefix="/identity/v1",
        routers=[api.router],
        platform=platform,
    )
