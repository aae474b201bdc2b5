"""The second factor as other domains use it: checking it at sign-in, and an administrator's reset.

- `verify_second_factor` is called by the sign-in (password grant, authorization page) when the account has a
  confirmed authenticator; it consumes what it accepts, so neither a TOTP step nor a recovery code works twice.
- `reset_second_factor` is called by the admin API when a staff member lost their authenticator: it clears
  the authenticator and the recovery codes, ends every sign-in of that person and is audited (`mfa.reset`);
  they enrol again at their next sign-in, as MFA is mandatory for staff.
"""

from datetime import datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind
from siantar_identity.audit.service import record
from siantar_identity.mfa import recovery, totp
from siantar_identity.mfa import repository as mfa_repository
from siantar_identity.mfa.exceptions import SelfResetForbidden
from siantar_identity.security.context import Crypto
from siantar_shared.auth import Principal, Role

TOTP_CONTEXT = "account.totp"  # associated data of the encrypted TOTP secret
RECOVERY_CONTEXT = "account.recovery_code"
STAFF_ROLES = frozenset(role.value for role in Role if role not in (Role.citizen, Role.service))


def is_staff(account: Account) -> bool:
    """Staff accounts (any role beyond citizen) must have a second factor and can never remove it."""
    return account.kind == AccountKind.staff or bool(STAFF_ROLES.intersection(account.roles or []))


def second_factor_enrolled(account: Account) -> bool:
    """Whether the account has a confirmed authenticator (and so must present a second factor)."""
    return account.totp_confirmed_at is not None and account.totp_secret_ciphertext is not None


def totp_secret(crypto: Crypto, account: Account) -> str | None:
    blob = account.totp_secret_ciphertext
    return None if blob is None else crypto.ring.decrypt(blob, context=TOTP_CONTEXT)


def recovery_code_hash(crypto: Crypto, code: str) -> str:
    return crypto.index.digest(code, context=RECOVERY_CONTEXT)


async def check_totp(
    session: AsyncSession, crypto: Crypto, account: Account, code: str, at: datetime
) -> bool:
    """Accept a TOTP code once: its time step is recorded, so the same code (or an older one) fails after."""
    secret = totp_secret(crypto, account)
    if secret is None:
        return False
    step = totp.matching_step(secret, code.strip(), at, last_step=account.totp_last_step)
    return step is not None and await mfa_repository.record_totp_step(session, account, step)


async def use_recovery_code(
    session: AsyncSession, crypto: Crypto, account: Account, code: str, at: datetime, request: Request | None
) -> bool:
    """Consume one recovery code; audited (`mfa.recovery_code.used`) with how many remain."""
    compact = recovery.normalise(code)
    if compact is None:
        return False
    if not await mfa_repository.use_recovery_code(
        session, account.id, recovery_code_hash(crypto, compact), at
    ):
        return False
    remaining = await mfa_repository.count_unused_recovery_codes(session, account.id)
    await record(
        session,
        "mfa.recovery_code.used",
        request=request,
        actor_id=account.id,
        subject_id=account.id,
        remaining=remaining,
    )
    return True


async def verify_second_factor(
    session: AsyncSession,
    account: Account,
    *,
    crypto: Crypto,
    otp: str | None,
    recovery_code: str | None,
    at: datetime,
    request: Request | None = None,
) -> list[str] | None:
    """The `amr` entries a valid second factor adds (`["otp"]`), or None if it fails or none is enrolled.

    A TOTP code is tried first when given, else a recovery code. Whatever is accepted is consumed. The
    caller throttles and audits the sign-in itself; only the use of a recovery code is audited here.
    """
    if not second_factor_enrolled(account):
        return None
    if otp:
        return ["otp"] if await check_totp(session, crypto, account, otp, at) else None
    if recovery_code:
        return (
            ["otp"] if await use_recovery_code(session, crypto, account, recovery_code, at, request) else None
        )
    return None


async def reset_second_factor(
    session: AsyncSession,
    account: Account,
    *,
    by: Principal,
    reason: str,
    at: datetime,
    request: Request | None = None,
) -> None:
    """An administrator clears a person's authenticator and recovery codes (they lost them): every sign-in
    of that person ends, and the reset is audited with who, why and when. The caller checks the role."""
    if by.subject == account.id:
        raise SelfResetForbidden()
    had_totp = account.totp_secret_ciphertext is not None
    clear_totp(account)
    await mfa_repository.delete_recovery_codes(session, account.id)
    revoked = await mfa_repository.revoke_families(session, account.id, keep=None, reason="mfa_reset", at=at)
    await session.flush()
    await record(
        session,
        "mfa.reset",
        request=request,
        actor=by,
        subject_id=account.id,
        reason=reason,
        had_totp=had_totp,
        families_revoked=revoked,
    )


def clear_totp(account: Account) -> None:
    account.totp_secret_ciphertext = None
    account.totp_confirmed_at = None
    account.totp_last_step = None
