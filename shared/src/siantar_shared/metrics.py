"""Prometheus metrics by route template and status, a latency histogram, and a privacy-safe access log.

Each app has its own registry, so several apps in one process (tests) never collide. Paths are labelled by
their route template (`/complaints/v1/complaints/{complaint_id}`), never the raw path, so that the label set
stays small and no identifier or query string (an api_key) reaches the metrics or the logs.
"""

import logging
import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_logger = logging.getLogger("siantar.access")
UNMATCHED = "<unmatched>"
OTHER_METHOD = "OTHER"
# any other method a client invents is counted as OTHER, so that it cannot grow the label set
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service


def route_template(scope: Scope) -> str:
    """The matched route's path template, with its router prefix and mount path; UNMATCHED if none matched."""
    path = _included_route_path(scope) or getattr(scope.get("route"), "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return str(scope.get("root_path", "")) + path if scope.get("root_path") else path


def _included_route_path(scope: Scope) -> str | None:
    """The full template of a route reached through `include_router(prefix=...)`.

    Since FastAPI 0.16x, `scope["route"]` is the router's own route, whose path lacks the include prefix
    (`/{complaint_id}` instead of `/complaints/v1/complaints/{complaint_id}`); FastAPI keeps the resolved
    template in its scope entry. Read defensively: older and future versions fall back to `route.path`.
    """
    fastapi_scope = scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    path = getattr(context, "path_format", None)
    return path if isinstance(path, str) and path else None


def method_label(scope: Scope) -> str:
    method = str(scope.get("method", "")).upper()
    return method if method in KNOWN_METHODS else OTHER_METHOD


class MetricsMiddleware:
    """Counts and times every HTTP request, and writes one access-log line for it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route, method = route_template(scope), method_label(scope)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        if route not in ("/metrics", "/livez", "/healthz"):
            access_logger.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={"status": status, "duration_ms": round(elapsed * 1000, 1)},
            )


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition of this service's metrics."""
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
