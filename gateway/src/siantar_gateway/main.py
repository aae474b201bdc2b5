"""The development gateway: a plain ASGI app that routes by kong.yml and enforces its plugins, as production Kong does.

No web framework on the hot path (one route lookup, the route's plugin chain, a streaming proxy). The gateway
answers `GET /livez`, `/healthz`, `/metrics` (its own Prometheus metrics; Kong's prometheus plugin is left to
Kong), `/openapi.json` (all services' documents merged) and `/docs` itself; every other request goes through the
plugins of the route kong.yml gives it (see siantar_gateway.plugins), then to its upstream, or gets a 404. Its
own errors are problem+json, and Open311's error shape under `/open311/v2`, where double slashes are merged.
Run it with `python -m siantar_gateway`, or with uvicorn:
`uvicorn --factory siantar_gateway.main:create_app --no-access-log --no-proxy-headers --no-server-header`.
"""

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import Message, Receive, Scope, Send

from siantar_gateway import accesslog, kongconf
from siantar_gateway.config import GatewaySettings, upstream_key
from siantar_gateway.health import health_report
from siantar_gateway.kongconf import KongConfig, Match, Service, Timeouts
from siantar_gateway.openapi import DOCS_CSP, DOCS_HTML, Aggregator, Assets
from siantar_gateway.plugins import Chain, build_chains
from siantar_gateway.proxy import (
    BodyTooLarge,
    ClientDisconnected,
    RequestBody,
    RequestId,
    Upstream,
    UpstreamError,
    forward,
    has_body,
)
from siantar_gateway.responses import (
    LENGTH_REQUIRED,
    NO_ROUTE,
    RATE_LIMITED,
    TIMED_OUT,
    TOO_LARGE,
    UNREACHABLE,
    Headers,
    is_open311,
    send_bytes,
    send_error,
    send_json,
)
from siantar_shared.heap import settle_heap
from siantar_shared.logging import configure_logging
from siantar_shared.metrics import Metrics
from siantar_shared.requestid import request_id_var, sanitize_request_id

logger = logging.getLogger("siantar_gateway")
ACCESS_LOG_FLUSH_SECONDS = 0.25
CLIENT_CLOSED = 499  # nginx's code for "the client went away first", used in the access log only
NO_STORE = (b"cache-control", b"no-store")
OWN_PATHS = frozenset({"/livez", "/healthz", "/metrics", "/openapi.json", "/docs"})
ASSETS_PREFIX = "/docs-assets/"


class Gateway:
    """ASGI app: lifespan (opens one pool per upstream), its own endpoints, and the plugin chain + proxy."""

    def __init__(self, settings: GatewaySettings, config: KongConfig) -> None:
        self.settings = settings
        self.config = config
        self.chains = build_chains(config)  # refuses plugins it does not know, before anything starts
        self.upstreams = {
            service.name: Upstream(service, _timeouts(service, settings), settings.POOL_SIZE)
            for service in config.services
        }
        self.metrics = Metrics("gateway")
        self.access_log = accesslog.AccessLog("gateway") if settings.ACCESS_LOG else None
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}  # labelled metrics, looked up once
        self.openapi = Aggregator(
            list(self.upstreams.values()), settings.OPENAPI_TTL, settings.HEALTH_TIMEOUT
        )
        self.assets = Assets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._serve(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:  # websocket: no kong.yml route speaks ws/wss
            await receive()
            await send({"type": "websocket.close", "code": 1008})

    @asynccontextmanager
    async def running(self) -> AsyncIterator["Gateway"]:
        """Open the upstream pools, and close them on exit (tests use this; servers run the lifespan)."""
        async with AsyncExitStack() as stack:
            for upstream in self.upstreams.values():
                await upstream.start()
                stack.push_async_callback(upstream.close)
            yield self

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        configure_logging("gateway", self.settings.LOG_LEVEL)
        self._log_startup()
        stack = AsyncExitStack()
        try:
            await stack.enter_async_context(self.running())
        except Exception as exc:  # noqa: BLE001 - the server must hear of any startup failure
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            return
        flusher = (
            asyncio.create_task(self.access_log.flush_periodically(ACCESS_LOG_FLUSH_SECONDS))
            if self.access_log is not None
            else None
        )
        settle_heap()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        if flusher is not None:
            flusher.cancel()
        await stack.aclose()
        self.flush_access_log()
        await send({"type": "lifespan.shutdown.complete"})

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path = kongconf.normalize_path(scope["path"])
        if "//" in path and is_open311(merged := kongconf.merge_slashes(path)):
            path = merged
        method = scope["method"]
        own = method in ("GET", "HEAD") and (path in OWN_PATHS or path.startswith(ASSETS_PREFIX))
        match = None if own else self.config.match(method, path)
        chain = self.chains.of(match.route if match else None)
        request_id = _request_id(chain, scope)
        token = request_id_var.set(request_id[2] if request_id else None)
        try:
            if own:
                status = await self._own(scope, send, path, _wrap(send, chain, request_id, []))
            else:
                status = await self._dispatch(scope, receive, send, path, match, chain, request_id)
            route = match.route.name if match else ("<own>" if own else "<unmatched>")
            elapsed = time.perf_counter() - started
            self._record(method, route, status, request_id[2] if request_id else None, scope["path"], elapsed)
        finally:
            request_id_var.reset(token)  # after the access log line, which carries the id

    def flush_access_log(self) -> None:
        if self.access_log is not None:
            self.access_log.flush()

    def _record(self, method: str, route: str, status: int, request_id: str | None, path: str,
                elapsed: float) -> None:  # fmt: skip
        label = method if method in _METHODS else "OTHER"
        key = (label, route, status)
        children = self._children.get(key)
        if children is None:  # a bounded set: known methods x kong.yml routes x statuses
            children = self._children[key] = (
                self.metrics.requests.labels(label, route, str(status)),
                self.metrics.latency.labels(label, route),
            )
        children[0].inc()
        children[1].observe(elapsed)
        if self.access_log is not None:  # the path, never the query string: it may carry an api key
            self.access_log.add(request_id, method, path, status, None if route.startswith("<") else route,
                                round(elapsed * 1000, 1))  # fmt: skip

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, path: str, match: Match | None,
                        chain: Chain, request_id: RequestId) -> int:  # fmt: skip
        """The route's plugins in Kong's order (cors, request-size-limiting, rate-limiting), then the proxy."""
        added: list[tuple[bytes, bytes]] = []
        origin = _header(scope, b"origin")
        if (
            chain.cors is not None
            and match is not None
            and _is_preflight(scope, origin, chain.cors.preflight_continue)
        ):
            headers = chain.cors.preflight_headers(
                origin,
                _header(scope, b"access-control-request-headers"),
                _header(scope, b"access-control-request-private-network") == "true",
            )
            await send_bytes(_wrap(send, chain, request_id, headers), 200, b"", "text/plain; charset=utf-8")
            return 200
        if chain.cors is not None:
            added += chain.cors.actual_headers(origin)
        out = _wrap(send, chain, request_id, added)
        if match is None:
            await send_error(out, scope, path, 404, NO_ROUTE)
            return 404
        body: RequestBody | None = RequestBody(receive) if has_body(scope) else None
        if chain.size_limit is not None and body is not None:
            refused = await self._check_size(scope, receive, chain, out, path)
            if isinstance(refused, int):
                return refused
            body = refused
        if chain.rate_limit is not None:
            verdict = chain.rate_limit.check(scope["client"][0] if scope.get("client") else "")
            added += verdict.headers
            if verdict.retry_after is not None:
                retry = str(verdict.retry_after)
                await send_error(out, scope, path, verdict.status, RATE_LIMITED, retry_after=retry)
                return verdict.status
        upstream = self.upstreams[match.service.name]
        own_headers = (
            frozenset({request_id[0]})
            if request_id and chain.correlation_id and chain.correlation_id.echo_downstream
            else frozenset()
        )
        try:
            return await forward(upstream, match, scope, receive, out, path=path, request_id=request_id, body=body,
                                 own=own_headers)  # fmt: skip
        except UpstreamError as exc:
            status = 504 if exc.timeout else 502
            problem = TIMED_OUT if exc.timeout else UNREACHABLE
            await send_error(out, scope, path, status, problem, service=exc.service)
            logger.warning("upstream failed", extra={"upstream": exc.service, "timeout": exc.timeout})
            return status
        except ClientDisconnected:
            return CLIENT_CLOSED
        except BodyTooLarge:
            allowed = str(chain.size_limit.allowed_bytes if chain.size_limit else 0)
            await send_error(
                out, scope, path, 413, TOO_LARGE, headers=[(b"connection", b"close")], limit=allowed
            )
            return 413

    async def _check_size(self, scope: Scope, receive: Receive, chain: Chain, out: Send,
                          path: str) -> int | RequestBody:  # fmt: skip
        """Kong's request-size-limiting: refused by Content-Length up front; a body without one streams with the
        limit enforced on the way (Kong reads such a body whole first; the answer is the same 413)."""
        assert chain.size_limit is not None
        allowed = chain.size_limit.allowed_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit():
            if int(declared) <= allowed:
                return RequestBody(receive)
            expects = (_header(scope, b"expect") or "").strip().lower() == "100-continue"
            status = 417 if expects else 413
            await send_error(out, scope, path, status, TOO_LARGE, headers=[(b"connection", b"close")],
                             limit=str(allowed))  # fmt: skip
            return status
        if chain.size_limit.require_content_length:
            await send_error(out, scope, path, 411, LENGTH_REQUIRED)
            return 411
        return RequestBody(receive, limit=allowed)

    async def _own(self, scope: Scope, send: Send, path: str, out: Send) -> int:
        if path == "/livez":
            await send_json(out, 200, {"status": "ok"}, headers=[NO_STORE])
            return 200
        if path == "/healthz":
            status, report = await health_report(self.upstreams.values(), self.settings.HEALTH_TIMEOUT)
            await send_json(out, status, report, headers=[NO_STORE])
            return status
        if path == "/metrics":
            await send_bytes(
                out, 200, generate_latest(self.metrics.registry), CONTENT_TYPE_LATEST, [NO_STORE]
            )
            return 200
        if path == "/openapi.json":
            await send_bytes(out, 200, await self.openapi.document(), "application/json", [NO_STORE])
            return 200
        csp = [(b"content-security-policy", DOCS_CSP)]
        if path == "/docs":
            await send_bytes(out, 200, DOCS_HTML, "text/html; charset=utf-8", csp)
            return 200
        asset = self.assets.get(path.removeprefix(ASSETS_PREFIX))
        if asset is None:
            await send_error(out, scope, path, 404, NO_ROUTE)
            return 404
        await send_bytes(out, 200, asset[0], asset[1], [*csp, (b"cache-control", b"public, max-age=3600")])
        return 200

    def _log_startup(self) -> None:
        for upstream in self.upstreams.values():
            logger.info("upstream", extra={"upstream": upstream.service.name, "url": upstream.service.url})
        known = {upstream_key(name) for name in self.upstreams}
        for key in sorted(set(self.settings.UPSTREAM) - known):
            logger.warning("GATEWAY_UPSTREAM_%s names no kong.yml service", key.upper())
        for plugin in self.chains.left_to_kong:
            logger.info("plugin %s is left to Kong (not enforced by the development gateway)", plugin.label)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_preflight(scope: Scope, origin: str | None, preflight_continue: bool) -> bool:
    """Kong's cors answers OPTIONS itself only when it is a real preflight (Origin + Access-Control-Request-Method)."""
    if scope["method"] != "OPTIONS" or origin is None or preflight_continue:
        return False
    return _header(scope, b"access-control-request-method") is not None


def _request_id(chain: Chain, scope: Scope) -> RequestId:
    """correlation-id: the client's id when it is sane (it reaches logs and headers), else a new UUID4."""
    plugin = chain.correlation_id
    if plugin is None:
        return None
    incoming = None
    for name, value in scope["headers"]:
        if name == plugin.header:
            incoming = sanitize_request_id(value.decode("latin-1"))
            break
    return plugin.header, plugin.header_name, incoming or _uuid4()


class _RandomIds:
    """Version 4 UUIDs as text, as `str(uuid.uuid4())` gives them, from os.urandom read 4 KiB at a time.

    The gateway makes one per request; building a `uuid.UUID` and a system call per id cost a few percent of a
    proxied request's CPU (bench/gateway/README.md). The bytes are the same kernel randomness, only read in bulk."""

    SIZE = 4096

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def __call__(self) -> str:
        if self._at + 16 > len(self._pool):
            self._pool, self._at = os.urandom(self.SIZE), 0
        raw = bytearray(self._pool[self._at : self._at + 16])
        self._at += 16
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_uuid4 = _RandomIds()


def _wrap(send: Send, chain: Chain, request_id: RequestId, added: list[tuple[bytes, bytes]]) -> Send:
    """`send` with the plugins' response headers: the echoed request id, CORS and rate-limit headers (set, even
    over the upstream's), then response-transformer's (only where the answer has none of that name)."""
    echo = (
        request_id is not None and chain.correlation_id is not None and chain.correlation_id.echo_downstream
    )
    transformer = chain.transformer
    if not echo and not added and transformer is None:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra: Headers = (
                [*added, (request_id[0], request_id[2].encode())] if echo and request_id else added
            )
            names = {name for name, _ in extra}
            headers = [(name, value) for name, value in message["headers"] if name not in names]
            headers += extra
            if transformer is not None:
                transformer.apply(headers)
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def _timeouts(service: Service, settings: GatewaySettings) -> Timeouts:
    own = service.timeouts
    return Timeouts(
        connect=settings.CONNECT_TIMEOUT or own.connect,
        write=settings.WRITE_TIMEOUT or own.write,
        read=settings.READ_TIMEOUT or own.read,
    )


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    """Build the gateway from settings (the environment by default) and the kong.yml they name."""
    settings = settings or GatewaySettings()
    return Gateway(settings, kongconf.load(settings.KONG_CONFIG, settings.upstream_override))


def main() -> None:
    """Serve the gateway with uvicorn on GATEWAY_HOST:GATEWAY_PORT (127.0.0.1:8000)."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.LOG_LEVEL)
    try:
        app = create_app(settings)
    except kongconf.KongConfigError as exc:
        logger.error("refusing to start: %s is not usable", settings.KONG_CONFIG)
        for problem in exc.problems:
            logger.error("  %s", problem)
        raise SystemExit(f"siantar_gateway: {exc}") from None
    uvicorn.run(
        app,
        host=settings.HOST,
        port=settings.PORT,
        log_config=None,  # keep the JSON logging
        access_log=False,  # uvicorn's access log prints query strings; ours does not
        proxy_headers=False,  # the gateway is the edge: the socket peer is the client
        server_header=False,
    )
