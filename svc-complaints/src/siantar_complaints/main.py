"""The svc-complaints app factory (`uvicorn --factory siantar_complaints.main:create_app`)."""

from fastapi import FastAPI

from siantar_complaints import api
from siantar_complaints.config import Settings
from siantar_complaints.models import platform
from siantar_shared.app import create_service_app

DESCRIPTION = "Complaints (pengaduan, aspirasi, permintaan informasi) with a LAPOR!-aligned lifecycle, working-day SLAs and routing to the responsible OPD."


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Siantar complaints service",
        description=DESCRIPTION,
        prefix="/complaints/v1",
        routers=[api.router],
        platform=platform,
    )
