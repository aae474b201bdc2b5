"""`/livez` (the process is up) and `/healthz` (the database answers, else 503), at the service root."""

import asyncio
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

DATABASE_CHECK_TIMEOUT = 2.0
router = APIRouter(tags=["health"], include_in_schema=False)
logger = logging.getLogger("siantar_shared.health")


@router.get("/livez")
async def livez() -> dict[str, str]:
    """The process is up. Liveness must not depend on the database: an outage must not restart every pod."""
    return {"status": "ok"}


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers within two seconds."""
    engine: AsyncEngine = request.state.engine
    started = time.perf_counter()
    try:
        async with asyncio.timeout(DATABASE_CHECK_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is logged, not shown
        logger.warning("database check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "fail", "checks": {"database": {"status": "fail"}}}, status_code=503)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return JSONResponse({"status": "ok", "checks": {"database": {"status": "ok", "latency_ms": latency_ms}}})
