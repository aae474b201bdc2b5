"""Run a service with uvicorn: graceful shutdown that finishes requests in flight, JSON logs, no access log
from uvicorn (ours names the route template, never a query string)."""

import uvicorn

from siantar_shared.settings import ServiceSettings


def server_config(app: str, *, settings: ServiceSettings, host: str, port: int) -> uvicorn.Config:
    """`app` is "module:factory". On SIGTERM/SIGINT uvicorn stops accepting connections and waits up to
    `SHUTDOWN_GRACE_SECONDS` for the requests in flight to finish."""
    return uvicorn.Config(
        app,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.FORWARDED_ALLOW_IPS,
        timeout_graceful_shutdown=settings.SHUTDOWN_GRACE_SECONDS,
        server_header=False,
    )


def serve(app: str, *, settings: ServiceSettings, host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT, then finish what is in flight."""
    uvicorn.Server(server_config(app, settings=settings, host=host, port=port)).run()
