"""Invitation codes: how an invited (or reset) staff member sets a password and an authenticator.

1. An admin (or a supervisor, for an officer) invites: the account is `pending` and a code goes out by
   e-mail or SMS. The code is 12 characters from a 31-letter alphabet (about 59 bits), valid 24 hours,
   stored as a peppered HMAC; a new invitation ends the previous code.
2. `accept` (username + code + new password) stores the password and a new TOTP secret, shown once.
3. `confirm` (username + code + a current TOTP code) turns the authenticator on and activates the account:
   no staff account is active without a second factor. It answers ten recovery codes, once.

Every failure answers the same (`InvitationInvalid`) whether the username exists or not, and counts an
attempt on the code before it is compared: after `OTP_MAX_ATTEMPTS` failures the code is dead and an admin
sends a new one.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountStatus, OneTimeCode
from siantar_identity.agency import repository as agency_repository
from siantar_identity.audit import service as audit
from siantar_identity.mfa import recovery, totp
from siantar_identity.mfa import repository as mfa_repository
from siantar_identity.mfa.schemas import TotpEnrolment
from siantar_identity.mfa.service import TOTP_CONTEXT, check_totp, recovery_code_hash
from siantar_identity.notify import service as notify
from siantar_identity.notify.notifiers import Channel, Notifier
from siantar_identity.security import password_policy
from siantar_identity.security.breached import BreachedPasswordChecker
from siantar_identity.security.context import Crypto
from siantar_identity.security.password_policy import PasswordContext
from siantar_identity.security.passwords import hash_password
from siantar_identity.security.secrets import same
from siantar_identity.staff import repository
from siantar_identity.staff.exceptions import InvitationInvalid, InvitationNotAccepted
from siantar_identity.staff.schemas import InvitationSent
from siantar_shared.i18n import Language, Text

INVITATION_TTL = timedelta(hours=24)
ALPHABET = recovery.ALPHABET.upper()
CODE_LENGTH = 12
CITY = "Pemerintah Kota Pematangsiantar"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def contact(crypto: Crypto, account: Account) -> tuple[Channel, str] | None:
    """Where invitations go: the e-mail address, else the phone by SMS (decrypted only to send)."""
    email = contacts.read_email(account, crypto)
    if email is not None:
        return Channel.email, email
    phone = contacts.read_phone(account, crypto)
    return None if phone is None else (Channel.sms, phone)


async def issue(
    session: AsyncSession,
    crypto: Crypto,
    notifiers: dict[Channel, Notifier],
    account: Account,
    *,
    at: datetime,
) -> InvitationSent:
    """A fresh invitation code for `account` (earlier ones end), sent to its contact."""
    await repository.end_invitations(session, account.id, at)
    target = contact(crypto, account)
    if target is None:
        raise InvitationNotAccepted(Text("Akun ini tidak punya kontak", "This account has no contact"))
    channel, address = target
    code = new_code()
    expires_at = at + INVITATION_TTL
    session.add(
        OneTimeCode(
            account_id=account.id,
            purpose=repository.INVITATION,
            channel=channel,
            target_index=(
                contacts.email_index(crypto, address)
                if channel == Channel.email
                else contacts.phone_index(crypto, address)
            ),
            code_hash=crypto.secret_hash(normalise(code)),
            expires_at=expires_at,
            attempts=0,
        )
    )
    await session.flush()
    params = {
        "agency": await _agency_label(session, account),
        "username": account.username or "",
        "code": code,
        "minutes": str(int(INVITATION_TTL.total_seconds() // 60)),
    }
    language: Language = "en" if account.language == "en" else "id"
    sent = await notify.send(
        session,
        notifiers,
        account_id=account.id,
        channel=channel,
        to=address,
        template="staff_invitation",
        language=language,
        params=params,
        at=at,
    )
    return InvitationSent(channel=channel.value, sent=sent.status == "sent", expires_at=expires_at)


async def _agency_label(session: AsyncSession, account: Account) -> str:
    agency = (
        await agency_repository.get_by_code(session, account.agency_code) if account.agency_code else None
    )
    if agency is None:
        return CITY
    return agency.name if len(agency.name) <= 120 else agency.short_name


@dataclass(frozen=True)
class Attempt:
    account: Account
    invitation: OneTimeCode


async def _verify(
    session: AsyncSession,
    crypto: Crypto,
    *,
    username: str,
    code: str,
    at: datetime,
    max_attempts: int,
    request: Request | None,
) -> Attempt:
    account = await repository.staff_by_username(session, username)
    invitation = None
    if account is not None and account.status == AccountStatus.pending:
        invitation = await repository.live_invitation(session, account.id, at)
    presented = crypto.secret_hash(normalise(code))  # computed on every path: similar timing
    if (
        account is None
        or invitation is None
        or not await repository.claim_attempt(session, invitation, max_attempts)
        or not same(presented, invitation.code_hash)
    ):
        subject = account.id if account is not None else None
        await audit.record(
            session, "staff.invitation.rejected", request=request, subject_id=subject, outcome="failure"
        )
        raise InvitationInvalid(
            Text(
                "Nama pengguna atau kode undangan salah, kedaluwarsa, atau sudah dipakai; minta undangan baru",
                "Wrong, expired or used username or invitation code; ask for a new invitation",
            )
        )
    return Attempt(account, invitation)


async def accept(
    session: AsyncSession,
    crypto: Crypto,
    *,
    username: str,
    code: str,
    password: str,
    breached: BreachedPasswordChecker,
    at: datetime,
    max_attempts: int,
    request: Request | None,
) -> TotpEnrolment:
    """Step 2: set the password and a new, unconfirmed TOTP secret (repeatable until confirmed)."""
    attempt = await _verify(
        session, crypto, username=username, code=code, at=at, max_attempts=max_attempts, request=request
    )
    account = attempt.account
    context = PasswordContext(names=[account.full_name or "", username])
    await password_policy.enforce(password, context=context, breached=breached)
    await repository.refund_attempt(session, attempt.invitation)  # a right code is no failed attempt
    account.password_hash = await hash_password(password)
    account.password_changed_at = at
    secret = totp.new_secret()
    account.totp_secret_ciphertext = crypto.ring.encrypt(secret, context=TOTP_CONTEXT)
    account.totp_confirmed_at = None
    account.totp_last_step = None
    await session.flush()
    await audit.record(
        session, "staff.invitation.accepted", request=request, actor_id=account.id, subject_id=account.id
    )
    return TotpEnrolment(secret=secret, otpauth_uri=totp.provisioning_uri(secret, username))


async def confirm(
    session: AsyncSession,
    crypto: Crypto,
    *,
    username: str,
    code: str,
    totp_code: str,
    at: datetime,
    max_attempts: int,
    request: Request | None,
) -> tuple[Account, list[str]]:
    """Step 3: a current TOTP code turns the authenticator on and the account active; a wrong TOTP code
    counts as a failed attempt on the invitation code."""
    attempt = await _verify(
        session, crypto, username=username, code=code, at=at, max_attempts=max_attempts, request=request
    )
    account = attempt.account
    if account.password_hash is None or account.totp_secret_ciphertext is None:
        raise InvitationNotAccepted(
            Text("Atur kata sandi dulu (accept)", "Set the password first (accept the invitation)")
        )
    if not await check_totp(session, crypto, account, totp_code, at):
        await audit.record(
            session,
            "staff.invitation.rejected",
            request=request,
            subject_id=account.id,
            outcome="failure",
            reason="totp",
        )
        raise InvitationInvalid(
            Text("Kode autentikator salah atau sudah dipakai", "Wrong or already used authenticator code")
        )
    account.totp_confirmed_at = at
    account.status = AccountStatus.active
    if account.email_ciphertext is not None:
        account.email_verified_at = account.email_verified_at or at
    elif account.phone_ciphertext is not None:
        account.phone_verified_at = account.phone_verified_at or at
    attempt.invitation.consumed_at = at
    codes = recovery.new_codes()
    hashes = [recovery_code_hash(crypto, recovery.normalise(c) or "") for c in codes]
    await mfa_repository.replace_recovery_codes(session, account.id, hashes)
    await session.flush()
    await audit.record(
        session,
        "staff.activated",
        request=request,
        actor_id=account.id,
        subject_id=account.id,
        amr=["pwd", "otp"],
    )
    return account, codes
