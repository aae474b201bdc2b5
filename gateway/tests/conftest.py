"""Fixtures: real tiny upstreams (aiohttp servers on ephemeral loopback ports, in the tests' own event loop)
and gateways built on gateway/kong.yml pointing at them. The gateway keeps one aiohttp pool per upstream, so
the upstreams are real sockets rather than an httpx MockTransport (style rec 21, changed by measurement)."""

import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import yaml
from aiohttp import web
from gateway_testkit import CLIENT_ADDRESS, SERVICES, GatewayClientFactory, Handshake, upstream_app

from siantar_gateway import kongconf
from siantar_gateway.config import DEFAULT_KONG_CONFIG, GatewaySettings
from siantar_gateway.main import create_app


@pytest.fixture(scope="session")
def handshake() -> Handshake:
    return Handshake()


@pytest.fixture(scope="session")
async def upstreams(handshake: Handshake) -> AsyncIterator[dict[str, str]]:
    """One running upstream per kong.yml service: service name -> http://127.0.0.1:<port>."""
    async with AsyncExitStack() as stack:
        urls = {}
        for name in SERVICES:
            runner = web.AppRunner(upstream_app(name, handshake), shutdown_timeout=0.1)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            urls[name] = f"http://127.0.0.1:{port}"
        yield urls


@pytest.fixture(scope="session")
def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def gateway_client(upstreams: dict[str, str]) -> AsyncIterator[GatewayClientFactory]:
    """`await gateway_client(**settings)`: a client on a running gateway; upstreams default to the live ones."""
    async with AsyncExitStack() as stack:

        async def make(upstream: dict[str, str] | None = None, **settings: object) -> httpx.AsyncClient:
            config = GatewaySettings(UPSTREAM={**upstreams, **(upstream or {})}, **settings)  # type: ignore[arg-type]
            gateway = await stack.enter_async_context(create_app(config).running())
            transport = httpx.ASGITransport(app=gateway, client=CLIENT_ADDRESS)
            client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
            return await stack.enter_async_context(client)

        yield make


@pytest.fixture
async def client(gateway_client: GatewayClientFactory) -> httpx.AsyncClient:
    return await gateway_client()


@pytest.fixture(scope="session")
def roomy_kong_yml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gateway/kong.yml with a 256 MB limit on complaint photos (for timeouts on uploads far above 10 MB)."""
    document = yaml.safe_load(DEFAULT_KONG_CONFIG.read_text())
    for _, plugin in kongconf.iter_plugins(document):
        if plugin.get("instance_name") == "body-photos":
            plugin["config"]["allowed_payload_size"] = 256
    path = tmp_path_factory.mktemp("kong") / "kong.yml"
    path.write_text(yaml.safe_dump(document))
    return path
