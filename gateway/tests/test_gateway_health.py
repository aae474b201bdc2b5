"""The gateway's own endpoints (/livez, /healthz), its lifespan and its settings."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_testkit import SERVICES, GatewayClientFactory

from siantar_gateway.config import DEFAULT_KONG_CONFIG, GatewaySettings
from siantar_gateway.main import create_app


class TestLivez:
    async def test_ok_without_asking_upstreams(
        self, gateway_client: GatewayClientFactory, dead_url: str
    ) -> None:
        client = await gateway_client(upstream=dict.fromkeys(SERVICES, dead_url))
        response = await client.get("/livez")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})


class TestHealthz:
    async def test_ok_when_every_upstream_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["status"] == "ok"
        assert body["upstreams"].keys() == set(SERVICES)
        for result in body["upstreams"].values():
            assert result["status"] == "ok"
            assert isinstance(result["latency_ms"], float)

    async def test_503_names_the_failed_upstream(
        self, gateway_client: GatewayClientFactory, dead_url: str
    ) -> None:
        client = await gateway_client(upstream={"svc-permits": dead_url})
        response = await client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "degraded"
        assert body["upstreams"]["svc-permits"]["status"] == "down"
        assert body["upstreams"]["svc-permits"]["detail"] == "unreachable"
        assert body["upstreams"]["svc-identity"]["status"] == "ok"


class TestLifespan:
    async def test_opens_and_closes_the_upstream_pools(self, upstreams: dict[str, str]) -> None:
        gateway = create_app(GatewaySettings(UPSTREAM=upstreams))
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: list[dict[str, Any]] = []
        answered = asyncio.Event()

        async def send(message: dict[str, Any]) -> None:
            outbox.append(message)
            answered.set()

        await inbox.put({"type": "lifespan.startup"})
        task = asyncio.create_task(gateway({"type": "lifespan"}, inbox.get, send))
        await asyncio.wait_for(answered.wait(), timeout=5)
        assert outbox == [{"type": "lifespan.startup.complete"}]
        assert all(upstream.session is not None for upstream in gateway.upstreams.values())
        await inbox.put({"type": "lifespan.shutdown"})
        await task
        assert outbox[-1] == {"type": "lifespan.shutdown.complete"}
        with pytest.raises(RuntimeError, match="not started"):
            _ = gateway.upstreams["svc-identity"].session


class TestSettings:
    def test_kong_yml_is_found_from_any_working_directory(self, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:  # fmt: skip
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("GATEWAY_KONG_CONFIG", raising=False)
        assert GatewaySettings().KONG_CONFIG == DEFAULT_KONG_CONFIG
        assert DEFAULT_KONG_CONFIG.is_file()
        assert DEFAULT_KONG_CONFIG.parent.name == "gateway"

    def test_upstream_overrides_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_UPSTREAM_SVC_IDENTITY", "http://127.0.0.1:8001")
        monkeypatch.setenv("GATEWAY_READ_TIMEOUT", "2.5")
        settings = GatewaySettings()
        assert settings.upstream_override("svc-identity") == "http://127.0.0.1:8001"
        assert settings.upstream_override("svc-permits") is None
        assert settings.READ_TIMEOUT == 2.5
        gateway = create_app(settings)
        assert gateway.upstreams["svc-identity"].service.url == "http://127.0.0.1:8001"
        assert gateway.upstreams["svc-identity"].timeouts.read == 2.5
        assert gateway.upstreams["svc-permits"].service.url == "http://svc-permits:8000"
        assert (
            gateway.upstreams["svc-permits"].timeouts.read,
            gateway.upstreams["svc-permits"].timeouts.write,
        ) == (2.5, 60.0)
