"""What the services' benchmarks share (bench/complaints/run.py, bench/permits/run.py): free loopback ports, a
JWKS server for the test signing key, waiting for a started service, and its CPU use. Bench only, never tested.

The scripts put this folder on sys.path (`sys.path.insert(0, str(Path(__file__).resolve().parents[1]))`).
"""

import asyncio
import os
import socket
import subprocess
from pathlib import Path

import aiohttp
from aiohttp import web

from siantar_shared.testing.tokens import TestKeys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve_jwks(keys: TestKeys, port: int) -> web.AppRunner:
    """`GET /jwks.json` with the test key, on 127.0.0.1:`port`."""

    async def jwks(_: web.Request) -> web.Response:
        return web.json_response(keys.jwks)

    app = web.Application()
    app.router.add_get("/jwks.json", jwks)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    """Until `base`/livez answers 200 (at most 30 s); the process exiting first is an error."""
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError("the service exited")
            try:
                async with http.get(f"{base}/livez") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the service did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
