"""The app factory every service uses: lifespan, middleware, error handlers, health, metrics, offline docs."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from siantar_shared import health, metrics, threads
from siantar_shared.auth import JwksCache, TokenVerifier
from siantar_shared.db import (
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
    make_single_statement_sessionmaker,
)
from siantar_shared.errors import install_error_handlers
from siantar_shared.events import event_source, events_router
from siantar_shared.heap import settle_heap
from siantar_shared.http import make_client
from siantar_shared.idempotency import IdempotencyMiddleware
from siantar_shared.logging import configure_logging
from siantar_shared.platform_models import PlatformModels
from siantar_shared.requestid import RequestIdMiddleware
from siantar_shared.settings import ServiceSettings

ExtraLifespan = Callable[[FastAPI, dict[str, Any]], AbstractAsyncContextManager[dict[str, Any]]]
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def platform_state(settings: ServiceSettings) -> tuple[dict[str, Any], Callable[[], Any]]:
    """The state every request sees (`request.state.*`) and the coroutine function that closes it."""
    engine = make_engine(
        settings.DATABASE_URL, app_name=f"{settings.ENV}.{settings.SERVICE}", pool_size=settings.DB_POOL_SIZE
    )
    jwks_client = make_client()
    verifier = TokenVerifier(
        JwksCache(settings.jwks_url, jwks_client),
        issuer=settings.TOKEN_ISSUER,
        audience=settings.TOKEN_AUDIENCE,
    )
    sessionmaker = make_sessionmaker(engine)
    state = {
        "settings": settings,
        "engine": engine,
        "sessionmaker": sessionmaker,
        "read_sessionmaker": make_read_sessionmaker(engine),
        "single_statement_sessionmaker": make_single_statement_sessionmaker(engine, sessionmaker),
        "token_verifier": verifier,
    }

    async def close() -> None:
        await jwks_client.aclose()
        await engine.dispose()

    return state, close


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    prefix: str,
    routers: Sequence[APIRouter],
    platform: PlatformModels,
    extra_lifespan: ExtraLifespan | None = None,
    root_routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
) -> FastAPI:
    """A FastAPI app serving `routers` under `prefix`, with `/livez`, `/healthz` and `/metrics` at the root.

    `platform` (`define_platform_models(Base)`) brings `Idempotency-Key` support on every POST and the
    `<prefix>/events` feed of the service's outbox. `root_routers` are served as they are, for paths that a
    standard fixes outside the versioned prefix (identity's `/identity/.well-known/...`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        configure_logging(settings.SERVICE, settings.LOG_LEVEL)
        threads.configure(settings.CPU_WORKERS)
        state, close = platform_state(settings)
        try:
            if extra_lifespan is None:
                settle_heap()
                yield state
            else:
                async with extra_lifespan(app, state) as extra:
                    settle_heap()
                    yield {**state, **extra}
        finally:
            await close()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics.Metrics(settings.SERVICE)
    # innermost of ours: replays and its own problems still get a request id and are counted, and an
    # unexpected error in it (the database is away) becomes a 500 problem
    app.add_middleware(IdempotencyMiddleware, model=platform.idempotency)
    install_error_handlers(app)
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
    for router in routers:
        app.include_router(router, prefix=prefix)
    app.include_router(events_router(platform, source=event_source(settings.SERVICE)), prefix=prefix)
    for router in root_routers:
        app.include_router(router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    _mount_docs(app, prefix, title)
    return app


def _mount_docs(app: FastAPI, prefix: str, title: str) -> None:
    """Swagger UI at `<prefix>/docs`, its assets served by the service itself (no CDN)."""
    assets = f"{prefix}/docs-assets"
    app.mount(assets, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{prefix}/openapi.json",
            title=f"{title}: API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )
