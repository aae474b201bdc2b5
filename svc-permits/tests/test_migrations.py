"""svc-permits's migrations: head matches the models, and they go down and up again cleanly."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from siantar_permits.models import Base
from siantar_permits.personal import key_ring
from siantar_shared.db import make_engine
from siantar_shared.testing.databases import fresh_database, migrate
from siantar_shared.testing.migrations import assert_head_matches_models


async def test_head_matches_models(engine: AsyncEngine) -> None:
    await assert_head_matches_models(engine, Base.metadata)


async def test_downgrade_to_base_and_upgrade_again(alembic_ini: Path) -> None:
    async with fresh_database("permits_roundtrip", alembic_ini) as url:
        await migrate(alembic_ini, url, "base", downgrade=True)
        await migrate(alembic_ini, url, "head")


async def test_sealing_migration_converts_existing_rows_and_back(alembic_ini: Path) -> None:
    """Applications filed before personal data was sealed are encrypted by the upgrade, decrypted by the downgrade."""
    before = "20e147b1bd83"
    now = datetime.now(UTC)
    type_version_id, application_id = uuid.uuid4(), uuid.uuid4()

    def stamped() -> tuple[sa.ColumnClause[Any], ...]:
        return sa.column("created_at", sa.DateTime(timezone=True)), sa.column("id", sa.Uuid())

    permit_type = sa.table(
        "permit_type", *(sa.column(c) for c in ("code", "active", "definition", "version")), *stamped()
    )
    permit_type_version = sa.table(
        "permit_type_version",
        *(sa.column(c) for c in ("type_code", "number", "active", "definition", "reason")),
        *stamped(),
    )
    application = sa.table(
        "application",
        sa.column("id", sa.Uuid()),
        sa.column("reference"),
        sa.column("type_code"),
        sa.column("type_version_id", sa.Uuid()),
        sa.column("type_version"),
        sa.column("applicant_name", sa.String()),
        sa.column("form", sa.JSON()),
        sa.column("state"),
        sa.column("approval_level"),
        sa.column("deemed_approved"),
        sa.column("sla_pauses", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    async with fresh_database("permits_sealing", alembic_ini) as url:
        await migrate(alembic_ini, url, before, downgrade=True)
        engine = make_engine(url, app_name="test.permits.sealing")
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    sa.insert(permit_type).values(
                        code="t", active=True, definition="{}", version=1, created_at=now, id=uuid.uuid4()
                    )
                )
                await connection.execute(
                    sa.insert(permit_type_version).values(
                        type_code="t",
                        number=1,
                        active=True,
                        definition="{}",
                        reason="r",
                        created_at=now,
                        id=type_version_id,
                    )
                )
                await connection.execute(
                    sa.insert(application).values(
                        id=application_id,
                        reference="REG-1",
                        type_code="t",
                        type_version_id=type_version_id,
                        type_version=1,
                        applicant_name="Rina Siregar",
                        form={"alamat": "Jl. Sutomo 1"},
                        state="draft",
                        approval_level=0,
                        deemed_approved=False,
                        sla_pauses=[],
                        created_at=now,
                    )
                )
            await migrate(alembic_ini, url, "head")
            async with engine.connect() as connection:
                raw = (
                    await connection.execute(sa.text("SELECT applicant_name, form FROM application"))
                ).one()
            ring = key_ring()
            assert b"Rina" not in bytes(raw.applicant_name)
            assert b"Sutomo" not in bytes(raw.form)
            assert (
                ring.decrypt(bytes(raw.applicant_name), context="application.applicant_name")
                == "Rina Siregar"
            )
            assert ring.decrypt(bytes(raw.form), context="application.form") == '{"alamat": "Jl. Sutomo 1"}'
            await migrate(alembic_ini, url, before, downgrade=True)
            async with engine.connect() as connection:
                plain = (
                    await connection.execute(sa.select(application.c.applicant_name, application.c.form))
                ).one()
            assert plain.applicant_name == "Rina Siregar"
            assert plain.form == {"alamat": "Jl. Sutomo 1"}
        finally:
            await engine.dispose()
