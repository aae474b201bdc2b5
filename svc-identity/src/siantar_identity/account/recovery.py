"""Password reset by one-time code (OWASP ASVS 5.0 6.4), without user enumeration.

The request answers the same way for every phone or e-mail and sends a code only to an account that may
reset: a citizen or staff account, active or still pending, by its phone, or by its *verified* e-mail. The
confirmation needs that code and a new password that passes the policy; if the account has two-step
verification, also a current authenticator code or a recovery code (6.4.3: a reset never bypasses MFA).
A reset ends every sign-in of the account (all token families), clears its sign-in throttle, and a pending
account becomes active (the code proved the phone). Everything is audited.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import codes, contacts, repository
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.exceptions import SecondFactorRequired
from siantar_identity.account.models import Account, AccountStatus, CodePurpose
from siantar_identity.account.registration import activate
from siantar_identity.account.schemas import PasswordResetConfirm, PasswordResetRequest
from siantar_identity.audit.service import record
from siantar_identity.mfa.service import second_factor_enrolled, verify_second_factor
from siantar_identity.notify.notifiers import Channel
from siantar_identity.security.password_policy import PasswordContext, enforce
from siantar_identity.security.passwords import hash_password
from siantar_identity.throttle import service as throttle

MAY_RESET = (AccountStatus.active, AccountStatus.pending)


async def request_reset(session: AsyncSession, tools: Tools, data: PasswordResetRequest) -> None:
    index, account = await _find(session, tools, data.phone, data.email)
    await codes.limit_anonymous(session, tools, purpose=CodePurpose.reset_password, target_index=index)
    if account is None:
        await record(session, "account.password_reset_requested", request=tools.request, outcome="ignored")
        return
    channel = Channel(data.channel.value) if data.phone else Channel.email
    to = data.phone or data.email
    assert to is not None
    await codes.issue(
        session,
        tools,
        account,
        purpose=CodePurpose.reset_password,
        channel=channel,
        to=to,
        target_index=index,
    )
    await record(session, "account.password_reset_requested", request=tools.request, subject_id=account.id)


async def confirm_reset(session: AsyncSession, tools: Tools, data: PasswordResetConfirm) -> None:
    index, account = await _find(session, tools, data.phone, data.email)
    live = await codes.accept(
        session, tools, account, purpose=CodePurpose.reset_password, target_index=index, code=data.code
    )
    assert account is not None  # accept() raised otherwise
    await enforce(data.new_password, context=password_context(account, tools), breached=tools.breached)
    if second_factor_enrolled(account):
        amr = await verify_second_factor(
            session,
            account,
            crypto=tools.crypto,
            otp=data.otp,
            recovery_code=data.recovery_code,
            at=tools.now,
            request=tools.request,
        )
        if amr is None:
            if data.otp or data.recovery_code:  # a wrong second factor costs an attempt of the code
                live.attempts += 1
                await session.flush()
            await record(
                session,
                "account.password_reset",
                request=tools.request,
                subject_id=account.id,
                outcome="failure",
                reason="second_factor",
            )
            raise SecondFactorRequired()
    codes.consume(live, tools)
    await _set_password(session, tools, account, data.new_password)
    if account.status == AccountStatus.pending and data.phone:
        await activate(session, tools, account, channel=Channel(live.channel))
    await record(
        session,
        "account.password_reset",
        request=tools.request,
        actor_id=account.id,
        subject_id=account.id,
        by="phone" if data.phone else "email",
    )


async def _find(
    session: AsyncSession, tools: Tools, phone: str | None, email: str | None
) -> tuple[str, Account | None]:
    """The keyed hash of the contact, and the account that may reset through it (or None)."""
    if phone is not None:
        index = contacts.phone_index(tools.crypto, phone)
        account = await repository.by_phone_index(session, index)
        if (
            account is not None
            and account.phone_verified_at is None
            and account.status != AccountStatus.pending
        ):
            account = None
    else:
        assert email is not None
        index = contacts.email_index(tools.crypto, email)
        account = await repository.by_email_index(session, index)
        if account is not None and account.email_verified_at is None:
            account = None
    if account is not None and account.status not in MAY_RESET:
        account = None
    return index, account


async def _set_password(session: AsyncSession, tools: Tools, account: Account, password: str) -> None:
    account.password_hash = await hash_password(password)
    account.password_changed_at = tools.now
    revoked = await repository.revoke_families(
        session, account.id, keep=None, reason="password_reset", at=tools.now
    )
    await throttle.clear_account(session, account.id)
    await session.flush()
    await record(
        session,
        "account.sign_ins_ended",
        request=tools.request,
        subject_id=account.id,
        reason="password_reset",
        families_revoked=revoked,
    )


def password_context(account: Account, tools: Tools) -> PasswordContext:
    """The person's own words a password must not contain: name parts, phone digits, e-mail local part."""
    return PasswordContext(
        names=(account.full_name or "",),
        phone=contacts.read_phone(account, tools.crypto),
        email=contacts.read_email(account, tools.crypto),
        extra=(account.username,) if account.username else (),
    )
