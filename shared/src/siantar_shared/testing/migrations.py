"""The check every service runs: its Alembic head matches its models (no pending autogenerate diff)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from siantar_shared.migrations import include_modelled, render_item


def pending_changes(engine_connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        engine_connection,
        opts={
            "compare_type": True,
            "render_item": render_item,
            "target_metadata": metadata,
            "include_name": include_modelled(metadata),
        },
    )
    return list(compare_metadata(context, metadata))


async def assert_head_matches_models(engine: AsyncEngine, metadata: MetaData) -> None:
    """Fail with the list of differences if the migrated schema differs from the models."""
    async with engine.connect() as connection:
        diff = await connection.run_sync(pending_changes, metadata)
    assert diff == [], f"models and migrations differ; run `make revision-<service>`: {diff}"
