"""The development gateway end to end: httpx -> gateway (ASGI) -> real aiohttp upstreams on loopback."""

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_testkit import CLIENT_ADDRESS, GatewayClientFactory, Handshake, access_lines

from siantar_gateway.config import GatewaySettings
from siantar_gateway.main import create_app

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def seen(echo: dict[str, Any], name: str) -> list[str]:
    """Every value the upstream saw for header `name`."""
    return [value for key, value in echo["headers"] if key == name.lower()]


def is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


class TestRouting:
    @pytest.mark.parametrize(
        ("path", "upstream"),
        [
            ("/identity/v1/.well-known/openid-configuration", "svc-identity"),
            ("/identity/v1/.well-known/jwks.json", "svc-identity"),
            ("/complaints/v1/complaints", "svc-complaints"),
            ("/open311/v2/services.json", "svc-complaints"),
            ("/permits/v1/applications", "svc-permits"),
        ],
    )
    async def test_reaches_its_upstream_with_the_full_path(self, client: httpx.AsyncClient, path: str,
                                                           upstream: str) -> None:  # fmt: skip
        response = await client.get(path, params={"page": "2"})
        assert response.status_code == 200
        echo = response.json()
        assert (echo["upstream"], echo["path"], echo["query"]) == (upstream, path, "page=2")

    async def test_method_and_encoded_path_pass_through(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/permits/v1/applications/a%2Fb")
        assert (response.json()["method"], response.json()["path"]) == (
            "DELETE",
            "/permits/v1/applications/a%2Fb",
        )

    async def test_unknown_path_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nowhere", params={"apikey": "k"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body.keys() == PROBLEM_KEYS
        assert (body["status"], body["instance"], body["title"]) == (
            404,
            "/nowhere",
            "Alamat tidak ditemukan",
        )

    async def test_problem_in_english_when_preferred(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nowhere", headers={"Accept-Language": "en-US,en;q=0.9,id;q=0.5"})
        assert response.json()["title"] == "Not found"

    async def test_upstream_cookies_are_not_kept_by_the_gateway(self, client: httpx.AsyncClient) -> None:
        first = await client.get("/permits/v1/x")
        assert first.headers["set-cookie"].startswith("seen-by=svc-permits")
        client.cookies.clear()
        assert seen((await client.get("/permits/v1/x")).json(), "cookie") == []


class TestUpstreamFailures:
    async def test_unreachable_upstream_is_a_502_problem(self, gateway_client: GatewayClientFactory,
                                                         dead_url: str) -> None:  # fmt: skip
        client = await gateway_client(upstream={"svc-permits": dead_url})
        response = await client.get("/permits/v1/applications")
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body.keys() == PROBLEM_KEYS
        assert body["title"] == "Layanan tujuan tidak dapat dihubungi"
        assert "svc-permits" in body["detail"]
        assert is_uuid4(response.headers["x-request-id"])

    async def test_slow_upstream_is_a_504_problem(self, gateway_client: GatewayClientFactory) -> None:
        client = await gateway_client(READ_TIMEOUT=0.2)
        response = await client.get("/complaints/v1/slow", headers={"Accept-Language": "en"})
        assert response.status_code == 504
        body = response.json()
        assert (body["status"], body["title"]) == (504, "The upstream service timed out")
        assert body["instance"] == "/complaints/v1/slow"

    async def test_upstream_not_taking_the_upload_is_a_504(
        self, gateway_client: GatewayClientFactory, roomy_kong_yml: Path
    ) -> None:
        client = await gateway_client(WRITE_TIMEOUT=0.2, KONG_CONFIG=roomy_kong_yml)
        response = await client.post(
            "/complaints/v1/complaints/7/photos/slow", content=chunks(64 * 1024 * 1024)
        )
        assert response.status_code == 504


class TestRequestId:
    async def test_generated_echoed_and_forwarded(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/complaints/v1/x")
        request_id = response.headers["x-request-id"]
        assert is_uuid4(request_id)
        assert seen(response.json(), "x-request-id") == [request_id]

    async def test_a_sane_one_is_kept(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/complaints/v1/x", headers={"X-Request-ID": "kong-abc.123:9"})
        assert response.headers["x-request-id"] == "kong-abc.123:9"
        assert seen(response.json(), "x-request-id") == ["kong-abc.123:9"]

    @pytest.mark.parametrize("bad", ["x" * 129, "two words", "line\nbreak", "semi;colon", ""])
    async def test_a_malicious_one_is_replaced(self, client: httpx.AsyncClient, bad: str) -> None:
        response = await client.get("/complaints/v1/x", headers=[("X-Request-ID", bad)])
        request_id = response.headers["x-request-id"]
        assert is_uuid4(request_id)
        assert seen(response.json(), "x-request-id") == [request_id]


class TestHeaders:
    async def test_x_forwarded(self, client: httpx.AsyncClient) -> None:
        headers = {
            "X-Forwarded-For": "198.51.100.1",
            "X-Forwarded-Host": "evil.example",
            "Host": "api.siantar.test",
        }
        echo = (await client.get("https://api.siantar.test/complaints/v1/x", headers=headers)).json()
        assert seen(echo, "x-forwarded-for") == [f"198.51.100.1, {CLIENT_ADDRESS[0]}"]
        assert seen(echo, "x-forwarded-proto") == ["https"]
        assert seen(echo, "x-forwarded-host") == ["api.siantar.test"]
        assert seen(echo, "x-forwarded-port") == ["443"]
        assert seen(echo, "x-real-ip") == [CLIENT_ADDRESS[0]]
        assert seen(echo, "host")[0].startswith("127.0.0.1:")  # preserve_host: false

    async def test_hop_by_hop_headers_are_dropped(self, client: httpx.AsyncClient) -> None:
        headers = {"Connection": "keep-alive, X-Private-Hop", "X-Private-Hop": "1", "Keep-Alive": "timeout=5",
                   "TE": "trailers", "Proxy-Authorization": "Basic eA==", "Authorization": "Bearer t"}  # fmt: skip
        echo = (await client.get("/complaints/v1/x", headers=headers)).json()
        names = {name for name, _ in echo["headers"]}
        assert names.isdisjoint({"x-private-hop", "keep-alive", "te", "proxy-authorization"})
        assert seen(echo, "authorization") == ["Bearer t"]

    async def test_no_headers_are_invented(self, client: httpx.AsyncClient) -> None:
        echo = (await client.get("/complaints/v1/x", headers={"User-Agent": "siantar-test"})).json()
        assert seen(echo, "user-agent") == ["siantar-test"]
        assert seen(echo, "content-type") == []


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield bytes([start // size % 251]) * min(size, total - start)


class TestStreaming:
    async def test_an_upload_of_a_few_megabytes_passes_intact(self, client: httpx.AsyncClient) -> None:
        body = b"".join([chunk async for chunk in chunks(5 * 1024 * 1024)])
        response = await client.post("/complaints/v1/complaints/7/photos", content=chunks(len(body)))
        echo = response.json()
        assert (echo["body_size"], echo["body_sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
        assert seen(echo, "transfer-encoding") == ["chunked"]

    async def test_content_length_is_kept(self, client: httpx.AsyncClient) -> None:
        body = b"x" * 3_000_000
        echo = (await client.put("/permits/v1/applications/1/documents", content=body)).json()
        assert (echo["body_size"], seen(echo, "content-length")) == (len(body), [str(len(body))])

    async def test_the_upload_is_streamed_not_buffered(
        self, client: httpx.AsyncClient, handshake: Handshake
    ) -> None:
        handshake.first_chunk.clear()

        async def waits_for_the_upstream() -> AsyncIterator[bytes]:
            yield b"first chunk;"
            await asyncio.wait_for(handshake.first_chunk.wait(), timeout=5)  # deadlocks if buffered
            yield b"second chunk"

        echo = (
            await client.post("/complaints/v1/complaints/7/photos", content=waits_for_the_upstream())
        ).json()
        assert echo["body_size"] == len(b"first chunk;second chunk")

    async def test_a_streamed_response_passes_intact(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/open311/v2/stream-response")
        assert response.text == "".join(f"line {number}\n" for number in range(100))


class TestClientLeaving:
    async def test_mid_upload_is_logged_as_499(self, upstreams: dict[str, str],
                                               ) -> None:  # fmt: skip
        messages = iter(
            [{"type": "http.request", "body": b"x" * 1000, "more_body": True}, {"type": "http.disconnect"}]
        )
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return next(messages)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/complaints/v1/photos", "raw_path": b"/complaints/v1/photos",
                 "query_string": b"", "headers": [(b"content-length", b"100000")], "scheme": "http",
                 "client": CLIENT_ADDRESS, "server": ("gateway.test", 80)}  # fmt: skip
        async with create_app(GatewaySettings(UPSTREAM=upstreams)).running() as gateway:
            await gateway(scope, receive, send)
        assert sent == []
        [line] = access_lines(gateway)
        assert line["status"] == 499


class TestLogging:
    async def test_access_log_has_no_query_string(self, client: httpx.AsyncClient) -> None:
        await client.get("/complaints/v1/x", params={"apikey": "secret-key"})
        [line] = access_lines(client)
        assert (line["path"], line["status"], line["route"]) == ("/complaints/v1/x", 200, "complaints")
        assert "secret-key" not in json.dumps(line)

    async def test_access_log_off(self, gateway_client: GatewayClientFactory) -> None:
        client = await gateway_client(ACCESS_LOG=False)
        await client.get("/complaints/v1/x")
        assert client._transport.app.access_log is None  # type: ignore[attr-defined]


async def test_access_log_line_carries_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/complaints/v1/x", headers={"X-Request-ID": "log-me-42"})
    assert response.headers["x-request-id"] == "log-me-42"
    [line] = access_lines(client)
    assert line["request_id"] == "log-me-42"
