"""Test kit of the gateway's tests: tiny real upstreams (aiohttp apps) that echo what they received.

A uniquely named module (not conftest) so that test files can import it next to other members' tests."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

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


def upstream_app(name: str, handshake: Handshake) -> web.Application:
    async def echo(request: web.Request) -> web.StreamResponse:
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
