"""Two minimal streaming reverse proxies (raw ASGI), one per HTTP client, to compare the clients alone.

Each forwards every request to `BENCH_UPSTREAM` (e.g. http://127.0.0.1:18001) with a long-lived pooled
client, streams both bodies and drops hop-by-hop headers: the gateway's hot path without its routing.
Run: uvicorn --app-dir bench/gateway proxies:httpx_app  (or proxies:aiohttp_app)
"""

import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from yarl import URL

UPSTREAM = os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:18001")
HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade", b"host"}
Scope = dict[str, Any]


async def _body(receive: Any) -> AsyncIterator[bytes]:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
        if message.get("body"):
            yield message["body"]


def _has_body(scope: Scope) -> bool:
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])


def _target(scope: Scope) -> str:
    query = scope.get("query_string", b"")
    return scope.get("raw_path", scope["path"].encode()).decode() + ("?" + query.decode() if query else "")


async def _lifespan(receive: Any, send: Any, start: Any, stop: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


class HttpxProxy:
    client: httpx.AsyncClient

    async def start(self) -> None:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256, keepalive_expiry=30)
        self.client = httpx.AsyncClient(
            base_url=UPSTREAM, limits=limits, timeout=httpx.Timeout(10, connect=2)
        )

    async def stop(self) -> None:
        await self.client.aclose()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, self.start, self.stop)
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP]
        content = _body(receive) if _has_body(scope) else None
        request = self.client.build_request(scope["method"], _target(scope), headers=headers, content=content)
        response = await self.client.send(request, stream=True)
        try:
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()


class AiohttpProxy:
    session: aiohttp.ClientSession

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=30)
        self.session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(sock_connect=2, sock_read=10),
        )

    async def stop(self) -> None:
        await self.session.close()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, self.start, self.stop)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k not in HOP]
        data = _body(receive) if _has_body(scope) else None
        url = URL(UPSTREAM + _target(scope), encoded=True)
        async with self.session.request(
            scope["method"], url, headers=headers, data=data, allow_redirects=False
        ) as response:
            out = [(k.lower(), v) for k, v in response.raw_headers if k.lower() not in HOP]
            await send({"type": "http.response.start", "status": response.status, "headers": out})
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})


httpx_app = HttpxProxy()
aiohttp_app = AiohttpProxy()
