"""Async Alembic environment of svc-complaints (shared logic in siantar_shared.migrations)."""

from siantar_complaints.config import Settings
from siantar_complaints.models import Base
from siantar_shared.migrations import run_migrations

run_migrations(Base.metadata, default_url=lambda: Settings().DATABASE_URL)
