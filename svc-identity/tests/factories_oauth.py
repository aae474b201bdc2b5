"""Accounts, API clients and token requests for the OAuth and throttle tests, made with the models directly
(contacts hashed as registration hashes them, client secrets as the client service hashes them)."""

import base64
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import jwt
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.agency.models import Agency
from siantar_identity.audit.models import AuditRecord
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.oauth.keys import Signer, ensure_active_key
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_shared.testing.plugin import StateInjector, save

TOKEN = "/identity/v1/oauth/token"
PASSWORD = "kopi-tubruk-di-pasar-horas"
APP_SCOPES = ["complaints:read", "complaints:write"]
_PASSWORD_HASHES: dict[str, str] = {}


def crypto_of(settings: Settings) -> Crypto:
    return Crypto.from_settings(settings)


def new_phone() -> str:
    return f"+62812{secrets.randbelow(10**8):08d}"


async def _password_hash(password: str) -> str:
    """Argon2id costs ~50 ms a hash, so the tests share one hash per password (verifying costs the same)."""
    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = await hash_password(password)
    return _PASSWORD_HASHES[password]


async def create_citizen(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    status: AccountStatus = AccountStatus.active,
    assurance_level: int = 0,
) -> Account:
    crypto = crypto_of(settings)
    account = Account(
        kind=AccountKind.citizen,
        status=status,
        full_name="Warga Uji",
        roles=["citizen"],
        assurance_level=assurance_level,
        password_hash=await _password_hash(password) if password else None,
    )
    contacts.set_phone(account, crypto, phone or new_phone())
    if email is not None:
        contacts.set_email(account, crypto, email)
    saved: Account = await save(session, account)
    return saved


async def ensure_agency(session: AsyncSession, code: str) -> Agency:
    found = await session.scalar(select(Agency).where(Agency.code == code))
    if found is not None:
        return found
    agency: Agency = await save(
        session, Agency(code=code, name=f"Dinas {code}", short_name=code, cluster="teknis")
    )
    return agency


async def create_officer(
    session: AsyncSession,
    settings: Settings,
    *,
    roles: list[str] | None = None,
    agency: str | None = None,
    enrolled_at: datetime | None = None,
    status: AccountStatus = AccountStatus.active,
) -> tuple[Account, str | None]:
    """A staff account with a username; with `enrolled_at`, a confirmed authenticator (its secret returned)."""
    if agency is not None:
        await ensure_agency(session, agency)
    account = Account(
        kind=AccountKind.staff,
        status=status,
        full_name="Petugas Uji",
        username=f"petugas.{secrets.token_hex(3)}",
        roles=roles or ["officer"],
        agency_code=agency,
        assurance_level=2,
        password_hash=await _password_hash(PASSWORD),
    )
    secret = None
    if enrolled_at is not None:
        secret = totp.new_secret()
        account.totp_secret_ciphertext = crypto_of(settings).ring.encrypt(secret, context=TOTP_CONTEXT)
        account.totp_confirmed_at = enrolled_at
    saved: Account = await save(session, account)
    return saved, secret


async def create_client(
    session: AsyncSession,
    settings: Settings,
    *,
    profile: ClientProfile = ClientProfile.citizen_app,
    kind: ClientKind = ClientKind.public,
    first_party: bool = True,
    grant_types: list[str] | None = None,
    scopes: list[str] | None = None,
    roles: list[str] | None = None,
    revoked_at: datetime | None = None,
) -> tuple[ApiClient, str | None]:
    """A client; confidential ones get a secret (returned), stored as the client service stores it."""
    secret = secrets.token_urlsafe(32) if kind == ClientKind.confidential else None
    client = ApiClient(
        client_id=f"app-{secrets.token_hex(4)}",
        name="Aplikasi Uji",
        kind=kind,
        profile=profile,
        first_party=first_party,
        secret_hash=crypto_of(settings).secret_hash(secret) if secret else None,
        redirect_uris=[],
        grant_types=grant_types if grant_types is not None else ["password", "refresh_token"],
        scopes=scopes if scopes is not None else list(APP_SCOPES),
        roles=roles or [],
        owner="Diskominfo Kota Pematangsiantar",
        contact="diskominfo@pematangsiantar.go.id",
        revoked_at=revoked_at,
    )
    saved: ApiClient = await save(session, client)
    return saved, secret


async def citizen_app(session: AsyncSession, settings: Settings) -> ApiClient:
    client, _ = await create_client(session, settings)
    return client


async def staff_app(session: AsyncSession, settings: Settings) -> ApiClient:
    client, _ = await create_client(session, settings, profile=ClientProfile.staff_app)
    return client


async def service_client(session: AsyncSession, settings: Settings, *scopes: str) -> tuple[ApiClient, str]:
    client, secret = await create_client(
        session,
        settings,
        profile=ClientProfile.service,
        kind=ClientKind.confidential,
        first_party=True,
        grant_types=["client_credentials"],
        scopes=list(scopes) or ["notify:send"],
    )
    assert secret is not None
    return client, secret


def phone_of(settings: Settings, account: Account) -> str:
    phone = contacts.read_phone(account, crypto_of(settings))
    assert phone is not None
    return phone


async def password_grant(
    http: AsyncClient,
    client: ApiClient,
    username: str,
    password: str = PASSWORD,
    *,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> Response:
    data = {
        "grant_type": "password",
        "client_id": client.client_id,
        "username": username,
        "password": password,
    }
    return await http.post(TOKEN, data={**data, **fields}, headers=headers)


async def sign_in(http: AsyncClient, client: ApiClient, username: str, **fields: str) -> dict[str, Any]:
    """A successful password grant's JSON (tokens)."""
    data = {
        "grant_type": "password",
        "client_id": client.client_id,
        "username": username,
        "password": PASSWORD,
    }
    response = await http.post(TOKEN, data={**data, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(http: AsyncClient, client: ApiClient, refresh_token: str, **fields: str) -> Response:
    data = {"grant_type": "refresh_token", "client_id": client.client_id, "refresh_token": refresh_token}
    return await http.post(TOKEN, data={**data, **fields})


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a token, unverified (the tests verify separately)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def sign_as_identity(
    session: AsyncSession, settings: Settings, at: datetime, claims: dict[str, Any], **headers: Any
) -> str:
    """A token signed with identity's real active key, with any claims and headers (for attack tests)."""
    key = await ensure_active_key(session, crypto_of(settings).ring, at=at)
    private = Signer(crypto_of(settings).ring)._private_key(key)
    return jwt.encode(
        claims, private, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt", **headers}
    )


def client_from(http: AsyncClient, address: str) -> AsyncClient:
    """Another HTTP client on the same app and state, calling from `address`."""
    transport = http._transport
    assert isinstance(transport, ASGITransport)
    injector = transport.app
    assert isinstance(injector, StateInjector)
    return AsyncClient(
        transport=ASGITransport(app=injector, client=(address, 40000)), base_url="http://testserver"
    )


async def audit_rows(
    session: AsyncSession, action: str, *, subject_id: UUID | None = None
) -> list[AuditRecord]:
    statement = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.created_at)
    if subject_id is not None:
        statement = statement.where(AuditRecord.subject_id == subject_id)
    return list((await session.scalars(statement)).all())
