"""A person managing their own second factor: enrol, confirm, regenerate recovery codes, remove.

Each change needs a recent sign-in (the token's `auth_time` within `REAUTH_WINDOW`) or the current password
(ASVS 5.0 7.5.1), and ends the person's other sign-ins (their other token families, ASVS 7.4.3). Wrong codes
and passwords are audited as failures and throttled per account.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.audit.service import record
from siantar_identity.mfa import recovery, throttle, totp
from siantar_identity.mfa import repository as mfa_repository
from siantar_identity.mfa.exceptions import (
    InvalidSecondFactorCode,
    ReauthenticationRequired,
    StaffMfaMandatory,
    TotpAlreadyEnabled,
    TotpNotEnabled,
    TotpNotPending,
    WrongPassword,
)
from siantar_identity.mfa.schemas import MfaStatus, RecoveryCodes, TotpEnrolment
from siantar_identity.mfa.service import (
    TOTP_CONTEXT,
    check_totp,
    clear_totp,
    is_staff,
    recovery_code_hash,
    second_factor_enrolled,
    use_recovery_code,
)
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import verify_password
from siantar_shared.auth import Principal

REAUTH_WINDOW = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class Caller:
    """The signed-in person: the token's principal, their account, when they signed in and which sign-in
    (token family) the token belongs to, when the token says so."""

    principal: Principal
    account: Account
    auth_time: datetime | None
    family_id: UUID | None
    request: Request


async def status(session: AsyncSession, caller: Caller) -> MfaStatus:
    account = caller.account
    return MfaStatus(
        totp_enabled=second_factor_enrolled(account),
        totp_pending=account.totp_secret_ciphertext is not None and account.totp_confirmed_at is None,
        confirmed_at=account.totp_confirmed_at,
        recovery_codes_remaining=await mfa_repository.count_unused_recovery_codes(session, account.id),
        required=is_staff(account),
    )


async def start(
    session: AsyncSession, crypto: Crypto, caller: Caller, *, password: str | None, at: datetime
) -> TotpEnrolment:
    """A new, unconfirmed secret (replacing an unconfirmed one): shown once, stored encrypted."""
    account = caller.account
    if second_factor_enrolled(account):
        raise TotpAlreadyEnabled()
    await ensure_recent_authentication(session, caller, password=password, at=at)
    secret = totp.new_secret()
    account.totp_secret_ciphertext = crypto.ring.encrypt(secret, context=TOTP_CONTEXT)
    account.totp_confirmed_at = None
    account.totp_last_step = None
    await session.flush()
    await _audit(session, caller, "mfa.totp.enrolment_started")
    label = account.username or account.phone_masked or str(account.id)
    return TotpEnrolment(secret=secret, otpauth_uri=totp.provisioning_uri(secret, label))


async def confirm(
    session: AsyncSession, crypto: Crypto, caller: Caller, *, code: str, at: datetime
) -> RecoveryCodes:
    """Turn the pending authenticator on with a current code; returns the first recovery codes."""
    account = caller.account
    if second_factor_enrolled(account):
        raise TotpAlreadyEnabled()
    if account.totp_secret_ciphertext is None:
        raise TotpNotPending()
    await _check_code(session, crypto, caller, code, at, operation="confirm")
    account.totp_confirmed_at = at
    codes = await _new_recovery_codes(session, crypto, account)
    revoked = await _end_other_sign_ins(session, caller, at, reason="mfa_enabled")
    await _audit(session, caller, "mfa.totp.confirmed", families_revoked=revoked)
    return RecoveryCodes(codes=codes)


async def regenerate_recovery_codes(
    session: AsyncSession, crypto: Crypto, caller: Caller, *, code: str, password: str | None, at: datetime
) -> RecoveryCodes:
    """Ten new recovery codes; the old ones stop working."""
    if not second_factor_enrolled(caller.account):
        raise TotpNotEnabled()
    await ensure_recent_authentication(session, caller, password=password, at=at)
    await _check_code(session, crypto, caller, code, at, operation="recovery_codes")
    codes = await _new_recovery_codes(session, crypto, caller.account)
    revoked = await _end_other_sign_ins(session, caller, at, reason="mfa_changed")
    await _audit(session, caller, "mfa.recovery_codes.regenerated", families_revoked=revoked)
    return RecoveryCodes(codes=codes)


async def remove(
    session: AsyncSession,
    crypto: Crypto,
    caller: Caller,
    *,
    code: str | None,
    recovery_code: str | None,
    password: str | None,
    at: datetime,
) -> None:
    """A citizen turns two-step verification off (a current code, or a recovery code if the authenticator
    is lost). Staff never can: an administrator resets theirs, and they enrol again."""
    account = caller.account
    if is_staff(account):
        raise StaffMfaMandatory()
    if account.totp_secret_ciphertext is None:
        raise TotpNotEnabled()
    await ensure_recent_authentication(session, caller, password=password, at=at)
    if second_factor_enrolled(account):
        await _check_code(session, crypto, caller, code, at, operation="remove", recovery_code=recovery_code)
    clear_totp(account)
    await mfa_repository.delete_recovery_codes(session, account.id)
    await session.flush()
    revoked = await _end_other_sign_ins(session, caller, at, reason="mfa_removed")
    await _audit(session, caller, "mfa.totp.removed", families_revoked=revoked)


async def ensure_recent_authentication(
    session: AsyncSession, caller: Caller, *, password: str | None, at: datetime
) -> None:
    """A password, when sent, must be right; without one the sign-in must be at most `REAUTH_WINDOW` old."""
    if password is not None:
        await throttle.begin(session, caller.request, caller.account, at)
        if not await verify_password(caller.account.password_hash, password):
            await _audit(session, caller, "mfa.reauthentication", outcome="failure")
            raise WrongPassword()
        await throttle.succeeded(session, caller.request, caller.account, at)
        return
    auth_time = caller.auth_time
    if auth_time is None or not (at - REAUTH_WINDOW <= auth_time <= at + CLOCK_SKEW):
        raise ReauthenticationRequired()


async def _check_code(
    session: AsyncSession,
    crypto: Crypto,
    caller: Caller,
    code: str | None,
    at: datetime,
    *,
    operation: str,
    recovery_code: str | None = None,
) -> None:
    """A current TOTP code (or, where allowed, a recovery code), consumed once accepted."""
    account = caller.account
    await throttle.begin(session, caller.request, account, at)
    if code is not None:
        accepted = await check_totp(session, crypto, account, code, at)
    else:
        accepted = recovery_code is not None and await use_recovery_code(
            session, crypto, account, recovery_code, at, caller.request
        )
    if not accepted:
        await _audit(session, caller, "mfa.code_rejected", outcome="failure", operation=operation)
        raise InvalidSecondFactorCode()
    await throttle.succeeded(session, caller.request, account, at)


async def _new_recovery_codes(session: AsyncSession, crypto: Crypto, account: Account) -> list[str]:
    codes = recovery.new_codes()
    hashes = [recovery_code_hash(crypto, recovery.normalise(code) or "") for code in codes]
    await mfa_repository.replace_recovery_codes(session, account.id, hashes)
    return codes


async def _end_other_sign_ins(session: AsyncSession, caller: Caller, at: datetime, *, reason: str) -> int:
    return await mfa_repository.revoke_families(
        session, caller.account.id, keep=caller.family_id, reason=reason, at=at
    )


async def _audit(
    session: AsyncSession, caller: Caller, action: str, *, outcome: str = "success", **detail: Any
) -> None:
    await record(
        session,
        action,
        request=caller.request,
        actor=caller.principal,
        subject_id=caller.account.id,
        outcome=outcome,
        **detail,
    )
