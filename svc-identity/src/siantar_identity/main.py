"""The svc-identity app factory (`uvicorn --factory siantar_identity.main:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from siantar_identity import api
from siantar_identity.config import Settings
from siantar_identity.models import platform
from siantar_identity.state import build_state
from siantar_shared.app import create_service_app

DESCRIPTION = (
    "Citizens, officers of each OPD and API clients; the tokens (OIDC discovery and JWKS) every service "
    "verifies locally."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def identity_lifespan(app: FastAPI, state: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        yield build_state(settings, sessionmaker=state["sessionmaker"])

    return create_service_app(
        settings,
        title="Siantar identity service",
        description=DESCRIPTION,
        prefix="/identity/v1",
        routers=[api.router],
        root_routers=api.root_routers,
        platform=platform,
        extra_lifespan=identity_lifespan,
    )
