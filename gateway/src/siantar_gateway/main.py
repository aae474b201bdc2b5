"""The development gateway: a plain ASGI app that routes by gateway/kong.yml, as production Kong does.

No web framework on the hot path (it is one route lookup and a streaming proxy). The gateway answers
`GET /livez` and `GET /healthz` itself; every other request goes to the route kong.yml gives it, or gets a
404 problem. Run it with `python -m siantar_gateway`, or with uvicorn:
`uvicorn --factory siantar_gateway.main:create_app --no-access-log --no-proxy-headers --no-server-header`.
"""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import uvicorn
from starlette.types import Receive, Scope, Send

from siantar_gateway import kongconf
from siantar_gateway.config import GatewaySettings, upstream_key
from siantar_gateway.health import health_report
from siantar_gateway.kongconf import KongConfig, Service, Timeouts
from siantar_gateway.proxy import ClientDisconnected, Upstream, UpstreamError, forward
from siantar_gateway.responses import NO_ROUTE, TIMED_OUT, UNREACHABLE, send_json, send_problem
from siantar_shared.logging import configure_logging
from siantar_shared.requestid import RequestIdMiddleware

logger = logging.getLogger("siantar_gateway")
access_logger = logging.getLogger("siantar_gateway.access")
ENFORCED_PLUGINS = frozenset({"correlation-id"})  # as X-Request-ID handling, always on
CLIENT_CLOSED = 499  # nginx's code for "the client went away first", used in the access log only


class Gateway:
    """ASGI app: lifespan (opens one pool per upstream), /livez, /healthz, and the proxy."""

    def __init__(self, settings: GatewaySettings, config: KongConfig) -> None:
        self.settings = settings
        self.config = config
        self.upstreams = {
            service.name: Upstream(service, _timeouts(service, settings), settings.POOL_SIZE)
            for service in config.services
        }
        self._http = RequestIdMiddleware(self._serve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
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
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await stack.aclose()
        await send({"type": "lifespan.shutdown.complete"})

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path = kongconf.normalize_path(scope["path"])
        status, route = await self._dispatch(scope, receive, send, path)
        if not self.settings.ACCESS_LOG:
            return
        access_logger.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],  # never the query string: it may carry an api key
                "status": status,
                "route": route,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    async def _dispatch(
        self, scope: Scope, receive: Receive, send: Send, path: str
    ) -> tuple[int, str | None]:
        if scope["method"] == "GET" and path in ("/livez", "/healthz"):
            return await self._own_health(send, path), None
        match = self.config.match(scope["method"], path)
        if match is None:
            await send_problem(send, scope, 404, NO_ROUTE)
            return 404, None
        upstream = self.upstreams[match.service.name]
        request_id: str = scope["state"]["request_id"]
        try:
            status = await forward(upstream, match, scope, receive, send, path=path, request_id=request_id)
        except UpstreamError as exc:
            status = 504 if exc.timeout else 502
            await send_problem(
                send, scope, status, TIMED_OUT if exc.timeout else UNREACHABLE, service=exc.service
            )
            logger.warning("upstream failed", extra={"upstream": exc.service, "timeout": exc.timeout})
        except ClientDisconnected:
            status = CLIENT_CLOSED
        return status, match.route.name

    async def _own_health(self, send: Send, path: str) -> int:
        no_store = [(b"cache-control", b"no-store")]
        if path == "/livez":
            await send_json(send, 200, {"status": "ok"}, headers=no_store)
            return 200
        status, report = await health_report(self.upstreams.values(), self.settings.HEALTH_TIMEOUT)
        await send_json(send, status, report, headers=no_store)
        return status

    def _log_startup(self) -> None:
        for upstream in self.upstreams.values():
            logger.info("upstream", extra={"upstream": upstream.service.name, "url": upstream.service.url})
        known = {upstream_key(name) for name in self.upstreams}
        for key in sorted(set(self.settings.UPSTREAM) - known):
            logger.warning("GATEWAY_UPSTREAM_%s names no kong.yml service", key.upper())
        for plugin in self.config.plugins:
            if plugin.enabled and plugin.name not in ENFORCED_PLUGINS:
                logger.warning(
                    "plugin %s (%s) is not enforced by the development gateway", plugin.name, plugin.scope
                )


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
    uvicorn.run(
        create_app(settings),
        host=settings.HOST,
        port=settings.PORT,
        log_config=None,  # keep the JSON logging
        access_log=False,  # uvicorn's access log prints query strings; ours does not
        proxy_headers=False,  # the gateway is the edge: the socket peer is the client
        server_header=False,
    )
