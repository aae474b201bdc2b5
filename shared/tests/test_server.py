"""Graceful shutdown: SIGTERM lets a request in flight finish, then the process exits cleanly."""

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            assert process.poll() is None, "the server died at start"
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the server did not start")


async def test_sigterm_finishes_request_in_flight() -> None:
    port = free_port()
    script = Path(__file__).with_name("graceful_app.py")
    process = subprocess.Popen([sys.executable, str(script), str(port)], stderr=subprocess.DEVNULL)  # noqa: S603, ASYNC220
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/livez", process)
        async with httpx.AsyncClient(timeout=10) as client:
            in_flight = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/slow"))
            await asyncio.sleep(0.4)
            process.send_signal(signal.SIGTERM)
            response = await in_flight
        assert response.status_code == 200
        assert response.json() == {"status": "finished"}
        # uvicorn re-raises the signal once shut down, so the exit status is the signal's
        assert await asyncio.to_thread(process.wait, 10) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
