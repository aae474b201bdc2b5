"""What makes a client registration sound: redirect URIs, grant types against kind and profile, scopes.

- Redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7, ASVS 10.4.1): absolute `https` URIs with a host; `http` only
  to a loopback host (127.0.0.1, [::1], localhost) for development and native apps; or a private-use scheme
  with a dot (`id.go.pematangsiantar.warga:/oauth`) for native apps. No fragment, no user information, no
  spaces or control characters. They are stored exactly as given and compared exactly.
- `password` (the ASVS 10.4.4 exception) only for the city's own first-party apps; `client_credentials`
  only for confidential clients; `refresh_token` only beside a grant that signs a person in;
  `authorization_code` needs at least one redirect URI. Service clients are confidential, use
  `client_credentials` alone and carry the `service` role. First party is for the citizen and staff apps.
"""

import ipaddress
from urllib.parse import urlsplit

from siantar_identity.client.models import ClientKind, ClientProfile
from siantar_identity.client.scopes import SCOPES
from siantar_shared.i18n import LocalizedValueError, Text

GRANTS = ("authorization_code", "refresh_token", "password", "client_credentials")
MAX_URI = 2000
LOOPBACK = frozenset({"localhost"})
REFUSED_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"})


def _fail(id_: str, en: str) -> LocalizedValueError:
    return LocalizedValueError(Text(id_, en))


def check_redirect_uri(uri: str) -> str:
    """`uri` unchanged if it may be registered, else a LocalizedValueError saying why."""
    if len(uri) > MAX_URI or any(ord(char) < 0x21 or char == "\x7f" for char in uri):
        raise _fail(
            "Tanpa spasi atau karakter kendali, paling panjang 2000",
            "No spaces or control characters; 2000 at most",
        )
    if "#" in uri:
        raise _fail(
            "URI pengalihan tidak boleh memuat fragmen (#)", "A redirect URI may not have a fragment (#)"
        )
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError as exc:
        raise _fail("Bukan URI yang sah", "Not a valid URI") from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise _fail("URI pengalihan harus absolut", "A redirect URI must be absolute")
    if parts.username is not None or parts.password is not None:
        raise _fail(
            "URI pengalihan tidak boleh memuat nama pengguna", "A redirect URI may not carry user information"
        )
    if scheme == "https":
        if not host:
            raise _fail("URI https harus punya host", "An https URI needs a host")
        return uri
    if scheme == "http":
        if not _loopback(host):
            raise _fail(
                "http hanya untuk 127.0.0.1, [::1] atau localhost; gunakan https",
                "http only to 127.0.0.1, [::1] or localhost; use https",
            )
        return uri
    if scheme in REFUSED_SCHEMES or "." not in scheme:
        raise _fail(
            "Skema khusus aplikasi harus berbentuk nama domain terbalik, mis. id.go.pematangsiantar.app",
            "A native app's scheme must be a reverse domain name, e.g. id.go.pematangsiantar.app",
        )
    return uri


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_registration(
    *,
    kind: ClientKind,
    profile: ClientProfile,
    first_party: bool,
    grant_types: list[str],
    redirect_uris: list[str],
    scopes: list[str],
) -> None:
    """Every rule of the module docstring; the first broken one as a LocalizedValueError."""
    grants = set(grant_types)
    if first_party and profile not in (ClientProfile.citizen_app, ClientProfile.staff_app):
        raise _fail(
            "Pihak pertama hanya untuk aplikasi warga dan aplikasi petugas milik Pemko",
            "First party is only for the city's own citizen and staff apps",
        )
    if profile == ClientProfile.service and (
        kind != ClientKind.confidential or grants != {"client_credentials"}
    ):
        raise _fail(
            "Klien layanan bersifat confidential dan hanya memakai client_credentials",
            "A service client is confidential and uses client_credentials only",
        )
    if "password" in grants and not first_party:
        raise _fail(
            "Grant password hanya untuk aplikasi pihak pertama milik Pemko",
            "The password grant is only for the city's own first-party apps",
        )
    if "client_credentials" in grants and kind != ClientKind.confidential:
        raise _fail(
            "client_credentials hanya untuk klien confidential",
            "client_credentials needs a confidential client",
        )
    if "client_credentials" in grants and profile in (ClientProfile.citizen_app, ClientProfile.staff_app):
        raise _fail(
            "Aplikasi warga/petugas bertindak atas nama orang, bukan dirinya sendiri",
            "Citizen and staff apps act for people, not for themselves: no client_credentials",
        )
    if "refresh_token" in grants and not grants & {"authorization_code", "password"}:
        raise _fail(
            "refresh_token hanya bersama authorization_code atau password",
            "refresh_token goes only with authorization_code or password",
        )
    if "authorization_code" in grants and not redirect_uris:
        raise _fail("authorization_code perlu URI pengalihan", "authorization_code needs a redirect URI")
    if redirect_uris and "authorization_code" not in grants:
        raise _fail(
            "URI pengalihan hanya untuk authorization_code", "Redirect URIs are only for authorization_code"
        )
    for scope in scopes:
        if profile not in SCOPES[scope].profiles:
            raise _fail(
                f"Cakupan {scope} tidak untuk klien {profile.value}",
                f"Scope {scope} is not for a {profile.value} client",
            )
