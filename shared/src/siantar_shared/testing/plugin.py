"""The pytest plugin every member's tests load (`-p siantar_shared.testing.plugin`).

A service's `tests/conftest.py` provides two fixtures, `alembic_ini` (its Path) and `app_factory` (a callable
returning the FastAPI app); this plugin then gives:

- `engine`: a database of the test session's own (PostgreSQL when `TEST_DATABASE_URL` is set, else a SQLite
  file), built by `alembic upgrade head`, dropped at the end;
- `session`: each test runs in one transaction that is rolled back; the app's commits only release SAVEPOINTs;
- `client`: an `httpx.AsyncClient` on the app, seeing the same connection; `@pytest.mark.auth(roles=...,
  scopes=..., agency=..., acr=...)` signs it in with a real RS256 token verified through a test JWKS;
- `test_keys`: mint more tokens (`test_keys.mint(roles=["officer"], agency="DLH")`).
"""

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from siantar_shared.db import make_engine
from siantar_shared.testing.databases import fresh_database, is_postgres
from siantar_shared.testing.tokens import TestKeys


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL features; skipped on SQLite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def test_keys() -> TestKeys:
    return TestKeys()


@pytest.fixture(scope="session")
async def engine(alembic_ini: Path) -> AsyncIterator[AsyncEngine]:
    service = alembic_ini.parent.name.replace("svc-", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    async with fresh_database(f"{service}_{worker}", alembic_ini) as url:
        engine = make_engine(url, app_name=f"test.{service}")
        yield engine
        await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        yield connection
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's connection: their commit() only releases a SAVEPOINT."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


class StateInjector:
    """Gives each request the state a lifespan would have yielded (ASGITransport runs no lifespan)."""

    def __init__(self, app: FastAPI, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["state"] = {**self.state, **scope.get("state", {})}
        await self.app(scope, receive, send)


@pytest.fixture
def app(app_factory: Callable[[], FastAPI]) -> FastAPI:
    return app_factory()


@pytest.fixture
async def app_state(
    app: FastAPI, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], test_keys: TestKeys
) -> AsyncIterator[dict[str, Any]]:
    async with httpx.AsyncClient(transport=test_keys.transport()) as jwks_client:
        yield {
            "settings": app.state.settings,
            "engine": engine,
            "sessionmaker": sessionmaker,
            "token_verifier": test_keys.verifier(jwks_client),
        }


@pytest.fixture
async def client(
    request: pytest.FixtureRequest,
    app: FastAPI,
    app_state: dict[str, Any],
    session: AsyncSession,
    test_keys: TestKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {}
    marker = request.node.get_closest_marker("auth")
    if marker is not None:
        headers["Authorization"] = f"Bearer {test_keys.mint(**marker.kwargs)}"
    transport = httpx.ASGITransport(app=StateInjector(app, app_state))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


async def save(session: AsyncSession, instance: Any) -> Any:
    """Add and flush: the row exists for the test and goes when the test rolls back."""
    session.add(instance)
    await session.flush()
    return instance
