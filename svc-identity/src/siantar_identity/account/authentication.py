"""Signing in with a password (and a second factor): used by the token endpoint's password grant and by the
authorization page.

No user enumeration: an unknown identifier, a wrong password, a wrong or missing second factor and a disabled
account all get the same answer (`InvalidCredentials`), after the same work (an Argon2id verification, against
a dummy hash when there is no account), and are throttled alike (`throttle.policy`). Only a correct password
can lead to a different answer: an unverified account, or a staff account that has not finished enrolling its
second factor. Every attempt is audited as `auth.login` with the account id when one matched, never the
identifier itself.

The attempt is committed as a failure before the password is hashed, so that the count survives whatever
happens next and the counters' row locks are not held for the ~50 ms of Argon2id (concurrent sign-ins from
one address would otherwise queue behind each other). A failed attempt commits its audit record before
raising, since the error answer would roll it back, whichever endpoint called `authenticate`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from siantar_identity.account import repository
from siantar_identity.account.contacts import email_index, phone_index
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit.service import client_ip, record
from siantar_identity.config import Settings
from siantar_identity.mfa.service import is_staff, second_factor_enrolled, verify_second_factor
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import hash_password, needs_rehash, verify_password
from siantar_identity.staff.repository import staff_by_username
from siantar_identity.throttle.exceptions import SignInThrottled
from siantar_identity.throttle.policy import (
    ADDRESS_POLICY,
    Counter,
    account_key,
    account_policy,
    address_key,
    identifier_key,
)
from siantar_identity.throttle.service import attempt_succeeded, begin_attempt
from siantar_shared.errors import BadRequest, Forbidden
from siantar_shared.i18n import Text
from siantar_shared.idempotency import rowcount
from siantar_shared.schemas.types import normalise_phone

IDENTIFIER_THROTTLE_CONTEXT = "throttle.identifier"


class InvalidCredentials(BadRequest):
    slug = "invalid-credentials"
    title = Text("Gagal masuk", "Sign-in failed")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Nomor telepon, e-mail atau nama pengguna, kata sandi atau kode salah. Akun petugas dan akun "
                "dengan verifikasi dua langkah juga harus mengirim kode autentikator (otp).",
                "Wrong phone, e-mail or username, password or code. Staff accounts and accounts with "
                "two-step verification must also send the authenticator code (otp).",
            )
        )


class SecondFactorEnrolmentRequired(Forbidden):
    slug = "mfa-enrolment-required"
    title = Text("Verifikasi dua langkah belum diaktifkan", "Two-step verification not set up")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Akun petugas wajib memakai aplikasi autentikator: selesaikan pendaftarannya dulu "
                "lewat tautan undangan Anda.",
                "Staff accounts must use an authenticator app: finish enrolling it first, through your "
                "invitation link.",
            )
        )


class AccountNotActivated(Forbidden):
    slug = "account-not-activated"
    title = Text("Akun belum diaktifkan", "Account not activated")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Verifikasi nomor telepon atau e-mail Anda dengan kode yang dikirim, lalu masuk lagi.",
                "Verify your phone number or e-mail with the code sent to you, then sign in again.",
            )
        )


@dataclass(frozen=True)
class SignIn:
    account: Account
    amr: list[str]  # RFC 8176 methods: ["pwd"] or ["pwd", "otp"]
    auth_time: datetime


@dataclass(frozen=True)
class Lookup:
    account: Account | None
    kind: str  # phone, email or username
    digest: str  # keyed hash of the normalised identifier


async def authenticate(
    session: AsyncSession,
    request: Request,
    *,
    identifier: str,
    password: str,
    otp: str | None,
    recovery_code: str | None,
    client_id: str | None = None,
) -> SignIn:
    """The account and its authentication methods, or `InvalidCredentials`, `SignInThrottled` (429),
    `AccountNotActivated` or `SecondFactorEnrolmentRequired` (see the module docstring)."""
    crypto: Crypto = request.state.crypto
    at: datetime = request.state.clock.now()
    found = await find_account(session, crypto, identifier)
    attempt = _Attempt(session, request, found, client_id)
    counters = _counters(request.state.settings, found, client_ip(request))
    try:
        await begin_attempt(session, counters, at=at)
    except SignInThrottled:
        await attempt.audit("failure", reason="throttled")
        await session.commit()
        raise
    await session.commit()  # the attempt is counted for good, and the counters' row locks are released
    account = found.account
    if not await verify_password(account.password_hash if account else None, password) or account is None:
        await attempt.fail("unknown_account" if account is None else "bad_password")
    if account.status != AccountStatus.active or account.kind == AccountKind.guest:
        await attempt.fail(f"account_{account.status}", AccountNotActivated() if _pending(account) else None)
    amr = await _second_factor(session, request, attempt, account, otp, recovery_code, at)
    await attempt_succeeded(session, counters, at=at)
    await _rehash(session, account, password)
    await attempt.audit("success", amr=amr)
    return SignIn(account=account, amr=amr, auth_time=at)


async def find_account(session: AsyncSession, crypto: Crypto, identifier: str) -> Lookup:
    """The citizen or staff account an identifier names: an e-mail (has "@"), an Indonesian phone number,
    else a staff username. Contacts are looked up by their keyed hash, as registration stores them."""
    value = identifier.strip()
    account: Account | None
    if "@" in value:
        kind, normalised = "email", value.lower()
        account = await repository.by_email_index(session, email_index(crypto, normalised))
    elif (phone := _phone(value)) is not None:
        kind, normalised = "phone", phone
        account = await repository.by_phone_index(session, phone_index(crypto, normalised))
    else:
        kind, normalised = "username", value.lower()
        account = await staff_by_username(session, normalised)
    digest = crypto.index.digest(f"{kind}:{normalised}", context=IDENTIFIER_THROTTLE_CONTEXT)
    return Lookup(account=account, kind=kind, digest=digest)


def _phone(value: str) -> str | None:
    try:
        return normalise_phone(value)
    except ValueError:
        return None


def _counters(settings: Settings, found: Lookup, address: str | None) -> list[Counter]:
    policy = account_policy(settings.MAX_FAILURES_PER_HOUR)
    key = account_key(found.account.id) if found.account else identifier_key(found.digest)
    return [Counter(key, policy), Counter(address_key(address), ADDRESS_POLICY)]


def _pending(account: Account) -> bool:
    return account.status == AccountStatus.pending and account.kind != AccountKind.guest


async def _second_factor(
    session: AsyncSession,
    request: Request,
    attempt: "_Attempt",
    account: Account,
    otp: str | None,
    recovery_code: str | None,
    at: datetime,
) -> list[str]:
    """["pwd"] when no second factor applies; ["pwd", "otp"] after a valid TOTP or recovery code (each
    accepted once). Staff must have one; citizens who enrolled one must use it."""
    enrolled = second_factor_enrolled(account)
    if not enrolled and not is_staff(account):
        return ["pwd"]
    if not enrolled:
        await attempt.fail("mfa_not_enrolled", SecondFactorEnrolmentRequired())
    added = await verify_second_factor(
        session, account, crypto=request.state.crypto, otp=otp, recovery_code=recovery_code, at=at,
        request=request,
    )  # fmt: skip
    if added is None:
        await attempt.fail("bad_second_factor" if otp or recovery_code else "second_factor_missing")
    if recovery_code and not otp:
        attempt.detail["second_factor"] = "recovery_code"
    return ["pwd", *added]


async def _rehash(session: AsyncSession, account: Account, password: str) -> None:
    """Rehash with the current Argon2id parameters when they were raised since the last sign-in."""
    old = account.password_hash
    if old is None or not needs_rehash(old):
        return
    new = await hash_password(password)
    result = await session.execute(
        update(Account)
        .where(Account.id == account.id, Account.password_hash == old)
        .values(password_hash=new)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 1:
        set_committed_value(account, "password_hash", new)


class _Attempt:
    """The audit trail of one sign-in attempt (`auth.login`)."""

    def __init__(self, session: AsyncSession, request: Request, found: Lookup, client_id: str | None) -> None:
        self.session = session
        self.request = request
        self.found = found
        self.client_id = client_id
        self.detail: dict[str, Any] = {}

    async def audit(self, outcome: str, **detail: Any) -> None:
        account_id = self.found.account.id if self.found.account else None
        await record(
            self.session,
            "auth.login",
            request=self.request,
            actor_id=account_id,
            actor_kind="account" if account_id else "anonymous",
            subject_id=account_id,
            client_id=self.client_id,
            outcome=outcome,
            identifier_kind=self.found.kind,
            **self.detail,
            **detail,
        )

    async def fail(self, reason: str, error: Exception | None = None) -> NoReturn:
        """Audit the failure, commit (the failure count and the record must outlive the error answer, which
        rolls the request's session back), and raise."""
        await self.audit("failure", reason=reason)
        await self.session.commit()
        raise error or InvalidCredentials()
