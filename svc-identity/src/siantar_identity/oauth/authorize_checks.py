"""Pure checks of the authorization-code flow: PKCE (RFC 7636), redirect URIs, who an app may act for, the
page's language."""

import base64
import hashlib
import ipaddress
import re
from urllib.parse import urlencode, urlsplit

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.client.models import ApiClient, ClientProfile
from siantar_identity.mfa.service import is_staff
from siantar_shared.i18n import Language, pick_language

GRANT_TYPE = "authorization_code"

CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # BASE64URL of a SHA-256 digest, without padding
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1 unreserved characters
LOOPBACK_HOSTS = frozenset({"localhost"})
MAX_STATE = 2000
MAX_NONCE = 255


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(code_verifier))) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def valid_challenge(challenge: str | None) -> bool:
    return challenge is not None and CHALLENGE.fullmatch(challenge) is not None


def valid_verifier(verifier: str | None) -> bool:
    return verifier is not None and VERIFIER.fullmatch(verifier) is not None


def safe_redirect_uri(uri: str) -> bool:
    """A registered URI we still refuse to send a code to: no fragment (RFC 6749 §3.1.2), and https, http
    to a loopback address only (RFC 8252 §7.3), or a private-use scheme with a dot (RFC 8252 §7.1); never
    `javascript:`, `data:`, `file:` and the like, whatever was registered."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or "#" in uri or not parts.scheme or any(ord(char) < 0x21 for char in uri):
        return False
    scheme = parts.scheme.lower()
    if scheme == "https":
        return bool(parts.hostname)
    if scheme == "http":
        return _loopback(parts.hostname)
    return "." in scheme


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def with_parameters(redirect_uri: str, parameters: dict[str, str | None]) -> str:
    """The redirect URI with response parameters appended; the registered URI's own query is kept byte for
    byte (RFC 6749 §3.1.2: it MUST be retained)."""
    added = urlencode([(name, value) for name, value in parameters.items() if value is not None])
    separator = "&" if urlsplit(redirect_uri).query else ("" if redirect_uri.endswith("?") else "?")
    return f"{redirect_uri}{separator}{added}"


def choose_language(ui_locales: str | None, accept_language: str | None) -> Language:
    """The first of `ui_locales` we speak, else the best of Accept-Language, else Indonesian."""
    for tag in (ui_locales or "").split():
        primary = tag.lower().split("-")[0]
        if primary == "en":
            return "en"
        if primary in ("id", "in"):
            return "id"
    return pick_language(accept_language)


def host_of(uri: str) -> str:
    """Where the person will be sent back to, for the page (`app.example.org`, or the app's scheme)."""
    parts = urlsplit(uri)
    return parts.hostname or f"{parts.scheme}:"


def may_act_for(client: ApiClient, account: Account) -> bool:
    """The officer console acts for staff; every other app (the city's citizen app, third parties) only for
    citizens: a third-party app never gets a token carrying an officer's roles."""
    if account.status != AccountStatus.active:
        return False
    if client.profile == ClientProfile.staff_app:
        return is_staff(account)
    return account.kind == AccountKind.citizen and not is_staff(account)
