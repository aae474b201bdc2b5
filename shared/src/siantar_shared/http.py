"""Outgoing HTTP: one long-lived httpx client per downstream service, timeouts, request id forwarded."""

import httpx

from siantar_shared.requestid import REQUEST_ID_HEADER, request_id_var

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=1.0)


async def forward_request_id(request: httpx.Request) -> None:
    """Event hook: pass the current request id on, so one id follows a call across services."""
    request_id = request_id_var.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def make_client(
    base_url: str = "",
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that forwards `X-Request-ID`; open it in the lifespan and close it there."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        transport=transport,
        event_hooks={"request": [forward_request_id]},
        headers={"User-Agent": "siantar-platform"},
    )
