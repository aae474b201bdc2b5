"""Run a service with uvicorn: graceful shutdown that finishes requests in flight, JSON logs, no access log
from uvicorn (ours names the route template, never a query string)."""

import uvicorn

from siantar_shared.settings import ServiceSettings


def serve(app: str, *, settings: ServiceSettings, host: str, port: int) -> None:
    """Serve `app` ("module:factory"); on SIGTERM/SIGINT stop accepting and finish what is in flight."""
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=settings.SHUTDOWN_GRACE_SECONDS,
        server_header=False,
    )
