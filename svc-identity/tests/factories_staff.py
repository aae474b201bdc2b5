"""Agencies, staff accounts, API clients and tokens for the agency, staff, client and seed tests, made with
the models and services directly; messages are read back from the development notifier's outbox."""

import json
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.agency import service as agency_service
from siantar_identity.audit.models import AuditRecord
from siantar_identity.client import service as client_service
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.client.schemas import ApiClientCreate
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_identity.staff.actor import Actor
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

PASSWORD = "kopi-tubruk-di-pasar-horas"
CODE = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}\b")


def crypto_of(settings: Settings) -> Crypto:
    return Crypto.from_settings(settings)


async def seed_opd(session: AsyncSession) -> None:
    """The shipped OPD list (each test's transaction is rolled back, so every test seeds its own)."""
    await agency_service.seed(session)


def unique(prefix: str) -> str:
    return f"{prefix}.{secrets.token_hex(3)}"


async def create_staff(
    session: AsyncSession,
    settings: Settings,
    *,
    roles: list[str],
    agency: str | None = None,
    status: AccountStatus = AccountStatus.active,
    username: str | None = None,
    email: str | None = "petugas@pematangsiantar.go.id",
    enrolled: bool = True,
    password: str | None = PASSWORD,
) -> Account:
    """A staff account; active ones have a password and a confirmed authenticator, as they must."""
    crypto = crypto_of(settings)
    account = Account(
        kind=AccountKind.staff,
        status=status,
        full_name="Petugas Uji",
        username=username or unique("staff"),
        roles=roles,
        agency_code=agency,
        password_hash=await hash_password(password) if password else None,
    )
    if email is not None:
        account.email_ciphertext = crypto.ring.encrypt(email, context=contacts.EMAIL_CONTEXT)
    if enrolled:
        account.totp_secret_ciphertext = crypto.ring.encrypt(totp.new_secret(), context=TOTP_CONTEXT)
        account.totp_confirmed_at = datetime.now(UTC)
    saved: Account = await save(session, account)
    return saved


def bearer(
    test_keys: TestKeys, account: Account, *, roles: list[str] | None = None, **claims: Any
) -> dict[str, str]:
    """Authorization header of a real access token for `account` (its own roles and agency by default)."""
    token = test_keys.mint(
        subject=account.id,
        roles=roles if roles is not None else list(account.roles),
        agency=claims.pop("agency", account.agency_code),
        amr=["pwd", "otp"],
        **claims,
    )
    return {"Authorization": f"Bearer {token}"}


async def admin_headers(session: AsyncSession, settings: Settings, test_keys: TestKeys) -> dict[str, str]:
    admin = await create_staff(session, settings, roles=["admin"])
    return bearer(test_keys, admin)


def service_headers(test_keys: TestKeys, *scopes: str, client_id: str = "svc-complaints") -> dict[str, str]:
    token = test_keys.mint(roles=["service"], scopes=list(scopes), client_id=client_id, amr=None)
    return {"Authorization": f"Bearer {token}"}


def outbox_code(outbox: Path, username: str) -> str:
    """The invitation code of the newest message naming `username`."""
    messages = sorted(outbox.glob("*/*.json"), key=lambda path: path.name, reverse=True)
    for path in messages:
        body = json.loads(path.read_text(encoding="utf-8"))["body"]
        if f": {username}." in body:
            found = CODE.search(body)
            assert found is not None, body
            return found.group(0)
    raise AssertionError(f"no message for {username} in the outbox")


async def reload(session: AsyncSession, instance: Any) -> Any:
    fresh = await session.get(type(instance), instance.id, populate_existing=True)
    assert fresh is not None
    return fresh


async def audit_rows(session: AsyncSession, action: str, **where: Any) -> list[AuditRecord]:
    statement = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.created_at)
    for name, value in where.items():
        statement = statement.where(getattr(AuditRecord, name) == value)
    return list((await session.scalars(statement)).all())


async def create_client(
    session: AsyncSession,
    settings: Settings,
    *,
    kind: ClientKind = ClientKind.confidential,
    profile: ClientProfile = ClientProfile.third_party,
    grant_types: list[str] | None = None,
    scopes: list[str] | None = None,
    first_party: bool = False,
    redirect_uris: list[str] | None = None,
) -> tuple[ApiClient, str | None]:
    """A registered client through the service (so its secret is hashed as in production)."""
    data = ApiClientCreate(
        name="Aplikasi Uji",
        owner="CV Contoh Digital",
        contact="dev@example.org",
        kind=kind,
        profile=profile,
        first_party=first_party,
        grant_types=grant_types if grant_types is not None else ["client_credentials"],
        scopes=scopes if scopes is not None else ["complaints:write", "open311:write"],
        redirect_uris=redirect_uris or [],
    )
    return await client_service.create(session, crypto_of(settings), data, by=Actor.system())
