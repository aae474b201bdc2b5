"""Errors of the authorization-code flow.

Three kinds, answered differently (RFC 6749 §4.1.2.1):
- `UnsafeAuthorizeRequest`: the client or its redirect URI cannot be trusted; an error page, never a redirect;
- `AuthorizeRedirectError`: the redirect URI is a registered one, so the app is told with `?error=...`;
- the code exchange at the token endpoint answers `oauth.exceptions.InvalidGrant` (RFC 6749 §5.2).
"""

from siantar_shared.i18n import Text


class UnsafeAuthorizeRequest(Exception):
    """Shown to the person as an error page (status 400); nothing is sent to the app."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class AuthorizeRedirectError(Exception):
    """Sent back to the app's (verified) redirect URI as `error`, `error_description` and `state`."""

    def __init__(self, error: str, description: str, *, redirect_uri: str, state: str | None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state
