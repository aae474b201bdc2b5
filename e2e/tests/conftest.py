"""The whole platform as `make run` starts it: three services and the development gateway as processes on
free loopback ports, each service on a fresh database of its own (PostgreSQL when TEST_DATABASE_URL is set,
else SQLite), migrated by its own Alembic history and dropped afterwards."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from siantar_shared.testing.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "complaints", "permits")
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Platform:
    gateway_url: str
    ports: dict[str, int]
    logs: dict[str, Path]
    var_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def credentials(self) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = json.loads(
            (self.var_dir / "demo-credentials.json").read_text()
        )
        return data

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(encoding="utf-8", errors="replace")


def start(module: str, env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 - our interpreter, our modules
        [sys.executable, "-m", module, *args], env={**os.environ, **env}, stdout=handle, stderr=handle
    )


async def seed(module: str, env: dict[str, str]) -> None:
    """`python -m <service> seed`, as `make run` does (identity writes var/demo-credentials.json)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "seed",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode(errors="replace")[-2000:]


async def wait_healthy(platform: Platform) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            for process in platform.processes:
                assert process.poll() is None, f"a process died at start: {process.args!r}"
            try:
                if (await client.get(f"{platform.gateway_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the platform did not become healthy in time")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The business flows change the platform (accounts, complaints, permits, events): the other files'
    checks, some of which expect a platform as seeded, run first (a stable sort keeps every other order)."""
    items.sort(key=lambda item: item.path.name == "test_e2e_business.py")


@pytest.fixture(scope="session")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    folder = tmp_path_factory.mktemp("platform")
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    logs = {name: folder / f"{name}.log" for name in ports}
    platform = Platform(f"http://127.0.0.1:{ports['gateway']}", ports, logs, folder / "var")
    async with AsyncExitStack() as stack:
        common = {"SIANTAR_VAR_DIR": str(folder / "var"), "PYTHONUNBUFFERED": "1"}
        for name in SERVICES:
            url = await stack.enter_async_context(
                fresh_database(f"e2e_{name}", ROOT / f"svc-{name}" / "alembic.ini")
            )
            env = {
                **common,
                f"{name.upper()}_DATABASE_URL": url,
                f"{name.upper()}_PORT": str(ports[name]),
                # tokens name the issuer as the public (gateway) URL; keys come from identity directly
                f"{name.upper()}_TOKEN_ISSUER": f"{platform.gateway_url}/identity",
                f"{name.upper()}_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
                "IDENTITY_PUBLIC_URL": platform.gateway_url,
                # permits print <public URL>/permits/v1/verify/<code> in each permit's QR code
                "PERMITS_PUBLIC_URL": platform.gateway_url,
            }
            await seed(f"siantar_{name}", env)
            platform.processes.append(start(f"siantar_{name}", env, logs[name], "serve"))
        upstreams = {f"GATEWAY_UPSTREAM_SVC_{n.upper()}": f"http://127.0.0.1:{ports[n]}" for n in SERVICES}
        # the test profile: every plugin on, limits far above what the suite sends (deploy/kong/overlays/test.yml)
        kong_test = str(ROOT / "deploy" / "kong" / "kong.test.yml")
        gateway_env = {
            **common,
            **upstreams,
            "GATEWAY_PORT": str(ports["gateway"]),
            "GATEWAY_KONG_CONFIG": kong_test,
        }
        platform.processes.append(start("siantar_gateway", gateway_env, logs["gateway"]))
        try:
            await wait_healthy(platform)
            yield platform
        finally:
            for process in platform.processes:
                process.terminate()
            for process in platform.processes:
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client
