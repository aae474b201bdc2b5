"""The authorization endpoint (RFC 6749 §3.1): the server-rendered sign-in and consent page of the
authorization-code flow, for apps acting for a person. The token endpoint exchanges its codes."""

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from siantar_identity.clock import ClockDep
from siantar_identity.config import Settings
from siantar_identity.oauth import authorize_pages as pages
from siantar_identity.oauth import authorize_service as service
from siantar_identity.oauth.authorize_checks import choose_language
from siantar_identity.oauth.authorize_decision import ShowAgain, decide
from siantar_identity.oauth.authorize_exceptions import AuthorizeRedirectError, UnsafeAuthorizeRequest
from siantar_identity.oauth.authorize_schemas import AuthorizeForm, AuthorizeQuery, ValidatedRequest
from siantar_identity.oauth.authorize_texts import TEXTS
from siantar_shared.db import SessionDep
from siantar_shared.i18n import Text

router = APIRouter(prefix="/oauth", tags=["oauth"])
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The sign-in and consent page, or an error page."}
}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


@router.get("/authorize", response_class=HTMLResponse, responses=HTML, summary="Authorization page")
async def authorize_page(
    request: Request, query: Annotated[AuthorizeQuery, Query()], session: SessionDep, clock: ClockDep
) -> Response:
    """Start the authorization-code flow (RFC 6749 §4.1 with PKCE S256, RFC 7636), for a browser.

    An unknown client, or a `redirect_uri` that is not exactly (string equality) one of the client's
    registered URIs, is shown as an error page and never redirected to. Any other problem is sent to the
    app as `?error=...&state=...`. Otherwise: a page in Bahasa Indonesia or English (`ui_locales`, else
    Accept-Language) naming the app, its maker and what it asks, where the person signs in and allows or
    refuses. `code_challenge_method=S256` is required; `plain` is refused."""
    settings = settings_of(request)
    repeated = {
        name for name, count in Counter(k for k, _ in request.query_params.multi_items()).items() if count > 1
    }
    try:
        validated = await service.validate(
            session, query, repeated=repeated, accept_language=request.headers.get("accept-language")
        )
    except UnsafeAuthorizeRequest as exc:
        return pages.error_page(
            exc.message, choose_language(query.ui_locales, request.headers.get("accept-language"))
        )
    except AuthorizeRedirectError as exc:
        return pages.redirect(service.error_redirect(exc, issuer=settings.issuer))
    return await _show(request, session, clock, validated)


@router.post("/authorize", response_class=HTMLResponse, responses=HTML, summary="Sign in and decide")
async def authorize_decision(
    request: Request, form: Annotated[AuthorizeForm, Form()], session: SessionDep, clock: ClockDep
) -> Response:
    """The page's form: its single-use `csrf_token` (bound to the authorization request and this browser),
    the person's identifier, password and, when their account has one, authenticator code (or a recovery
    code), and `decision` = `allow` or `deny`. Allowed: 303 to the redirect URI with `code`, `state` and
    `iss` (the code is valid once, for at most 60 seconds). Refused: 303 with `error=access_denied`. A
    failed sign-in shows the page again with a new token (throttled: 429 with Retry-After)."""
    settings = settings_of(request)
    now = clock.now()
    language = choose_language(None, request.headers.get("accept-language"))
    if "idempotency-key" in request.headers:  # its answer (a code) must never be stored for replay
        return pages.error_page(TEXTS["form_invalid"], language)
    try:
        validated = await service.open_form(
            session, form.csrf_token, browser=pages.browser_of(request, settings), at=now
        )
    except UnsafeAuthorizeRequest as exc:
        return pages.error_page(exc.message, language)
    outcome = await decide(session, request, validated, form, settings=settings)
    if isinstance(outcome, ShowAgain):
        return await _show(
            request,
            session,
            clock,
            validated,
            error=outcome.error,
            identifier=outcome.identifier,
            status_code=outcome.status_code,
            headers=outcome.headers,
        )
    return pages.redirect(outcome)


@router.get("/authorize.css", include_in_schema=False)
async def authorize_stylesheet() -> Response:
    return pages.stylesheet()


async def _show(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    validated: ValidatedRequest,
    *,
    error: Text | None = None,
    identifier: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page for `validated`, with a fresh CSRF token (each token is good for one submission)."""
    settings = settings_of(request)
    browser = pages.browser_for_page(request, settings)
    csrf_token = await service.begin(session, validated, browser=browser, at=clock.now())
    return pages.page(
        validated,
        csrf_token=csrf_token,
        browser=browser,
        settings=settings,
        error=error,
        identifier=identifier,
        status_code=status_code,
        headers=headers,
    )
