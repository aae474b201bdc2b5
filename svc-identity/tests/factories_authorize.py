"""Accounts, API clients, token families and authenticators for the authorization-code and MFA tests,
made with the models directly (no endpoint of another domain is needed to arrange them)."""

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.contacts import read_phone, set_phone
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_shared.testing.plugin import save

PASSWORD = "kopi-tubruk-di-pasar-horas"
REDIRECT_URI = "https://app.example.org/callback"
SCOPES = ["complaints:read", "complaints:write"]


def crypto_of(settings: Settings) -> Crypto:
    """The same keys as the app under test (built from the same settings)."""
    return Crypto.from_settings(settings)


async def create_account(
    session: AsyncSession,
    settings: Settings,
    *,
    kind: AccountKind = AccountKind.citizen,
    roles: list[str] | None = None,
    phone: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    status: AccountStatus = AccountStatus.active,
    agency_code: str | None = None,
) -> Account:
    crypto = crypto_of(settings)
    phone = phone or f"+62812{secrets.randbelow(10**8):08d}"
    account = Account(
        kind=kind,
        status=status,
        full_name="Warga Uji",
        username=username,
        phone_verified_at=datetime.now(UTC),
        password_hash=await hash_password(password),
        roles=roles if roles is not None else (["citizen"] if kind == AccountKind.citizen else ["officer"]),
        agency_code=agency_code,
    )
    set_phone(account, crypto, phone)
    saved: Account = await save(session, account)
    return saved


async def create_staff(session: AsyncSession, settings: Settings, **overrides: Any) -> Account:
    overrides.setdefault("username", f"petugas{secrets.token_hex(3)}")
    overrides.setdefault("roles", ["officer"])
    return await create_account(session, settings, kind=AccountKind.staff, **overrides)


def phone_of(settings: Settings, account: Account) -> str:
    phone = read_phone(account, crypto_of(settings))
    assert phone is not None
    return phone


async def create_client(
    session: AsyncSession,
    *,
    client_id: str | None = None,
    name: str = "Lapor Cepat",
    owner: str = "CV Contoh Digital",
    redirect_uris: list[str] | None = None,
    grant_types: list[str] | None = None,
    scopes: list[str] | None = None,
    kind: ClientKind = ClientKind.public,
    profile: ClientProfile = ClientProfile.third_party,
    first_party: bool = False,
    revoked_at: datetime | None = None,
) -> ApiClient:
    client = ApiClient(
        client_id=client_id or f"app-{secrets.token_hex(4)}",
        name=name,
        kind=kind,
        profile=profile,
        first_party=first_party,
        redirect_uris=redirect_uris if redirect_uris is not None else [REDIRECT_URI],
        grant_types=grant_types if grant_types is not None else ["authorization_code", "refresh_token"],
        scopes=scopes if scopes is not None else list(SCOPES),
        owner=owner,
        contact="dev@example.org",
        revoked_at=revoked_at,
    )
    saved: ApiClient = await save(session, client)
    return saved


async def create_family(
    session: AsyncSession, account: Account, *, at: datetime, client_id: str = "siantar-warga"
) -> TokenFamily:
    family = TokenFamily(
        account_id=account.id,
        client_id=client_id,
        scope="",
        acr=account.assurance_level,
        amr=["pwd"],
        auth_time=at,
        absolute_expires_at=at + timedelta(days=1),
    )
    saved: TokenFamily = await save(session, family)
    return saved


async def enrol_totp(session: AsyncSession, settings: Settings, account: Account, *, at: datetime) -> str:
    """A confirmed authenticator on `account`; returns its secret (for `totp.code_at`)."""
    secret = totp.new_secret()
    account.totp_secret_ciphertext = crypto_of(settings).ring.encrypt(secret, context=TOTP_CONTEXT)
    account.totp_confirmed_at = at
    account.totp_last_step = None
    await session.flush()
    return secret


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def bearer(
    test_keys: Any, account_id: UUID, *, roles: list[str] | None = None, **claims: Any
) -> dict[str, str]:
    """Authorization header of a real access token for `account_id`."""
    token = test_keys.mint(subject=account_id, roles=roles or ["citizen"], **claims)
    return {"Authorization": f"Bearer {token}"}


AUTHORIZE = "/identity/v1/oauth/authorize"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def authorize_query(client: ApiClient, challenge: str, **overrides: str | None) -> dict[str, str]:
    """A valid authorization request for `client`; an override of None leaves that parameter out."""
    query: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0] if client.redirect_uris else REDIRECT_URI,
        "scope": " ".join(client.scopes),
        "state": "af0ifjsldkj",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return {name: value for name, value in query.items() if value is not None}


def csrf_token_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


async def open_page(http: AsyncClient, client: ApiClient, challenge: str, **overrides: str | None) -> str:
    """GET the authorization page; returns its CSRF token."""
    response = await http.get(AUTHORIZE, params=authorize_query(client, challenge, **overrides))
    assert response.status_code == 200, response.text
    return csrf_token_of(response.text)


async def submit(http: AsyncClient, csrf_token: str | None, **fields: str) -> Response:
    data = {"decision": "allow", **fields}
    if csrf_token is not None:
        data["csrf_token"] = csrf_token
    return await http.post(AUTHORIZE, data=data)


def response_parameters(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).query))
