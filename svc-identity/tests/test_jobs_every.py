"""`python -m siantar_identity jobs --every N`, what `make run` starts: every job runs at once, then again at each
interval, until SIGTERM ends it cleanly."""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import text

from siantar_shared.db import make_engine
from siantar_shared.testing.databases import fresh_database

DEADLINE_SECONDS = 60


async def finished_jobs(url: str) -> dict[str, str | None]:
    engine = make_engine(url, app_name="test.jobs-every")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT name, last_status FROM job_lease"))
            return {name: status for name, status in rows}
    finally:
        await engine.dispose()


async def command(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siantar_identity", *args, env=env, stdout=asyncio.subprocess.PIPE
    )


async def test_every_job_runs_and_sigterm_stops_the_loop(alembic_ini: Path, tmp_path: Path) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    async with fresh_database(f"identity_jobs_every_{worker}", alembic_ini) as url:
        env = {**os.environ, "IDENTITY_DATABASE_URL": url, "SIANTAR_VAR_DIR": str(tmp_path)}
        lister = await command(env, "jobs")
        listed, _ = await lister.communicate()
        assert lister.returncode == 0
        names = {line.split("\t")[0] for line in listed.decode().splitlines() if line}
        assert "purge-one-time-codes" in names
        loop = await command(env, "jobs", "--every", "1")
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            seen: dict[str, str | None] = {}
            while time.monotonic() < deadline:
                assert loop.returncode is None, "the loop ended early"
                seen = await finished_jobs(url)
                if set(seen) >= names and all(status == "succeeded" for status in seen.values()):
                    break
                await asyncio.sleep(0.5)
            assert set(seen) >= names
            assert set(seen.values()) == {"succeeded"}
        finally:
            loop.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(loop.wait(), 30)
        assert code == 0
