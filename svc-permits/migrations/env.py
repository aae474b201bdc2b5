"""Async Alembic environment of svc-permits (shared logic in siantar_shared.migrations)."""

from siantar_permits.config import Settings
from siantar_permits.models import Base
from siantar_shared.migrations import run_migrations

run_migrations(Base.metadata, default_url=lambda: Settings().DATABASE_URL)
