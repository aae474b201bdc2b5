"""End to end over real HTTP, through the gateway only: health, routing, request ids, errors."""

import asyncio
import uuid

import httpx
from conftest import SERVICES, Platform


class TestGatewayHealth:
    async def test_every_upstream_healthy(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert {name: status["status"] for name, status in body["upstreams"].items()} == {
            f"svc-{name}": "ok" for name in SERVICES
        }


class TestRouting:
    async def test_each_prefix_reaches_its_service(self, gateway: httpx.AsyncClient) -> None:
        for name in SERVICES:
            response = await gateway.get(f"/{name}/v1/")
            assert response.status_code == 200
            assert response.json()["service"] == f"svc-{name}"

    async def test_docs_served_through_the_gateway(self, gateway: httpx.AsyncClient) -> None:
        for name in SERVICES:
            page = await gateway.get(f"/{name}/v1/docs")
            assert page.status_code == 200
            asset = await gateway.get(f"/{name}/v1/docs-assets/swagger-ui-bundle.js")
            assert asset.status_code == 200

    async def test_service_errors_pass_through_as_problems(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/permits/v1/no-such-thing", headers={"Accept-Language": "en"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["instance"] == "/permits/v1/no-such-thing"

    async def test_unrouted_path_is_a_gateway_problem(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/nowhere")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestRequestId:
    async def test_one_id_in_gateway_and_service_logs(
        self, gateway: httpx.AsyncClient, platform: Platform
    ) -> None:
        request_id = f"e2e-{uuid.uuid4()}"
        response = await gateway.get("/complaints/v1/", headers={"X-Request-ID": request_id})
        assert response.headers["x-request-id"] == request_id
        for _ in range(50):  # logs are flushed asynchronously
            if request_id in platform.log_text("complaints") and request_id in platform.log_text("gateway"):
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the request id is missing from the gateway's or the service's log")

    async def test_insane_id_replaced(self, gateway: httpx.AsyncClient) -> None:
        response = await gateway.get("/identity/v1/", headers={"X-Request-ID": "a b\tc" * 40})
        assert response.headers["x-request-id"] != "a b\tc" * 40
        uuid.UUID(response.headers["x-request-id"])
