"""The textbook minimal aiohttp proxy: aiohttp's own server (`aiohttp.web`) and its client, nothing else.

The other reading of issue 7's "a minimal aiohttp-based proxy" (proxies.py's `aiohttp_app` is the faster
hybrid: aiohttp's client under uvicorn + httptools). One long-lived pooled `ClientSession`, both bodies
streamed, hop-by-hop headers dropped, on the event loop of the stack being measured (uvloop or asyncio).

    python bench/gateway/aiohttp_web_proxy.py PORT UPSTREAM STACK    (run.py starts it)
"""

import asyncio
import sys

import aiohttp
from aiohttp import web

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


def build(upstream: str) -> web.Application:
    async def start(app: web.Application) -> None:
        app["session"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(sock_connect=2, sock_read=10),
        )

    async def stop(app: web.Application) -> None:
        await app["session"].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        session: aiohttp.ClientSession = request.app["session"]
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP]
        data = request.content if request.body_exists else None
        async with session.request(
            request.method, upstream + request.rel_url.raw_path_qs, headers=headers, data=data,
            allow_redirects=False,
        ) as answer:  # fmt: skip
            response = web.StreamResponse(status=answer.status)
            for name, value in answer.headers.items():
                if name.lower() not in HOP:
                    response.headers.add(name, value)
            if answer.content_length is not None:
                response.content_length = answer.content_length
            await response.prepare(request)
            async for chunk in answer.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    app = web.Application()
    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main() -> None:
    port, upstream, stack = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if stack == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(build(upstream), host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
