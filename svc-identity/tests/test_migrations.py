"""svc-identity's migrations: head matches the models, and they go down and up again cleanly."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from siantar_identity.models import Base
from siantar_shared.testing.databases import fresh_database, migrate
from siantar_shared.testing.migrations import assert_head_matches_models


async def test_head_matches_models(engine: AsyncEngine) -> None:
    await assert_head_matches_models(engine, Base.metadata)


async def test_downgrade_to_base_and_upgrade_again(alembic_ini: Path) -> None:
    async with fresh_database("identity_roundtrip", alembic_ini) as url:
        await migrate(alembic_ini, url, "base", downgrade=True)
        await migrate(alembic_ini, url, "head")
