"""The svc-complaints app factory (`uvicorn --factory siantar_complaints.main:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from siantar_complaints import api
from siantar_complaints.config import Settings
from siantar_complaints.identity.client import open_agency_directory
from siantar_complaints.identity.services import open_identity_services
from siantar_complaints.models import platform
from siantar_complaints.open311 import endpoints as open311
from siantar_complaints.open311.middleware import install as install_open311_errors
from siantar_shared.app import create_service_app
from siantar_shared.storage import build_storage

DESCRIPTION = "Complaints (pengaduan, aspirasi, permintaan informasi) with a LAPOR!-aligned lifecycle, working-day SLAs and routing to the responsible OPD."


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def complaints_lifespan(app: FastAPI, state: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async with (
            open_agency_directory(settings) as agency_directory,
            open_identity_services(settings) as identity_services,
        ):
            yield {
                "agency_directory": agency_directory,
                "identity_services": identity_services,
                "storage": build_storage(settings),
            }

    app = create_service_app(
        settings,
        title="Siantar complaints service",
        description=DESCRIPTION,
        prefix="/complaints/v1",
        routers=[api.router],
        platform=platform,
        extra_lifespan=complaints_lifespan,
        root_routers=[open311.router],
    )
    return install_open311_errors(app)  # Open311's own error shape for every answer under /open311/v2
