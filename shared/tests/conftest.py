"""A small service of our own to exercise the platform code over HTTP: `testsvc`, with a widget table.

shared has no migrations, so `engine` builds its throwaway database with `metadata.create_all` (a fresh
PostgreSQL database when TEST_DATABASE_URL is set, else a SQLite file); the plugin does the rest.
"""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from typing import ClassVar
from uuid import UUID, uuid4

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import MetaData, String
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from siantar_shared.app import create_service_app
from siantar_shared.auth import OptionalPrincipal
from siantar_shared.db import NAMING_CONVENTION, SessionDep, make_engine
from siantar_shared.events import emit, event_source
from siantar_shared.platform_models import PlatformModels, define_platform_models
from siantar_shared.settings import ServiceSettings
from siantar_shared.testing.databases import fresh_database

PREFIX = "/testsvc/v1"
WIDGET_CREATED = "id.go.pematangsiantar.testsvc.widget.created"


class SampleBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Widget(SampleBase):
    __tablename__ = "widget"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    name: Mapped[str] = mapped_column(String(100))


PLATFORM = define_platform_models(SampleBase)


class SampleSettings(ServiceSettings):
    SERVICE: ClassVar[str] = "testsvc"


class WidgetCreate(BaseModel):
    name: str


class WidgetRead(BaseModel):
    id: UUID
    name: str


router = APIRouter()


@router.post("/widgets", status_code=201, response_model=WidgetRead)
async def create_widget(
    body: WidgetCreate, principal: OptionalPrincipal, session: SessionDep, response: Response
) -> Widget:
    """Create a widget and emit its event."""
    widget = Widget(id=uuid4(), name=body.name)
    session.add(widget)
    data = {"name": body.name, "by": principal.subject if principal else None}
    await emit(
        session,
        PLATFORM,
        type=WIDGET_CREATED,
        subject=str(widget.id),
        data=data,
        source=event_source("testsvc"),
    )
    response.headers["Location"] = f"{PREFIX}/widgets/{widget.id}"
    response.headers["ETag"] = f'"{widget.id.hex[:8]}"'
    return widget


@router.post("/raw", status_code=201)
async def create_from_raw_body(request: Request, session: SessionDep) -> dict[str, str]:
    """Any body (multipart, form): a widget named after the body's hash."""
    widget = Widget(id=uuid4(), name=hashlib.sha256(await request.body()).hexdigest()[:16])
    session.add(widget)
    return {"id": str(widget.id)}


@router.post("/secret", status_code=201)
async def shown_once(session: SessionDep) -> JSONResponse:
    """A secret shown once: `Cache-Control: no-store`, so the answer must never be kept for a replay."""
    session.add(Widget(id=uuid4(), name="secret"))
    return JSONResponse({"secret": uuid4().hex}, status_code=201, headers={"Cache-Control": "no-store"})


@router.post("/flaky")
async def flaky(session: SessionDep) -> JSONResponse:
    """Does the work, then answers 503."""
    session.add(Widget(id=uuid4(), name="flaky"))
    return JSONResponse({"detail": "try again"}, status_code=503)


@router.post("/crash")
async def crash() -> None:
    """Raises."""
    raise RuntimeError("boom")


@router.post("/slow", status_code=201)
async def slow(request: Request, session: SessionDep) -> dict[str, str]:
    """Waits for `app.state.gate` before creating a widget."""
    await request.app.state.gate.wait()
    widget = Widget(id=uuid4(), name="slow")
    session.add(widget)
    return {"id": str(widget.id)}


def build_app() -> FastAPI:
    app = create_service_app(
        SampleSettings(),
        title="Test service",
        description="Exercises the shared platform code.",
        prefix=PREFIX,
        routers=[router],
        platform=PLATFORM,
    )
    app.state.gate = asyncio.Event()
    return app


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    async with fresh_database(f"shared_{worker}") as url:
        engine = make_engine(url, app_name="test.shared")
        async with engine.begin() as connection:
            await connection.run_sync(SampleBase.metadata.create_all)
        yield engine
        await engine.dispose()


@pytest.fixture
def app_factory() -> Callable[[], FastAPI]:
    return build_app


@pytest.fixture
def platform() -> PlatformModels:
    return PLATFORM


@pytest.fixture
def widget_model() -> type[Widget]:
    return Widget
