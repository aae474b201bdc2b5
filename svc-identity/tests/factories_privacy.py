"""Accounts, sign-ins and tokens for the notify, guest, privacy and audit tests, made with the models
directly (encrypted with the app's own Crypto) so these tests do not depend on registration."""

import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.oauth.models import TokenFamily
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

PASSWORD = "lembayung senja di danau toba"


def random_phone() -> str:
    return "+62812" + "".join(secrets.choice("0123456789") for _ in range(8))


def random_email() -> str:
    return f"warga.{secrets.token_hex(4)}@example.id"


async def create_account(
    session: AsyncSession,
    crypto: Crypto,
    *,
    kind: str = AccountKind.citizen,
    status: str = AccountStatus.active,
    full_name: str | None = "Rina Simanjuntak",
    phone: str | None = "random",
    phone_verified: bool = True,
    email: str | None = None,
    email_verified: bool = True,
    nik: str | None = None,
    password: str | None = None,
    language: str = "id",
    roles: Iterable[str] = ("citizen",),
    username: str | None = None,
) -> Account:
    """An account with its personal data encrypted and indexed as the account domain stores it."""
    now = datetime.now(UTC)
    phone = random_phone() if phone == "random" else phone
    account = Account(
        kind=kind,
        status=status,
        full_name=full_name,
        language=language,
        username=username,
        roles=list(roles),
        assurance_level=1 if nik else 0,
    )
    if phone is not None:
        contacts.set_phone(account, crypto, phone)
        account.phone_verified_at = now if phone_verified else None
    if email is not None:
        contacts.set_email(account, crypto, email)
        account.email_verified_at = now if email_verified else None
    if nik is not None:
        contacts.set_nik(account, crypto, nik)
    if password is not None:
        account.password_hash = await hash_password(password)
    await save(session, account)
    return account


async def create_family(
    session: AsyncSession, account: Account, *, client_id: str = "siantar-app"
) -> TokenFamily:
    """A live sign-in of `account`."""
    now = datetime.now(UTC)
    family = TokenFamily(
        account_id=account.id,
        client_id=client_id,
        scope="",
        acr=account.assurance_level,
        amr=["pwd"],
        auth_time=now,
        absolute_expires_at=now + timedelta(days=90),
    )
    await save(session, family)
    return family


def bearer(
    test_keys: TestKeys, subject: UUID, roles: Iterable[str] = ("citizen",), **claims: Any
) -> dict[str, str]:
    """Authorization header of a person's access token."""
    return {"Authorization": f"Bearer {test_keys.mint(subject=subject, roles=list(roles), **claims)}"}


def service_bearer(test_keys: TestKeys, *scopes: str, client_id: str = "svc-complaints") -> dict[str, str]:
    """Authorization header of a service's client-credentials token."""
    token = test_keys.mint(roles=["service"], scopes=list(scopes), client_id=client_id, amr=None)
    return {"Authorization": f"Bearer {token}"}


def outbox_messages(outbox: Path, channel: str, containing: str) -> list[dict[str, str]]:
    """The messages the development notifier wrote on `channel` whose body contains `containing` (the
    outbox is shared by the tests of a run, so each test looks for a marker of its own)."""
    folder = outbox / channel
    if not folder.is_dir():
        return []
    messages = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    return [message for message in messages if containing in message["body"]]


def fee_payload(subject_id: UUID, skrd: str, **overrides: Any) -> dict[str, Any]:
    """A `fee_assessed` notification request; `skrd` doubles as the marker to find it in the outbox."""
    params = {
        "application_number": "PBG-2026-000123",
        "skrd_number": skrd,
        "amount": 1250000,
        "due_date": "2026-12-20",
    }
    return {"subject_id": str(subject_id), "template": "fee_assessed", "params": params, **overrides}


def received_payload(subject_id: UUID, tracking: str, **overrides: Any) -> dict[str, Any]:
    """A `complaint_received` notification request."""
    params = {"tracking_number": tracking}
    return {"subject_id": str(subject_id), "template": "complaint_received", "params": params, **overrides}


def marker() -> str:
    """A unique SKRD number, to find one test's message among the outbox's."""
    return f"SKRD/{secrets.token_hex(6)}"
