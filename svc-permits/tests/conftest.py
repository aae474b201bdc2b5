"""Fixtures of svc-permits's tests; the rest comes from the siantar_shared.testing plugin."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from siantar_permits.config import Settings
from siantar_permits.issuance.signing import build_signer
from siantar_permits.main import create_app
from siantar_shared.storage import LocalStorage

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def alembic_ini() -> Path:
    return SERVICE_DIR / "alembic.ini"


@pytest.fixture(scope="session")
def app_factory() -> Callable[[], FastAPI]:
    return lambda: create_app(Settings(_env_file=None))


@pytest.fixture
async def app_state(app_state: dict[str, Any], tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The plugin's state plus what the permits lifespan adds: storage (files under tmp_path), the signer."""
    signer = build_signer(app_state["settings"])
    yield {**app_state, "storage": LocalStorage(tmp_path / "uploads"), "signer": signer}
    await signer.aclose()
