"""The edge of the Open311 facade: merged double slashes, and GeoReport v2 errors for every failure.

Open311 clients parse `[{"code": 404, "description": "..."}]` (JSON) or `<errors><error>...` (XML), never
problem+json. Everything under /open311/v2 that fails (our own endpoints, unknown paths and methods, request
validation, the idempotency middleware's refusals, unexpected 500s) is answered by the service's ordinary
problem+json handlers; this middleware, outermost, rewrites those answers:

- the body becomes an Open311 error list, in the format of the path's suffix (`.xml` or `.json`; JSON for any
  other path, as the development gateway does);
- the status becomes one of the three the spec knows: 404 (does not exist), 403 (`api_key` missing or bad; a
  401 too), 400 for everything else; the error's `code` keeps the original status (422, 409, 429, 500...), which
  the spec allows ("may be more specific");
- `description` is the problem's detail (or title), in Bahasa Indonesia unless the client prefers English.

It also merges repeated slashes (`/open311/v2//requests.xml`), which some Open311 clients send.
Install it with `install(app)` after the app is built.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from siantar_complaints.open311.formats import Format, to_json, to_xml
from siantar_shared.i18n import Language, pick_language

PREFIX = "/open311/v2"
_SLASHES = re.compile(r"/{2,}")
_DROPPED = frozenset({b"content-type", b"content-length", b"www-authenticate"})
_FALLBACK = {
    "id": "Permintaan tidak dapat diproses",
    "en": "The request could not be processed",
}


def is_open311(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def merge_slashes(path: str) -> str:
    return _SLASHES.sub("/", path)


def format_of(path: str) -> Format:
    """XML for a path ending in `.xml`, else JSON (also for unknown formats)."""
    return Format.xml if path.lower().endswith(".xml") else Format.json


def open311_status(status: int) -> int:
    if status in (401, 403):
        return 403
    return 404 if status == 404 else 400


def error_body(fmt: Format, code: int, description: str) -> bytes:
    errors = [{"code": code, "description": description}]
    return to_xml(errors, root="errors", item="error") if fmt is Format.xml else to_json(errors)


def describe(body: bytes, language: Language) -> str:
    """The text of a problem+json body: its detail (or title), plus the fields a validation error names."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        return _FALLBACK[language]
    text = str(problem.get("detail") or problem.get("title") or _FALLBACK[language])
    fields = [
        f"{_field_name(entry)}: {entry.get('detail', '')}"
        for entry in problem.get("errors", [])
        if isinstance(entry, dict)
    ]
    return f"{text} ({'; '.join(fields)})" if fields else text


def _field_name(entry: dict[str, Any]) -> str:
    pointer = str(entry.get("pointer") or entry.get("field") or "")
    return pointer.rsplit("/", 1)[-1] or "?"


@dataclass(slots=True)
class _ErrorRewriter:
    """Passes successful answers through; holds an error answer back and sends its Open311 form instead."""

    send: Send
    fmt: Format
    language: Language
    start: Message | None = None
    body: bytearray = field(default_factory=bytearray)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] < 400:
                await self.send(message)
            else:
                self.start = message
            return
        if self.start is None or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            await self._send_error()

    async def _send_error(self) -> None:
        assert self.start is not None
        status = int(self.start["status"])
        payload = error_body(self.fmt, status, describe(bytes(self.body), self.language))
        headers = [
            (name, value) for name, value in self.start.get("headers", []) if name.lower() not in _DROPPED
        ]
        headers += [
            (b"content-type", self.fmt.media_type.encode()),
            (b"content-length", str(len(payload)).encode()),
        ]
        await self.send({"type": "http.response.start", "status": open311_status(status), "headers": headers})
        await self.send({"type": "http.response.body", "body": payload})


class Open311Middleware:
    """Pure ASGI middleware for the /open311/v2 prefix; other paths pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = merge_slashes(scope["path"])
        if not is_open311(path):
            await self.app(scope, receive, send)
            return
        if path != scope["path"]:
            raw = scope.get("raw_path") or scope["path"].encode()
            scope = {**scope, "path": path, "raw_path": re.sub(rb"/{2,}", b"/", raw)}
        language = pick_language(Headers(scope=scope).get("accept-language"))
        await self.app(scope, receive, _ErrorRewriter(send, format_of(path), language))


def install(app: FastAPI) -> FastAPI:
    """Add the middleware as the outermost one of `app` (once); returns `app`."""
    if not any(getattr(middleware, "cls", None) is Open311Middleware for middleware in app.user_middleware):
        app.add_middleware(Open311Middleware)
    return app
