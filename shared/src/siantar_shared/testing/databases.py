"""Test databases built by the service's own Alembic migrations, on PostgreSQL or SQLite."""

import asyncio
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.settings import async_database_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith(("postgresql", "postgres"))


async def migrate(alembic_ini: Path, url: str, revision: str = "head", *, downgrade: bool = False) -> None:
    """`alembic upgrade` (or `downgrade`) in a worker thread (env.py runs its own event loop)."""
    config = Config(str(alembic_ini))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    await asyncio.to_thread(command.downgrade if downgrade else command.upgrade, config, revision)


@asynccontextmanager
async def fresh_database(name: str, alembic_ini: Path | None = None) -> AsyncIterator[str]:
    """A new, empty (or migrated) database of its own, dropped afterwards; yields its async URL."""
    safe = re.sub(r"[^a-z0-9_]", "_", name.lower())[:50]
    if is_postgres():
        base = make_url(async_database_url(TEST_DATABASE_URL))
        admin_dsn = base.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False
        )
        # the pid keeps two test runs on one server apart (two terminals, CI beside a developer)
        database = f"{base.database or 'siantar_test'}_{safe}"[:54] + f"_{os.getpid()}"
        await _postgres(admin_dsn, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await _postgres(admin_dsn, f'CREATE DATABASE "{database}"')
        url = base.set(database=database).render_as_string(hide_password=False)
        try:
            if alembic_ini:
                await migrate(alembic_ini, url)
            yield url
        finally:
            await _postgres(admin_dsn, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="siantar-test-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / (safe + '.db')}"
            if alembic_ini:
                await migrate(alembic_ini, url)
            yield url


async def _postgres(dsn: str, sql: str) -> None:
    try:
        connection = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {exc}") from exc
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def sessions_of_fresh_database(
    name: str, alembic_ini: Path | None = None
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a (migrated) database of its own, each on a connection of its own and committed as in
    production: for tests of two requests that truly run at once. The engine is disposed afterwards."""
    async with fresh_database(name, alembic_ini) as url:
        engine = make_engine(url, app_name=f"test.{name}"[:63])
        try:
            yield make_sessionmaker(engine)
        finally:
            await engine.dispose()
