"""Fallback load generator when wrk is missing: N aiohttp connections hammering one URL for D seconds.

    python loadgen.py URL CONNECTIONS SECONDS   -> one JSON line {rps, p50_ms, p99_ms, errors}
Bounded by SECONDS; meant for loopback URLs only.
"""

import asyncio
import json
import sys
import time

import aiohttp


async def worker(session: aiohttp.ClientSession, url: str, deadline: float, latencies: list[float]) -> int:
    errors = 0
    while (start := time.perf_counter()) < deadline:
        try:
            async with session.get(url) as response:
                await response.read()
                errors += response.status >= 400
        except aiohttp.ClientError:
            errors += 1
        latencies.append(time.perf_counter() - start)
    return errors


async def run(url: str, connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        deadline = started + seconds
        errors = await asyncio.gather(
            *(worker(session, url, deadline, latencies) for _ in range(connections))
        )
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "errors": sum(errors),
    }


if __name__ == "__main__":
    target, count, duration = sys.argv[1], int(sys.argv[2]), min(float(sys.argv[3]), 60.0)
    if not target.startswith(("http://127.", "http://localhost")):
        raise SystemExit("loopback URLs only")
    print(json.dumps(asyncio.run(run(target, count, duration))))
