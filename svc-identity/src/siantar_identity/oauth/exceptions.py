"""Errors of the OAuth endpoints, in the shape OAuth clients expect (RFC 6749 §5.2, RFC 7009 §2.2.1):
`{"error": "invalid_grant", "error_description": "..."}` with `Cache-Control: no-store`, not problem+json.

The description is in Bahasa Indonesia or English after `Accept-Language`; both are plain ASCII, as §5.2
requires. Errors of the other endpoints of this domain (sessions) are ordinary problem+json `AppError`s.
"""

from typing import ClassVar

from fastapi import Request
from fastapi.responses import JSONResponse

from siantar_shared.errors import NotFound, request_language
from siantar_shared.i18n import Text

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    status: ClassVar[int] = 400
    error: ClassVar[str] = "invalid_request"

    def __init__(self, description: Text, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(description.en)
        self.description = description
        self.headers = headers or {}

    def response(self, request: Request) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description.pick(request_language(request))}
        return JSONResponse(body, status_code=self.status, headers={**NO_STORE, **self.headers})


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    """Client authentication failed: 401 with a Basic challenge (RFC 6749 §5.2)."""

    status, error = 401, "invalid_client"

    def __init__(self, description: Text) -> None:
        super().__init__(description, headers={"WWW-Authenticate": 'Basic realm="siantar", charset="UTF-8"'})


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class SlowDown(OAuthError):
    """Too many failed sign-ins: 429 with Retry-After (`slow_down` is registered for the token endpoint)."""

    status, error = 429, "slow_down"

    def __init__(self, description: Text, *, retry_after: int) -> None:
        super().__init__(description, headers={"Retry-After": str(retry_after)})


class SessionNotFound(NotFound):
    slug = "session-not-found"
    title = Text("Sesi tidak ditemukan", "Session not found")
