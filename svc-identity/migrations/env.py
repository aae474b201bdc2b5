"""Async Alembic environment of svc-identity (shared logic in siantar_shared.migrations)."""

from siantar_identity.config import Settings
from siantar_identity.models import Base
from siantar_shared.migrations import run_migrations

run_migrations(Base.metadata, default_url=lambda: Settings().DATABASE_URL)
