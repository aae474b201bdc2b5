"""Fixtures of svc-identity's tests; the rest comes from the siantar_shared.testing plugin.

The app state is built by the same `build_state` as the lifespan, with a `FrozenClock` the tests can move
and the development notifier writing into a temporary outbox (`outbox` fixture).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.main import create_app
from siantar_identity.oauth.keysource import identity_verifier
from siantar_identity.state import build_state
from siantar_shared.auth import TokenVerifier

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("identity-var")


@pytest.fixture(scope="session")
def settings(var_dir: Path) -> Settings:
    return Settings(_env_file=None, VAR_DIR=var_dir)


@pytest.fixture(scope="session")
def alembic_ini() -> Path:
    return SERVICE_DIR / "alembic.ini"


@pytest.fixture(scope="session")
def app_factory(settings: Settings) -> Callable[[], FastAPI]:
    return lambda: create_app(settings)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def outbox(settings: Settings) -> Path:
    """The development notifier's folder: each message sent is a JSON file under `<channel>/`."""
    return settings.VAR_DIR / "outbox"


@pytest.fixture
async def app_state(app_state: dict[str, Any], settings: Settings, clock: FrozenClock) -> dict[str, Any]:
    """The plugin's state (engine, sessions on the test's connection, test JWKS) plus identity's own."""
    # tokens in these tests come from `test_keys.mint` (a test JWKS); identity's own signing is tested on its own
    return {
        **app_state,
        **build_state(settings, sessionmaker=app_state["sessionmaker"], clock=clock),
        "clock": clock,
        "token_verifier": app_state["token_verifier"],
    }


@pytest.fixture
def identity_tokens(
    app_state: dict[str, Any],
    settings: Settings,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> TokenVerifier:
    """Switch the test to identity's own verifier (keys from its database, its issuer), as in production, so
    that tokens from `/oauth/token` are accepted; `test_keys.mint` tokens are then refused."""
    verifier = identity_verifier(settings, sessionmaker, clock)
    app_state["token_verifier"] = verifier
    return verifier
