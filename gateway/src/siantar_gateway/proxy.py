"""Forward one request to its upstream service and stream the answer back.

One long-lived `aiohttp.ClientSession` per kong.yml service, chosen by measurement (bench/gateway/README.md: at 64
connections an httpx proxy kept about 2% of the direct throughput, an aiohttp one 24-34%). Bodies stream both ways with
back-pressure; nothing is buffered whole. Hop-by-hop headers are dropped, `X-Forwarded-*` are set as Kong sets
them (the client address is appended to `X-Forwarded-For`; proto, host and port are overwritten), `Host` is the
upstream's (Kong's `preserve_host: false`) and the correlation-id plugin's header (`X-Request-ID`) carries the id
the gateway settled on.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
from starlette.types import Receive, Scope, Send
from yarl import URL

from siantar_gateway.kongconf import Match, Service, Timeouts

logger = logging.getLogger("siantar_gateway.proxy")

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection", b"te",
     b"trailer", b"transfer-encoding", b"upgrade"}
)  # fmt: skip
# set by the gateway itself (or by the client library, for host)
_REQUEST_OWN = frozenset(
    {b"host", b"expect", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
     b"x-real-ip"}
)  # fmt: skip
_RESPONSE_OWN = frozenset({b"date"})  # the ASGI server adds it
# what never passes, whatever the request (x-forwarded-for and host are read on the way, then set anew)
_REQUEST_DROPPED = HOP_BY_HOP | _REQUEST_OWN
_RESPONSE_DROPPED = HOP_BY_HOP | _RESPONSE_OWN
_NONE: frozenset[bytes] = frozenset()
RequestId = (
    tuple[bytes, str, str] | None
)  # (lower-case header name, header name, value), or no correlation-id
_PATH_SAFE = "/:@!$&'()*+,;=~"
UPSTREAM_IDLE_SECONDS = 4.0
SMALL_BODY = 64 * 1024  # bytes: a response with a Content-Length up to this is sent in one message


class UpstreamError(Exception):
    """The upstream could not be reached (502) or did not answer in time (504)."""

    def __init__(self, service: str, *, timeout: bool) -> None:
        super().__init__(f"{service}: {'timeout' if timeout else 'unreachable'}")
        self.service = service
        self.timeout = timeout


class ClientDisconnected(Exception):
    """The client went away while its request body was being forwarded."""


class BodyTooLarge(Exception):
    """A body sent without Content-Length grew past request-size-limiting's limit while being forwarded."""


class Upstream:
    """The connection pool to one kong.yml service, opened in the lifespan."""

    def __init__(self, service: Service, timeouts: Timeouts, pool_size: int) -> None:
        self.service = service
        self.timeouts = timeouts
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # the services run uvicorn, which closes idle connections after 5 s: let them go first, or a request
        # could be written on a connection the service is closing
        connector = aiohttp.TCPConnector(limit=self.pool_size, keepalive_timeout=UPSTREAM_IDLE_SECONDS)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                sock_connect=self.timeouts.connect,
                sock_read=self.timeouts.read,  # for the response head, then between body chunks
                connect=self.timeouts.connect
                + self.timeouts.read,  # also bounds the wait for a free connection
            ),
            auto_decompress=False,  # pass bytes through: Content-Encoding and Content-Length stay true
            cookie_jar=aiohttp.DummyCookieJar(),  # never keep one user's cookies for the next
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError(f"upstream {self.service.name} is not started (run the app's lifespan)")
        return self._session

    async def open(
        self, method: str, target: str, headers: list[tuple[str, str]], body: "RequestBody | None"
    ) -> aiohttp.ClientResponse:
        """Send the request head and body; return once the response head has arrived."""
        url = URL(self.service.url + target, encoded=True)
        try:
            if body is None:
                return await self.session.request(method, url, headers=headers, allow_redirects=False)
            async with asyncio.timeout(None) as deadline:
                data = body.chunks(deadline, self.timeouts.write)
                return await self.session.request(
                    method, url, headers=headers, data=data, allow_redirects=False
                )
        except TimeoutError as exc:  # aiohttp's connect/read timeouts are TimeoutErrors too
            raise UpstreamError(self.service.name, timeout=True) from exc
        except (aiohttp.ClientError, OSError, BodyTooLarge, ClientDisconnected) as exc:
            if body is not None and body.too_large:
                raise BodyTooLarge from exc
            if body is not None and body.client_gone:
                raise ClientDisconnected from exc
            raise UpstreamError(self.service.name, timeout=False) from exc

    async def probe(self, within: float) -> dict[str, object]:
        """GET <upstream>/healthz: {"status": "ok"|"down", "latency_ms": ..., "detail"?: ...}."""
        started = time.perf_counter()
        try:
            limit = aiohttp.ClientTimeout(total=within)
            async with self.session.get(self.service.url + "/healthz", timeout=limit) as response:
                await response.read()
                detail = None if response.status == 200 else f"HTTP {response.status}"
        except TimeoutError:
            detail = "timeout"
        except (aiohttp.ClientError, OSError):
            detail = "unreachable"
        result: dict[str, object] = {"status": "ok" if detail is None else "down"}
        result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result if detail is None else {**result, "detail": detail}


class RequestBody:
    """The client's body as an async iterator, with Kong's write timeout between two writes upstream.

    `limit` (bytes) is request-size-limiting's for a body sent without Content-Length: the body still streams, and
    the upload is broken off (413) as soon as it grows past the limit."""

    def __init__(self, receive: Receive, limit: int | None = None) -> None:
        self.receive = receive
        self.limit = limit
        self.client_gone = False
        self.too_large = False

    async def chunks(self, deadline: asyncio.Timeout, write_timeout: float) -> AsyncIterator[bytes]:
        loop, more, size = asyncio.get_running_loop(), True, 0
        while more:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.client_gone = True
                raise ClientDisconnected
            more = message.get("more_body", False)
            if chunk := message.get("body", b""):
                size += len(chunk)
                if self.limit is not None and size > self.limit:
                    self.too_large = True
                    raise BodyTooLarge
                _reschedule(deadline, loop.time() + write_timeout)  # armed while the upstream takes the chunk
                yield chunk
                _reschedule(deadline, None)  # a slow client is not the upstream's fault


def _reschedule(deadline: asyncio.Timeout, when: float | None) -> None:
    # the upstream may answer before the body is all sent; the deadline is over then, and the upload moot
    with contextlib.suppress(RuntimeError):
        deadline.reschedule(when)


def has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


def upstream_target(match: Match, scope: Scope, path: str) -> str:
    """The upstream path and query; the raw (still percent-encoded) path when the route keeps it as is."""
    raw_path: bytes | None = scope.get("raw_path")
    if match.keeps_path and path == scope["path"] and raw_path:
        target = raw_path.split(b"?", 1)[0].decode("latin-1")
    else:
        target = quote(match.upstream_path(path), safe=_PATH_SAFE)
    query: bytes = scope.get("query_string", b"")
    return f"{target}?{query.decode('latin-1')}" if query else target


def upstream_headers(scope: Scope, request_id: RequestId) -> list[tuple[str, str]]:
    """The client's end-to-end headers plus the request id, X-Forwarded-* and X-Real-IP."""
    headers, forwarded_for, host = [], [], ""
    raw = scope["headers"]
    dropped = _REQUEST_DROPPED
    tokens = _connection_tokens(raw)
    if tokens or request_id is not None:
        dropped = dropped | tokens | ({request_id[0]} if request_id is not None else set())
    for name, value in raw:
        if name in dropped:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"host":
                host = value.decode("latin-1")
            continue
        headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return headers + _forwarded(scope, request_id, forwarded_for, host)


def _forwarded(
    scope: Scope, request_id: RequestId, forwarded_for: list[str], host: str
) -> list[tuple[str, str]]:
    client_ip = scope["client"][0] if scope.get("client") else ""
    scheme = scope.get("scheme", "http")
    server_host, server_port = scope.get("server") or ("", None)
    headers: list[tuple[str, str]] = [] if request_id is None else [(request_id[1], request_id[2])]
    headers += [
        ("X-Forwarded-For", ", ".join([*forwarded_for, client_ip] if client_ip else forwarded_for)),
        ("X-Forwarded-Proto", scheme),
        ("X-Forwarded-Host", host or str(server_host)),
        ("X-Forwarded-Port", str(server_port or (443 if scheme == "https" else 80))),
        ("X-Real-IP", client_ip),
    ]
    return [(name, value) for name, value in headers if value]


def response_headers(
    raw: tuple[tuple[bytes, bytes], ...], own: frozenset[bytes] = frozenset()
) -> list[tuple[bytes, bytes]]:
    """The upstream's answer headers minus hop-by-hop ones and those the gateway sets itself (`own`)."""
    lowered = [(name.lower(), value) for name, value in raw]
    dropped = _RESPONSE_DROPPED
    tokens = _connection_tokens(lowered)
    if tokens or own:
        dropped = dropped | own | tokens
    return [(name, value) for name, value in lowered if name not in dropped]


def _connection_tokens(headers: Any) -> frozenset[bytes]:
    """Header names listed in `Connection:` are hop-by-hop too (RFC 9110 7.6.1)."""
    tokens = [
        part.strip().lower() for name, value in headers if name == b"connection" for part in value.split(b",")
    ]
    return frozenset(tokens) if tokens else _NONE


async def forward(upstream: Upstream, match: Match, scope: Scope, receive: Receive, send: Send, *, path: str,
                  request_id: RequestId, body: RequestBody | None,
                  own: frozenset[bytes] = frozenset()) -> int:  # fmt: skip
    """Proxy one request; raise UpstreamError before the response has started, or return its status."""
    headers = upstream_headers(scope, request_id)
    response = await upstream.open(scope["method"], upstream_target(match, scope, path), headers, body)
    try:
        start = {"type": "http.response.start", "status": response.status}
        await send({**start, "headers": response_headers(response.raw_headers, own)})
        await _stream_response(response, send, upstream.service.name)
    finally:
        response.release()
    return response.status


async def _stream_response(response: aiohttp.ClientResponse, send: Send, service: str) -> None:
    try:
        if response.content_length is not None and response.content_length <= SMALL_BODY:
            # the usual JSON answer: one body message instead of a chunk and an empty closing one (measured:
            # bench/gateway/README.md); its bytes are already in aiohttp's buffer or close behind
            await send({"type": "http.response.body", "body": await response.read()})
            return
        async for chunk in response.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        # too late for a 502/504: leave the response incomplete so the server drops the connection
        logger.warning(
            "upstream broke off the response", extra={"upstream": service, "error": type(exc).__name__}
        )
        return
    await send({"type": "http.response.body", "body": b""})
