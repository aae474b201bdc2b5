"""Rendering the sign-in and consent page (Jinja2, autoescaped) and answering it safely: never framed, never
cached, no referrer leaked, no script at all; the browser-binding cookie of the CSRF protection."""

from importlib import resources
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from siantar_identity.config import Settings
from siantar_identity.oauth.authorize_checks import host_of
from siantar_identity.oauth.authorize_schemas import ValidatedRequest, describe_scope
from siantar_identity.oauth.authorize_texts import TEXTS, words
from siantar_identity.security.secrets import new_token
from siantar_shared.i18n import Language, Text

# No `form-action`: browsers apply it to the redirect after the form too, which would block the way back to
# the app. No script anywhere, so `default-src 'self'` allows none inline.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
BROWSER_COOKIE = "siantar_authorize"
BROWSER_COOKIE_SECURE = "__Host-siantar_authorize"  # https: no Domain, Path=/, Secure (cookie prefixes)
BROWSER_COOKIE_MAX_AGE = 24 * 3600

templates = Environment(
    loader=PackageLoader("siantar_identity", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
STYLESHEET = (
    resources.files("siantar_identity").joinpath("templates/authorize.css").read_text(encoding="utf-8")
)


def protect(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def page(
    validated: ValidatedRequest,
    *,
    csrf_token: str,
    browser: str,
    settings: Settings,
    error: Text | None = None,
    identifier: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The sign-in and consent page for a validated request, with the cookie binding it to this browser."""
    language = validated.language
    t = words(language)
    client = validated.client
    html = templates.get_template("authorize.html").render(
        language=language,
        title=t["page_title"],
        t=t,
        wants_access=TEXTS["wants_access"].format(app=client.name).pick(language),
        owner=TEXTS["owner"].format(owner=client.owner).pick(language),
        third_party=not client.first_party,
        scopes=[describe_scope(scope).pick(language) for scope in validated.scopes],
        return_to=TEXTS["return_to"].format(host=host_of(validated.redirect_uri)).pick(language),
        error=error.pick(language) if error else None,
        csrf_token=csrf_token,
        identifier=identifier[:254],
        switch_url="?" + urlencode(_query(validated, other(language))),
        other_language=other(language),
    )
    response = protect(HTMLResponse(html, status_code=status_code, headers=headers))
    set_browser_cookie(response, browser, settings)
    return response


def error_page(message: Text, language: Language, *, status_code: int = 400) -> Response:
    """An error the person sees; nothing is sent to the app (its identity or address is not trusted)."""
    t = words(language)
    html = templates.get_template("authorize_error.html").render(
        language=language, title=t["error_title"], t=t, message=message.pick(language)
    )
    return protect(HTMLResponse(html, status_code=status_code))


def redirect(location: str) -> Response:
    """303 See Other to the app's (registered, exactly matched) redirect URI."""
    return protect(RedirectResponse(location, status_code=303))


def stylesheet() -> Response:
    response = Response(STYLESHEET, media_type="text/css; charset=utf-8")
    response.headers.update({**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"})
    return response


def other(language: Language) -> Language:
    return "id" if language == "en" else "en"


def _query(validated: ValidatedRequest, language: Language) -> list[tuple[str, str]]:
    """The request again (the page's language switch), from what was validated."""
    parameters = {
        "response_type": "code",
        "client_id": validated.client.client_id,
        "redirect_uri": validated.redirect_uri,
        "scope": validated.scope,
        "state": validated.state,
        "code_challenge": validated.code_challenge,
        "code_challenge_method": "S256",
        "nonce": validated.nonce,
        "ui_locales": language,
    }
    return [(name, value) for name, value in parameters.items() if value is not None]


def browser_cookie_name(settings: Settings) -> str:
    return BROWSER_COOKIE_SECURE if settings.PUBLIC_URL.startswith("https://") else BROWSER_COOKIE


def browser_of(request: Request, settings: Settings) -> str | None:
    """The browser-binding value sent back with the form (None if absent or malformed)."""
    value = request.cookies.get(browser_cookie_name(settings))
    return value if value and 32 <= len(value) <= 64 and value.isascii() else None


def browser_for_page(request: Request, settings: Settings) -> str:
    """The browser's binding value, made on its first authorization page (kept, so several tabs work)."""
    return browser_of(request, settings) or new_token()


def set_browser_cookie(response: Response, browser: str, settings: Settings) -> None:
    secure = settings.PUBLIC_URL.startswith("https://")
    response.set_cookie(
        browser_cookie_name(settings),
        browser,
        max_age=BROWSER_COOKIE_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
