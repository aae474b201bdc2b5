"""The signed-in person's own account (`/me`): profile, password, phone and e-mail, personal data.

Changing the password, the phone or the e-mail needs the current password (re-authentication, ASVS 7.5.1),
throttled like sign-in; a new phone or e-mail only replaces the old one once a code sent to it comes back
(the old contact is told), and the answer to a change request is the same whether or not another account
holds the new contact. Credential and contact changes end the person's other sign-ins (ASVS 7.4.3).
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import codes, contacts, messages, repository
from siantar_identity.account.dependencies import Me, Tools
from siantar_identity.account.exceptions import (
    ContactTaken,
    ContactUnchanged,
    EmailAlreadyVerified,
    EmailMissing,
    WrongPassword,
)
from siantar_identity.account.models import Account, CodePurpose
from siantar_identity.account.recovery import password_context
from siantar_identity.account.schemas import (
    Assurance,
    EmailChange,
    EmailChangeConfirm,
    MeRead,
    MeUpdate,
    PasswordChange,
    PersonalData,
    PhoneChange,
    PhoneChangeConfirm,
)
from siantar_identity.audit.service import client_ip, record
from siantar_identity.mfa.service import second_factor_enrolled
from siantar_identity.notify.notifiers import Channel
from siantar_identity.security.fieldcrypt import matches
from siantar_identity.security.password_policy import enforce
from siantar_identity.security.passwords import hash_password, verify_password
from siantar_identity.throttle import service as throttle
from siantar_identity.throttle.policy import ADDRESS_POLICY, Counter, account_key, account_policy, address_key

SELF_SERVICE = "self_service"


def to_read(account: Account) -> MeRead:
    return MeRead(
        id=account.id,
        kind=account.kind,
        status=account.status,
        full_name=account.full_name,
        language=account.language,
        phone=account.phone_masked,
        phone_verified_at=account.phone_verified_at,
        email=account.email_masked,
        email_verified_at=account.email_verified_at if account.email_index else None,
        nik=account.nik_masked,
        assurance=assurance_of(account),
        roles=list(account.roles or []),
        agency_code=account.agency_code,
        mfa_enrolled=second_factor_enrolled(account),
        created_at=account.created_at,
    )


def assurance_of(account: Account) -> Assurance:
    return Assurance(
        level=account.assurance_level, method=account.assurance_method, verified_at=account.assurance_at
    )


async def update(session: AsyncSession, tools: Tools, me: Me, data: MeUpdate) -> Account:
    account, changed = me.account, data.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changed.items():
        setattr(account, field, value)
    await session.flush()
    await _audit(session, tools, me, "account.profile_updated", fields=sorted(changed))
    return account


async def change_password(session: AsyncSession, tools: Tools, me: Me, data: PasswordChange) -> int:
    """Set a new password; the other sign-ins end (the number ended is returned)."""
    await check_password(session, tools, me, data.current_password, operation="password_change")
    await enforce(
        data.new_password,
        context=password_context(me.account, tools),
        breached=tools.breached,
        field="new_password",
    )
    me.account.password_hash = await hash_password(data.new_password)
    me.account.password_changed_at = tools.now
    ended = await _end_other_sign_ins(session, tools, me, reason="password_changed")
    await _audit(session, tools, me, "account.password_changed", families_revoked=ended)
    return ended


async def check_password(
    session: AsyncSession, tools: Tools, me: Me, password: str, *, operation: str
) -> None:
    """Re-authentication by the current password, counted like a sign-in attempt (429 while throttled)."""
    counters = (
        Counter(account_key(me.account.id), account_policy(tools.settings.MAX_FAILURES_PER_HOUR)),
        Counter(address_key(client_ip(tools.request)), ADDRESS_POLICY),
    )
    await throttle.begin_attempt(session, counters, at=tools.now)
    if not await verify_password(me.account.password_hash, password):
        await _audit(session, tools, me, "account.reauthentication", outcome="failure", operation=operation)
        raise WrongPassword()
    await throttle.attempt_succeeded(session, counters, at=tools.now)


async def request_phone_change(session: AsyncSession, tools: Tools, me: Me, data: PhoneChange) -> None:
    await check_password(session, tools, me, data.password, operation="phone_change")
    index = contacts.phone_index(tools.crypto, data.phone)
    if matches(index, me.account.phone_index):
        raise ContactUnchanged()
    free = await repository.by_phone_index(session, index) is None
    if free:
        await codes.issue(
            session,
            tools,
            me.account,
            purpose=CodePurpose.change_phone,
            channel=Channel(data.channel.value),
            to=data.phone,
            target_index=index,
        )
    await _audit(session, tools, me, "account.phone_change_requested", sent=free)


async def confirm_phone_change(session: AsyncSession, tools: Tools, me: Me, data: PhoneChangeConfirm) -> None:
    account, index = me.account, contacts.phone_index(tools.crypto, data.phone)
    live = await codes.accept(
        session, tools, account, purpose=CodePurpose.change_phone, target_index=index, code=data.code
    )
    codes.consume(live, tools)
    if await repository.by_phone_index(session, index) is not None:
        raise ContactTaken()
    old, was_verified = contacts.read_phone(account, tools.crypto), account.phone_verified_at is not None
    contacts.set_phone(account, tools.crypto, data.phone)
    account.phone_verified_at = tools.now
    ended = await _end_other_sign_ins(session, tools, me, reason="phone_changed")
    await _audit(session, tools, me, "account.phone_changed", families_revoked=ended)
    if old and was_verified:
        await messages.send_to(session, tools, account, "phone_changed", channel=Channel.sms, to=old)


async def request_email_change(session: AsyncSession, tools: Tools, me: Me, data: EmailChange) -> None:
    await check_password(session, tools, me, data.password, operation="email_change")
    index = contacts.email_index(tools.crypto, data.email)
    if matches(index, me.account.email_index):
        raise ContactUnchanged()
    free = await repository.by_email_index(session, index) is None
    if free:
        await codes.issue(
            session,
            tools,
            me.account,
            purpose=CodePurpose.change_email,
            channel=Channel.email,
            to=data.email,
            target_index=index,
        )
    await _audit(session, tools, me, "account.email_change_requested", sent=free)


async def confirm_email_change(session: AsyncSession, tools: Tools, me: Me, data: EmailChangeConfirm) -> None:
    account, index = me.account, contacts.email_index(tools.crypto, data.email)
    live = await codes.accept(
        session, tools, account, purpose=CodePurpose.change_email, target_index=index, code=data.code
    )
    codes.consume(live, tools)
    if await repository.by_email_index(session, index) is not None:
        raise ContactTaken()
    old = contacts.read_email(account, tools.crypto)
    was_verified = account.email_index is not None and account.email_verified_at is not None
    contacts.set_email(account, tools.crypto, data.email)
    account.email_verified_at = tools.now
    ended = await _end_other_sign_ins(session, tools, me, reason="email_changed")
    await _audit(session, tools, me, "account.email_changed", families_revoked=ended)
    if old and was_verified:
        await messages.send_to(session, tools, account, "email_changed", channel=Channel.email, to=old)


async def request_email_verification(session: AsyncSession, tools: Tools, me: Me) -> None:
    account = me.account
    email = contacts.read_email(account, tools.crypto) if account.email_index else None
    if email is None or account.email_index is None:
        raise EmailMissing()
    if account.email_verified_at is not None:
        raise EmailAlreadyVerified()
    await codes.issue(
        session,
        tools,
        account,
        purpose=CodePurpose.verify_email,
        channel=Channel.email,
        to=email,
        target_index=account.email_index,
    )


async def confirm_email_verification(session: AsyncSession, tools: Tools, me: Me, code: str) -> None:
    account = me.account
    if account.email_index is None:
        raise EmailMissing()
    live = await codes.accept(
        session, tools, account, purpose=CodePurpose.verify_email, target_index=account.email_index, code=code
    )
    codes.consume(live, tools)
    account.email_verified_at = tools.now
    await session.flush()
    await _audit(session, tools, me, "account.email_verified")


async def personal_data(session: AsyncSession, tools: Tools, me: Me) -> PersonalData:
    """The person's own data in full; the read is written to the access log (`pii.read`)."""
    account, crypto = me.account, tools.crypto
    data = PersonalData(
        full_name=account.full_name,
        phone=contacts.read_phone(account, crypto),
        email=contacts.read_email(account, crypto),
        nik=contacts.read_nik(account, crypto) if account.nik_index else None,
    )
    fields = sorted(name for name, value in data.model_dump().items() if value is not None)
    await record(
        session,
        "pii.read",
        request=tools.request,
        actor=me.principal,
        subject_id=account.id,
        purpose=SELF_SERVICE,
        fields=fields,
    )
    return data


async def _end_other_sign_ins(session: AsyncSession, tools: Tools, me: Me, *, reason: str) -> int:
    ended = await repository.revoke_families(
        session, me.account.id, keep=me.family_id, reason=reason, at=tools.now
    )
    await session.flush()
    return ended


async def _audit(
    session: AsyncSession, tools: Tools, me: Me, action: str, *, outcome: str = "success", **detail: Any
) -> None:
    await record(
        session,
        action,
        request=tools.request,
        actor=me.principal,
        subject_id=me.account.id,
        outcome=outcome,
        **detail,
    )
