"""Erasure and restriction of an account (UU 27/2022 Ps. 8, 11, 42-45), and the events that carry them to the
other services in the same transaction, so that complaints and permits pseudonymise or pause their side."""

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountStatus
from siantar_identity.audit.service import record
from siantar_identity.models import platform
from siantar_identity.oauth.families import revoke_account_families
from siantar_identity.privacy import repository
from siantar_shared.auth import Principal
from siantar_shared.events import emit, event_source

ERASED_EVENT = "id.go.pematangsiantar.identity.account.erased"
RESTRICTED_EVENT = "id.go.pematangsiantar.identity.account.restricted"
RESTRICTION_LIFTED_EVENT = "id.go.pematangsiantar.identity.account.restriction-lifted"
# what identifies or authenticates the person; the subject id, kind, language and dates stay
ERASED_FIELDS = (
    "full_name", "username", "phone_ciphertext", "phone_index", "phone_masked", "phone_verified_at",
    "email_ciphertext", "email_index", "email_masked", "email_verified_at", "password_hash", "nik_ciphertext", "nik_index",
    "nik_masked", "assurance_method", "assurance_verifier", "assurance_at", "totp_secret_ciphertext",
    "totp_confirmed_at", "totp_last_step", "agency_code",
)  # fmt: skip


async def erase(
    session: AsyncSession, account: Account, *, request: Request, principal: Principal, at: datetime
) -> None:
    """Pseudonymise an account: name, contacts, NIK, password and second factor go, and their look-up
    hashes with them (so the phone and e-mail can register again); every sign-in ends; the subject id
    stays, and the other services learn of it by the `account.erased` event in this same transaction."""
    for name in ERASED_FIELDS:
        setattr(account, name, None)
    account.assurance_level, account.roles = 0, []
    account.status, account.erased_at = AccountStatus.erased, at
    await session.flush()
    await repository.delete_secrets_and_copies(session, account.id)
    revoked = await revoke_account_families(session, account.id, reason="account_erased", at=at)
    await _announce(
        session, account, "account.erased", ERASED_EVENT, request=request, principal=principal,
        token_families_revoked=revoked,
    )  # fmt: skip


async def restrict(
    session: AsyncSession, account: Account, *, request: Request, principal: Principal, at: datetime
) -> None:
    """Restrict processing (UU 27/2022 Ps. 11): no more notifications from identity, and the other services
    learn of it by the `account.restricted` event in this same transaction."""
    account.restricted_at = at
    await session.flush()
    await _announce(
        session, account, "account.restricted", RESTRICTED_EVENT, request=request, principal=principal
    )


async def lift_restriction(
    session: AsyncSession, account: Account, *, request: Request, principal: Principal, at: datetime
) -> None:
    """End a restriction on the person's request: identity notifies them again, and the other services
    learn of it by the `account.restriction-lifted` event in this same transaction."""
    account.restricted_at = None
    await session.flush()
    await _announce(
        session, account, "account.restriction_lifted", RESTRICTION_LIFTED_EVENT, request=request,
        principal=principal,
    )  # fmt: skip


async def _announce(
    session: AsyncSession,
    account: Account,
    action: str,
    event_type: str,
    *,
    request: Request,
    principal: Principal,
    **detail: Any,
) -> None:
    """The audit record of what was done to `account`, and the event that tells the other services (its
    subject id only), in the caller's transaction."""
    await record(session, action, request=request, actor=principal, subject_id=account.id, **detail)
    await emit(
        session,
        platform,
        type=event_type,
        subject=str(account.id),
        data={"subject_id": account.id},
        source=event_source("identity"),
    )
