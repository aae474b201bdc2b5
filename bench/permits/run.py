"""p50/p99 of svc-permits's reads at 32 concurrent clients on the database `load.py` made (issue 6):
an applicant's own list, an officer's queue (DPMPTSP, one state) and the public verification of a permit.

Starts a JWKS server (a test signing key) and the service (uvicorn, one process) on 127.0.0.1, drives each
case for `--seconds` with aiohttp clients, and prints one line per case and a JSON summary.

    .tools/bin/uv run --no-sync python bench/permits/run.py --database permits_bench
"""

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from load import CODES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/harness.py
from harness import free_port, serve_jwks, wait_ready

from siantar_shared.testing.tokens import TEST_AUDIENCE, TEST_ISSUER, TestKeys

ROOT = Path(__file__).resolve().parents[2]
MAX_SECONDS = 60.0


def start_service(database: str, port: int, jwks_port: int, signing_key: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PERMITS_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "PERMITS_JWKS_URL": f"http://127.0.0.1:{jwks_port}/jwks.json",
        "PERMITS_TOKEN_ISSUER": TEST_ISSUER,
        "PERMITS_TOKEN_AUDIENCE": TEST_AUDIENCE,
        "PERMITS_LOG_LEVEL": "WARNING",
        "PERMITS_SIGNING_KEY": signing_key,
        "PERMITS_DB_POOL_SIZE": "16",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "siantar_permits.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT)


def cases(keys: TestKeys) -> dict[str, Iterator[tuple[str, dict[str, str]]]]:
    data = json.loads(CODES.read_text())
    applicants = [
        {"Authorization": f"Bearer {keys.mint(subject=a, roles=['citizen'], acr=2, lifetime=3600)}"}
        for a in data["applicants"][:200]
    ]
    officer = {
        "Authorization": f"Bearer {keys.mint(roles=['officer'], agency='DPMPTSP', acr=2, lifetime=3600)}"
    }
    return {
        "applicant list (own, 5 of 100k)": (
            (("/permits/v1/applications", h)) for h in itertools.cycle(applicants)
        ),
        "officer queue (state=verification, 50)": itertools.repeat(
            ("/permits/v1/applications?state=verification", officer)
        ),
        "public verification (JSON, signature checked)": (
            (f"/permits/v1/verify/{c}", {"Accept": "application/json"})
            for c in itertools.cycle(data["codes"])
        ),
    }


async def drive(
    base: str, requests: Iterator[tuple[str, dict[str, str]]], clients: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                path, headers = next(requests)
                started = time.perf_counter()
                async with http.get(base + path, headers=headers) as response:
                    await response.read()
                    errors += response.status != 200
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(clients)))
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "errors": errors,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="permits_bench")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--signing-key", default="YmVuY2gtc2lnbmluZy1zZWVkLTMyLWJ5dGVzLWxvbmc=")
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    keys = TestKeys()
    jwks_port, port = free_port(), free_port()
    jwks = await serve_jwks(keys, jwks_port)
    process = start_service(args.database, port, jwks_port, args.signing_key)
    base = f"http://127.0.0.1:{port}"
    summary = {}
    try:
        await wait_ready(base, process)
        for name, requests in cases(keys).items():
            await drive(base, requests, args.clients, 1.0)  # warm-up: token cache, pool, plans
            result = await drive(base, requests, args.clients, seconds)
            summary[name] = result
            print(
                f"{name:48s} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms  errors {int(result['errors'])}"
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
        await jwks.cleanup()
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
