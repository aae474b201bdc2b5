"""Request ids: accept a sane `X-Request-ID`, or make one; echo it; keep it in a context variable.

The id travels in every log line (see `siantar_shared.logging`) and on outgoing httpx calls (see
`siantar_shared.http`). A client-supplied id is kept only when it is short and made of safe characters,
since it ends up in logs and headers.
"""

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def sanitize_request_id(value: str | None) -> str | None:
    """Return `value` if it is 1-128 characters of `[A-Za-z0-9._:-]`, else None."""
    if value is not None and _SANE.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A fresh request id (a UUID4, as Kong's correlation-id plugin makes with `generator: uuid`)."""
    return str(uuid.uuid4())


def get_request_id() -> str | None:
    """The id of the request being served, if any."""
    return request_id_var.get()


class RequestIdMiddleware:
    """Pure ASGI middleware: sets `request_id_var` and `scope["state"]["request_id"]`, echoes the header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = sanitize_request_id(value.decode("latin-1"))
                break
        request_id = incoming or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
