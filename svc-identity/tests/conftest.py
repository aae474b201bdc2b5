"""Fixtures of svc-identity's tests; the rest comes from the siantar_shared.testing plugin."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from siantar_identity.config import Settings
from siantar_identity.main import create_app

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def alembic_ini() -> Path:
    return SERVICE_DIR / "alembic.ini"


@pytest.fixture(scope="session")
def app_factory() -> Callable[[], FastAPI]:
    return lambda: create_app(Settings(_env_file=None))
