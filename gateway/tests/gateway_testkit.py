"""Test kit of the gateway's tests: tiny real upstreams (aiohttp apps) that echo what they received.

A uniquely named module (not conftest) so that test files can import it next to other members' tests."""

import asyncio
import hashlib
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web

SERVICES = ("svc-identity", "svc-complaints", "svc-permits")
CLIENT_ADDRESS = ("203.0.113.7", 50123)
SLOW_SECONDS = 1.0
GatewayClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


class Handshake:
    """Lets a test see that the upstream got the first chunk of a body before the client sent the rest."""

    def __init__(self) -> None:
        self.first_chunk = asyncio.Event()
        self.openapi_fetches = 0


def openapi_document(service: str) -> dict[str, object]:
    """A small OpenAPI document per service: `Problem` differs between services, `Page` is the same in all."""
    prefix = service.removeprefix("svc-")
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{prefix} API", "version": "1.0"},
        "paths": {
            f"/{prefix}/v1/things": {
                "get": {"responses": {"400": {"content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}}}}
            }
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "title": f"{prefix} problem"},
            "Page": {"type": "object", "properties": {"next_cursor": {"type": "string"}}},
        }},
        "tags": [{"name": prefix}],
    }  # fmt: skip


def upstream_app(name: str, handshake: Handshake) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
        if request.path.endswith("/v1/openapi.json"):
            handshake.openapi_fetches += 1
            return web.json_response(openapi_document(name))
        if request.path.endswith("/framed"):
            return web.json_response({}, headers={"X-Frame-Options": "SAMEORIGIN"})
        if request.path.endswith("/slow"):
            await asyncio.sleep(SLOW_SECONDS)
        if request.path.endswith("/stream-response"):
            return await stream_response(request)
        digest, size = hashlib.sha256(), 0
        while chunk := await request.content.readany():
            digest.update(chunk)
            size += len(chunk)
            handshake.first_chunk.set()
        return web.json_response(
            {
                "upstream": name,
                "method": request.method,
                "path": request.raw_path.split("?")[0],
                "query": request.query_string,
                "headers": [[key.lower(), value] for key, value in request.headers.items()],
                "body_size": size,
                "body_sha256": digest.hexdigest(),
            },
            headers={"Set-Cookie": f"seen-by={name}; Path=/"},
        )

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


async def stream_response(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    for number in range(100):
        await response.write(f"line {number}\n".encode())
    await response.write_eof()
    return response


def access_lines(gateway: Any) -> list[dict[str, Any]]:
    """The access log lines a gateway (or the gateway behind a test client) has kept, written out and parsed."""
    if isinstance(gateway, httpx.AsyncClient):
        gateway = gateway._transport.app  # type: ignore[attr-defined]
    stream = io.StringIO()
    gateway.access_log.stream = stream
    gateway.flush_access_log()
    return [json.loads(line) for line in stream.getvalue().splitlines()]
