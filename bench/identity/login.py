"""The sign-in path: password grants through the whole identity app, in process, on a migrated database.

Each request runs the middleware stack, client authentication, the account look-up by keyed hash, the
throttle counters (locked rows), an Argon2id verification (m=19456 KiB, t=2, p=1: ~50-100 ms of CPU by
design, off the event loop, at most IDENTITY_CPU_WORKERS at once), the audit record, a token family, a
refresh token and an RS256 signature. It reports requests/s and p50/p99 latency at a given concurrency.
SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (a scratch database is made and dropped).

    uv run --no-sync python bench/identity/login.py [--requests 200] [--concurrency 8]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.config import Settings
from siantar_identity.main import create_app
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.testing.databases import fresh_database, is_postgres
from siantar_shared.testing.plugin import StateInjector

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = ROOT / "svc-identity" / "alembic.ini"
PASSWORD = "kopi-tubruk-di-pasar-horas"
PEOPLE = 64  # distinct citizens, signed in round-robin (one person does not sign in 8 times at once)


def phone(number: int) -> str:
    return f"+62812345{number:05d}"


async def arrange(url: str, settings: Settings) -> None:
    """`PEOPLE` citizens and the city's first-party app."""
    engine = make_engine(url, app_name="bench.identity")
    crypto = Crypto.from_settings(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            await _add(session, crypto)
            await session.commit()
    finally:
        await engine.dispose()


async def _add(session: AsyncSession, crypto: Crypto) -> None:
    password_hash = await hash_password(PASSWORD)
    for number in range(PEOPLE):
        person = Account(
            kind=AccountKind.citizen,
            status=AccountStatus.active,
            full_name="Warga Uji",
            roles=["citizen"],
            password_hash=password_hash,
        )
        contacts.set_phone(person, crypto, phone(number))
        session.add(person)
    app = ApiClient(
        client_id="siantar-warga",
        name="Siantar Warga",
        kind=ClientKind.public,
        profile=ClientProfile.citizen_app,
        first_party=True,
        grant_types=["password", "refresh_token"],
        scopes=["complaints:read", "complaints:write"],
        owner="Diskominfo",
        contact="diskominfo@pematangsiantar.go.id",
    )
    session.add(app)


async def drive(http: httpx.AsyncClient, total: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)

    async def worker() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            form = {
                "grant_type": "password",
                "client_id": "siantar-warga",
                "username": phone(number % PEOPLE),
                "password": PASSWORD,
            }
            started = time.perf_counter()
            response = await http.post("/identity/v1/oauth/token", data=form)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="password grants in total (max 5000)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (max 64)")
    parser.add_argument("--cpu-workers", type=int, default=4, help="IDENTITY_CPU_WORKERS (hashes at once)")
    args = parser.parse_args()
    total, concurrency = min(args.requests, 5000), min(args.concurrency, 64)
    if concurrency > 1 and not is_postgres():
        # SQLite transactions begin DEFERRED (siantar_shared.db): a request that reads, then writes after
        # another connection committed, fails at once with "database is locked"; see README.md
        print("SQLite: running one request at a time (set TEST_DATABASE_URL for concurrency)")
        concurrency = 1
    with tempfile.TemporaryDirectory(prefix="siantar-bench-") as var_dir:
        async with fresh_database("identity_bench_login", ALEMBIC_INI) as url:
            settings = Settings(
                _env_file=None, VAR_DIR=Path(var_dir), DATABASE_URL=url, CPU_WORKERS=args.cpu_workers,
                LOG_LEVEL="WARNING",
            )  # fmt: skip
            await arrange(url, settings)
            app = create_app(settings)
            async with app.router.lifespan_context(app) as state:
                transport = httpx.ASGITransport(app=_with_state(app, state or {}))
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                    await drive(http, min(10, total), 1)  # warm up: first key, caches
                    started = time.perf_counter()
                    latencies = await drive(http, total, concurrency)
                    elapsed = time.perf_counter() - started
    latencies.sort()
    database = url.split(":", 1)[0]
    print(f"{total} password grants, concurrency {concurrency}, {args.cpu_workers} CPU workers, {database}")
    print(f"throughput {total / elapsed:6.1f} requests/s")
    print(
        f"latency    p50 {statistics.median(latencies) * 1000:6.1f} ms   p99 {_p99(latencies) * 1000:6.1f} ms"
    )


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def _with_state(app: FastAPI, state: Mapping[str, Any]) -> StateInjector:
    """Give each request the lifespan's state, as the ASGI server would (ASGITransport runs no lifespan)."""
    return StateInjector(app, dict(state))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
