"""Citizens, codes from the development outbox, tokens and sign-ins for the account, password and assurance
tests; accounts are made with the models directly, codes are read back from what the notifier wrote."""

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit.models import AuditRecord
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

ACCOUNTS = "/identity/v1/accounts"
ME = "/identity/v1/me"
PASSWORD = "jembatan gantung di sungai bah bolon"
CODE = re.compile(r"\b([0-9]{6})\b")
# fictional NIKs: Siantar, woman born 17-08-1990; Siantar, man born 05-03-1985; Medan (12 71), man 01-01-2001
NIK_SIANTAR = "1272015708900001"
NIK_OTHER = "1272010503850002"
NIK_MEDAN = "1271010101010003"


def crypto_of(settings: Settings) -> Crypto:
    return Crypto.from_settings(settings)


def new_phone() -> str:
    """A random Indonesian mobile number in E.164 form."""
    return "+62812" + "".join(secrets.choice("0123456789") for _ in range(8))


def new_email() -> str:
    return f"warga.{secrets.token_hex(4)}@example.id"


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Rina Simanjuntak",
        "phone": new_phone(),
        "password": PASSWORD,
        "language": "id",
    }
    return {**body, **overrides}


async def create_citizen(
    session: AsyncSession,
    settings: Settings,
    *,
    phone: str | None = None,
    email: str | None = None,
    email_verified: bool = True,
    nik: str | None = None,
    level: int = 0,
    status: AccountStatus = AccountStatus.active,
    password: str = PASSWORD,
    full_name: str = "Budi Sitorus",
    at: datetime | None = None,
) -> Account:
    """An active citizen with a verified phone (and, if given, e-mail and NIK at `level`)."""
    crypto, at = crypto_of(settings), at or datetime.now(UTC)
    account = Account(
        kind=AccountKind.citizen,
        status=status,
        full_name=full_name,
        language="id",
        roles=["citizen"],
        password_hash=await hash_password(password),
        password_changed_at=at,
        assurance_level=level,
    )
    contacts.set_phone(account, crypto, phone or new_phone())
    account.phone_verified_at = at if status == AccountStatus.active else None
    if email:
        contacts.set_email(account, crypto, email)
        account.email_verified_at = at if email_verified else None
    if nik:
        contacts.set_nik(account, crypto, nik)
        account.assurance_method = {1: "nik_self", 2: "dukcapil"}.get(level)
    saved: Account = await save(session, account)
    return saved


async def create_staff(session: AsyncSession, settings: Settings, *, roles: list[str]) -> Account:
    account = Account(
        kind=AccountKind.staff,
        status=AccountStatus.active,
        full_name="Petugas Diskominfo",
        username=f"petugas.{secrets.token_hex(3)}",
        roles=roles,
        password_hash=await hash_password(PASSWORD),
    )
    saved: Account = await save(session, account)
    return saved


def bearer(
    test_keys: TestKeys, account: Account, *, roles: list[str] | None = None, **claims: Any
) -> dict[str, str]:
    """Authorization header of a real access token whose subject is `account`."""
    token = test_keys.mint(subject=account.id, roles=roles or list(account.roles), **claims)
    return {"Authorization": f"Bearer {token}"}


async def create_family(session: AsyncSession, account: Account, *, at: datetime) -> TokenFamily:
    """A live sign-in (refresh-token family) of `account`."""
    family = TokenFamily(
        account_id=account.id,
        client_id="siantar-warga",
        scope="",
        acr=account.assurance_level,
        amr=["pwd"],
        auth_time=at,
        absolute_expires_at=at + timedelta(days=1),
    )
    saved: TokenFamily = await save(session, family)
    return saved


async def enrol_totp(session: AsyncSession, settings: Settings, account: Account, *, at: datetime) -> str:
    """A confirmed authenticator on `account`; returns its secret."""
    secret = totp.new_secret()
    account.totp_secret_ciphertext = crypto_of(settings).ring.encrypt(secret, context=TOTP_CONTEXT)
    account.totp_confirmed_at = at
    await session.flush()
    return secret


def messages_to(outbox: Path, to: str) -> list[dict[str, str]]:
    """Every message the development notifier wrote to `to`, oldest first."""
    found = []
    for path in sorted(outbox.glob("*/*.json")):
        message = json.loads(path.read_text(encoding="utf-8"))
        if message["to"] == to:
            found.append(message)
    return found


def last_code(outbox: Path, to: str) -> str:
    """The code of the latest message with a code sent to `to`."""
    code = last_code_in(messages_to(outbox, to))
    assert code is not None, f"no code was sent to {to}"
    return code


def last_code_in(messages: list[dict[str, str]]) -> str | None:
    for message in reversed(messages):
        match = CODE.search(message["body"])
        if match:
            return match.group(1)
    return None


def phone_of(account: Account, settings: Settings) -> str:
    phone = contacts.read_phone(account, crypto_of(settings))
    assert phone is not None
    return phone


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def by_phone(session: AsyncSession, settings: Settings, phone: str) -> Account | None:
    index = contacts.phone_index(crypto_of(settings), phone)
    return await session.scalar(
        select(Account).where(Account.phone_index == index).execution_options(populate_existing=True)
    )


async def reload(session: AsyncSession, account_id: UUID) -> Account:
    account = await session.get(Account, account_id, populate_existing=True)
    assert account is not None
    return account


async def audit_of(session: AsyncSession, subject_id: UUID | None, action: str) -> list[AuditRecord]:
    statement = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.created_at)
    if subject_id is not None:
        statement = statement.where(AuditRecord.subject_id == subject_id)
    return list(await session.scalars(statement))
