"""Submissions/s and read latencies of svc-complaints beside bare baselines, at 1 and 32 clients (issue 4).

Starts a JWKS server (a test signing key) and the service with its baselines (`app.py`, uvicorn, one process)
on 127.0.0.1 against a database made by `load.py`, then drives each case for `--seconds` with aiohttp clients
and prints one line per case and a JSON summary. Writes add rows to that database.

    .tools/bin/uv run --no-sync python bench/complaints/run.py --database complaints_bench_1000000
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/harness.py
from harness import cpu_seconds, free_port, serve_jwks, wait_ready

from siantar_shared.testing.tokens import TEST_AUDIENCE, TEST_ISSUER, TestKeys

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MAX_SECONDS = 60.0
WORDS = [
    "sampah",
    "lampu",
    "banjir",
    "trotoar",
    "pasar",
    "jembatan",
    "puskesmas",
    "angkot",
    "horas",
    "selokan",
]
BOXES = [  # about 1 km x 1 km around the load's centres
    "99.064,2.955,99.073,2.964", "99.055,2.965,99.064,2.974", "99.070,2.940,99.079,2.949",
    "99.050,2.985,99.059,2.994", "99.045,2.925,99.054,2.934",
]  # fmt: skip
POINTS = [(2.9700, 99.0600), (2.9450, 99.0750), (2.9900, 99.0550), (2.9300, 99.0500)]
CATEGORIES = ["lampu-jalan", "sampah", "jalan-rusak", "drainase-banjir"]


@dataclass
class Case:
    name: str
    method: str
    requests: Callable[[], Iterator[tuple[str, dict[str, str], Any]]]  # (path, headers, json body or None)
    kind: str = "read"
    results: dict[int, dict[str, float]] = field(default_factory=dict)


def start_service(database: str, port: int, jwks_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMPLAINTS_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "COMPLAINTS_JWKS_URL": f"http://127.0.0.1:{jwks_port}/jwks.json",
        "COMPLAINTS_TOKEN_ISSUER": TEST_ISSUER,
        "COMPLAINTS_TOKEN_AUDIENCE": TEST_AUDIENCE,
        "COMPLAINTS_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "app:create_bench_app", "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT)


def cases(keys: TestKeys) -> list[Case]:
    citizen = {"Authorization": f"Bearer {keys.mint(roles=['citizen'], scopes=['complaints:write'])}"}
    officer = {"Authorization": f"Bearer {keys.mint(roles=['officer'], agency='DLH')}"}

    def same(path: str, headers: dict[str, str] | None = None) -> Callable[[], Iterator[Any]]:
        return lambda: itertools.repeat((path, headers or {}, None))

    def rotating(paths: list[str], headers: dict[str, str] | None = None) -> Callable[[], Iterator[Any]]:
        return lambda: ((p, headers or {}, None) for p in itertools.cycle(paths))

    def submissions(path: str = "/complaints/v1/complaints") -> Iterator[Any]:
        while True:
            lat, long = random.uniform(2.90, 3.00), random.uniform(99.02, 99.10)
            body = {
                "title": "Lampu jalan mati", "description": "Lampu jalan di depan rumah mati sejak kemarin malam.",
                "category": "lampu-jalan", "answers": {"masalah": "mati"}, "location": {"lat": lat, "long": long},
                "kelurahan": "12.72.05.1002",
                "channel": "app",
            }  # fmt: skip
            yield path, {**citizen, "Idempotency-Key": str(uuid.uuid4())}, body

    def inserts(path: str) -> Callable[[], Iterator[Any]]:
        return lambda: itertools.repeat((path, {}, None))

    dup_paths = [
        f"/bench/duplicates?category={c}&lat={lat}&long={long}" for c in CATEGORIES for lat, long in POINTS
    ]
    return [
        Case("raw keyset page (asyncpg)", "GET", same("/bench/raw-page")),
        Case("officer queue", "GET", same("/complaints/v1/queue", officer)),
        Case("public list", "GET", same("/complaints/v1/complaints")),
        Case("map (1 km box)", "GET", rotating([f"/complaints/v1/map?bbox={b}" for b in BOXES])),
        Case("search (1 word)", "GET", rotating([f"/complaints/v1/complaints?q={w}" for w in WORDS])),
        Case("duplicate check", "GET", rotating(dup_paths)),
        Case("raw insert (asyncpg)", "POST", inserts("/bench/raw-insert"), kind="write"),
        Case("ORM insert", "POST", inserts("/bench/orm-insert"), kind="write"),
        Case("submission (full)", "POST", submissions, kind="write"),
        Case("submission floor (no work)", "POST", lambda: submissions("/bench/accept"), kind="write"),
    ]


async def drive(base: str, case: Case, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    source = case.requests()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal errors
            while (start := time.perf_counter()) < deadline:
                path, headers, body = next(source)
                async with http.request(case.method, base + path, headers=headers, json=body) as response:
                    await response.read()
                    if response.status >= 400:
                        errors += 1
                        if errors == 1:
                            print(f"    {case.name}: HTTP {response.status} {(await response.text())[:300]}")
                latencies.append(time.perf_counter() - start)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "errors": errors,
    }


def line(name: str, clients: int, r: dict[str, float]) -> str:
    return (
        f"{name:28} clients {clients:>2}  {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
        f"p99 {r['p99_ms']:7.2f} ms  cpu {r['cpu_ms']:6.2f} ms/req  errors {int(r['errors'])}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database made by load.py")
    parser.add_argument(
        "--seconds", type=float, default=8.0, help=f"per case and concurrency (max {MAX_SECONDS})"
    )
    parser.add_argument("--clients", default="1,32", help="concurrency levels, comma-separated (max 64)")
    parser.add_argument(
        "--only",
        default="",
        help="run the cases whose name contains this text (or one of these, comma-separated)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the cases; the median is kept")
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    levels = [min(int(c), 64) for c in args.clients.split(",")]
    keys = TestKeys()
    jwks_port, port = free_port(), free_port()
    jwks = await serve_jwks(keys, jwks_port)
    process = start_service(args.database, port, jwks_port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, process)
        wanted = args.only.split(",")
        selected = [c for c in cases(keys) if any(w in c.name for w in wanted)]
        rounds: dict[tuple[str, int], list[dict[str, float]]] = {}
        for round_number in range(args.repeat):  # interleaved, so that the VM's drift hits every case alike
            for case in selected:
                await drive(base, case, 1, min(1.0, seconds))  # warm up: caches, token, plans
                for clients in levels:
                    cpu_before = cpu_seconds(process.pid)
                    r = await drive(base, case, clients, seconds)
                    # the service process's own CPU per answered request: steadier than req/s here
                    r["cpu_ms"] = round(
                        1000 * (cpu_seconds(process.pid) - cpu_before) / max(1, r["requests"]), 2
                    )
                    rounds.setdefault((case.name, clients), []).append(r)
                    print(f"{'' if args.repeat == 1 else f'[{round_number + 1}] '}{line(case.name, clients, r)}",
                          flush=True)  # fmt: skip
        for case in selected:
            for clients in levels:
                runs = sorted(rounds[(case.name, clients)], key=lambda run: run["rps"])
                case.results[clients] = runs[len(runs) // 2]  # the median round
        if args.repeat > 1:
            print("median rounds:")
            for case in selected:
                for clients in levels:
                    print(line(case.name, clients, case.results[clients]))
    finally:
        process.terminate()
        process.wait(timeout=10)
        await jwks.cleanup()
    print(json.dumps({"database": args.database, "results": {c.name: c.results for c in selected}}))


if __name__ == "__main__":
    asyncio.run(main())
