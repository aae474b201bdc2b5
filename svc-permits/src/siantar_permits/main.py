"""The svc-permits app factory (`uvicorn --factory siantar_permits.main:create_app`)."""

from fastapi import FastAPI

from siantar_permits import api
from siantar_permits.config import Settings
from siantar_permits.models import platform
from siantar_shared.app import create_service_app

DESCRIPTION = (
    "Local permits from application to QR-verifiable issuance, with SLA clocks, retribusi fees and open data."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Siantar permits service",
        description=DESCRIPTION,
        prefix="/permits/v1",
        routers=[api.router],
        platform=platform,
    )
