"""RFC 9457 `application/problem+json` for every error, titled in Bahasa Indonesia or English.

Services raise `AppError` subclasses; `install_error_handlers(app)` renders them, request validation errors
(422 with the list of fields), Starlette's HTTP errors (unknown route 404, wrong method 405) and any other
exception (500, without internals). A mounted sub-application may install its own handlers instead (the
Open311 facade does).
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from siantar_shared.i18n import Language, Text, pick_language

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://api.siantar.example/problems/"
# RFC 9457 members an extension member may not replace
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
logger = logging.getLogger("siantar_shared.errors")


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[Text] = Text("Terjadi kesalahan pada server", "Internal server error")

    def __init__(
        self,
        detail: Text | str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail.en if isinstance(detail, Text) else detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra or {}


class BadRequest(AppError):
    status, slug = 400, "bad-request"
    title = Text("Permintaan tidak dapat diproses", "Bad request")


class Unauthorized(AppError):
    status, slug = 401, "unauthorized"
    title = Text("Perlu masuk terlebih dahulu", "Authentication required")

    def __init__(self, detail: Text | str | None = None, *, error: str | None = "invalid_token") -> None:
        """`error` is the RFC 6750 error code; None when the request carried no credentials at all."""
        challenge = "Bearer" if error is None else f'Bearer error="{error}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(AppError):
    status, slug = 403, "forbidden"
    title = Text("Akses ditolak", "Access denied")


class NotFound(AppError):
    status, slug = 404, "not-found"
    title = Text("Data tidak ditemukan", "Resource not found")


class Conflict(AppError):
    status, slug = 409, "conflict"
    title = Text("Bertentangan dengan keadaan saat ini", "Conflicts with the current state")


class PreconditionFailed(AppError):
    status, slug = 412, "precondition-failed"
    title = Text("Data telah diubah oleh pihak lain", "The resource was changed by someone else")


class PreconditionRequired(AppError):
    status, slug = 428, "precondition-required"
    title = Text("Header If-Match wajib diisi", "If-Match header required")


class UnprocessableContent(AppError):
    status, slug = 422, "unprocessable"
    title = Text("Permintaan tidak valid", "Request is not valid")


class TooManyRequests(AppError):
    status, slug = 429, "too-many-requests"
    title = Text("Terlalu banyak permintaan", "Too many requests")


class ServiceUnavailable(AppError):
    status, slug = 503, "service-unavailable"
    title = Text("Layanan sedang tidak tersedia", "Service unavailable")


_HTTP_TITLES: dict[int, Text] = {
    400: BadRequest.title,
    401: Unauthorized.title,
    403: Forbidden.title,
    404: Text("Alamat tidak ditemukan", "Not found"),
    405: Text("Metode tidak diizinkan", "Method not allowed"),
    406: Text("Format jawaban tidak tersedia", "Not acceptable"),
    409: Conflict.title,
    413: Text("Isi permintaan terlalu besar", "Content too large"),
    415: Text("Jenis isi tidak didukung", "Unsupported media type"),
    429: TooManyRequests.title,
    503: ServiceUnavailable.title,
}


def problem_body(
    status: int,
    *,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    instance: str | None = None,
    **extra: object,
) -> dict[str, object]:
    """An RFC 9457 problem object; members with a None value are left out, and extension members never
    replace the standard ones."""
    body: dict[str, object] = {"type": type_, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update((name, value) for name, value in extra.items() if name not in STANDARD_MEMBERS)
    return body


def problem_response(
    request: Request,
    status: int,
    title: Text,
    detail: Text | str | None = None,
    *,
    type_: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """Render a problem in the language the request prefers."""
    language = request_language(request)
    body = problem_body(
        status,
        title=title.pick(language),
        detail=detail.pick(language) if isinstance(detail, Text) else detail,
        type_=type_,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def request_language(request: Request) -> Language:
    return pick_language(request.headers.get("accept-language"))


async def app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    # an extension member named like a standard one ("status": "closed") must not break the response
    extra = {name: value for name, value in exc.extra.items() if name not in STANDARD_MEMBERS}
    return problem_response(
        request,
        exc.status,
        exc.title,
        exc.detail,
        type_=PROBLEM_BASE + exc.slug,
        headers=exc.headers,
        **extra,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in _NO_BODY:
        return Response(status_code=exc.status_code, headers=exc.headers)
    title = _HTTP_TITLES.get(exc.status_code, Text("Kesalahan", "Error"))
    detail = exc.detail if isinstance(exc.detail, str) and not _is_stock_detail(exc) else None
    return problem_response(request, exc.status_code, title, detail, headers=exc.headers)


_NO_BODY = frozenset({204, 205, 304})


def _is_stock_detail(exc: StarletteHTTPException) -> bool:
    """Starlette's default detail is the English reason phrase, which the localized title already says."""
    try:
        return exc.detail == HTTPStatus(exc.status_code).phrase
    except ValueError:
        return False


DATABASE_RETRY_AFTER = "1"  # seconds: a busy or restarting database is usually back within that


def database_unavailable(exc: BaseException) -> bool:
    """A database error that a retry may not meet: the connection was lost (or none came from the pool in
    time), the server refused or cancelled the work, a deadlock was broken, or SQLite's writer lock was busy."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError)
    )


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        # nothing was kept (the transaction rolled back): the client may send it again, with the same
        # Idempotency-Key for a write
        logger.warning("database unavailable on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(
            request,
            503,
            ServiceUnavailable.title,
            Text(
                "Basis data sedang sibuk atau tidak terjangkau; tidak ada yang disimpan. Coba lagi sebentar lagi.",
                "The database is busy or unreachable; nothing was saved. Please try again shortly.",
            ),
            type_=PROBLEM_BASE + ServiceUnavailable.slug,
            headers={"Retry-After": DATABASE_RETRY_AFTER},
        )
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        500,
        AppError.title,
        Text(
            "Silakan coba lagi nanti; sebutkan X-Request-ID saat melapor.",
            "Please try again later; quote the X-Request-ID when reporting it.",
        ),
        type_=PROBLEM_BASE + AppError.slug,
    )


class UnhandledErrorMiddleware:
    """Turns an unexpected exception into a 500 problem inside the middleware stack, so that the answer still
    carries the request id and is counted by the metrics (Starlette's own handler runs outside them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await unhandled_error_handler(Request(scope), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` an RFC 9457 problem."""
    from siantar_shared.validation import validation_error_handler

    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(UnhandledErrorMiddleware)
