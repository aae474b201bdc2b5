"""Fixtures of svc-complaints's tests; the rest comes from the siantar_shared.testing plugin.

svc-identity is an external service here: its agency list is served by `FakeIdentity` through an
`httpx.MockTransport`, on the same `AgencyDirectory` (and the same shared `make_client`) the app uses.
"""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fakes_identity import FakeIdentity
from fastapi import FastAPI

from siantar_complaints.config import Settings
from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.identity.services import IdentityServices
from siantar_complaints.main import create_app
from siantar_shared.http import make_client
from siantar_shared.service_token import ServiceTokenSource
from siantar_shared.storage import LocalStorage
from siantar_shared.testing.tokens import TestKeys

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def alembic_ini() -> Path:
    return SERVICE_DIR / "alembic.ini"


@pytest.fixture(scope="session")
def app_factory() -> Callable[[], FastAPI]:
    return lambda: create_app(Settings(_env_file=None))


@pytest.fixture
def identity() -> FakeIdentity:
    return FakeIdentity()


@pytest.fixture
async def agency_directory(identity: FakeIdentity) -> AsyncIterator[AgencyDirectory]:
    async with make_client("http://identity.test", transport=identity.transport()) as client:
        yield AgencyDirectory(client, clock=identity.clock)


@pytest.fixture
async def identity_services(identity: FakeIdentity) -> AsyncIterator[IdentityServices]:
    async with make_client("http://identity.test", transport=identity.transport()) as client:
        tokens = ServiceTokenSource(client, client_id="svc-complaints", secret=lambda: "test-secret")
        yield IdentityServices(tokens, clock=identity.clock)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


@pytest.fixture
def app_state(
    app_state: dict[str, Any],
    agency_directory: AgencyDirectory,
    identity_services: IdentityServices,
    storage: LocalStorage,
) -> dict[str, Any]:
    """The plugin's state (engine, sessions on the test's connection, test JWKS) plus identity's parts and
    local file storage in the test's own folder."""
    return {
        **app_state,
        "agency_directory": agency_directory,
        "identity_services": identity_services,
        "storage": storage,
    }


@pytest.fixture
def admin(test_keys: TestKeys) -> dict[str, str]:
    """Headers of a signed-in admin."""
    return {"Authorization": f"Bearer {test_keys.mint(roles=['admin'])}"}
