"""The svc-permits app factory (`uvicorn --factory siantar_permits.main:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from siantar_permits import api
from siantar_permits.config import Settings
from siantar_permits.issuance.signing import build_signer
from siantar_permits.models import platform
from siantar_permits.personal import use_key_ring
from siantar_shared.app import create_service_app
from siantar_shared.storage import build_storage

DESCRIPTION = (
    "Local permits from application to QR-verifiable issuance, with SLA clocks, retribusi fees and open data."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    use_key_ring(settings)

    @asynccontextmanager
    async def permits_lifespan(app: FastAPI, state: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        signer = build_signer(settings)
        try:
            yield {"storage": build_storage(settings), "signer": signer}
        finally:
            await signer.aclose()

    return create_service_app(
        settings,
        title="Siantar permits service",
        description=DESCRIPTION,
        prefix="/permits/v1",
        routers=[api.router],
        platform=platform,
        extra_lifespan=permits_lifespan,
    )
