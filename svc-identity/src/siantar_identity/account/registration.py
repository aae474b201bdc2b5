"""Citizen self-registration and phone verification, without user enumeration.

`register` answers the same way (202, same body) whether the phone is new or already registered, and does
the same expensive work either way (the policy check and the Argon2id hash of the password): a new phone
gets an account in status `pending` and a verification code; a registered one gets a notice to its owner
(`account_exists`) and nothing else. `verify_phone` turns a pending account active (assurance level 0:
contact verified) and only then claims the e-mail and NIK given at registration.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import codes, contacts, messages, repository
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.models import Account, AccountKind, AccountStatus, CodePurpose
from siantar_identity.account.schemas import AccountCreate, PhoneChannel
from siantar_identity.assurance import service as assurance_service
from siantar_identity.audit.service import record
from siantar_identity.notify.notifiers import Channel
from siantar_identity.security.password_policy import PasswordContext, enforce
from siantar_identity.security.passwords import hash_password
from siantar_shared.errors import Conflict
from siantar_shared.i18n import Text

_TRY_AGAIN = Text(
    "Pendaftaran bertabrakan dengan perubahan lain; coba lagi.",
    "The registration collided with another change; try again.",
)


async def register(session: AsyncSession, tools: Tools, data: AccountCreate) -> None:
    context = PasswordContext(names=(data.full_name,), phone=data.phone, email=data.email)
    await enforce(data.password, context=context, breached=tools.breached)
    index = contacts.phone_index(tools.crypto, data.phone)
    await codes.limit_anonymous(session, tools, purpose=CodePurpose.verify_phone, target_index=index)
    password_hash = await hash_password(data.password)
    existing = await repository.by_phone_index(session, index)
    if existing is None:
        account = await _create(session, tools, data, password_hash)
        if account is not None:
            await record(session, "account.registered", request=tools.request, subject_id=account.id)
            await codes.issue(
                session,
                tools,
                account,
                purpose=CodePurpose.verify_phone,
                channel=Channel(data.channel.value),
                to=data.phone,
                target_index=index,
            )
            return
        existing = await repository.by_phone_index(session, index)  # registered at the same moment
        if existing is None:
            raise Conflict(_TRY_AGAIN)
    await _tell_owner(session, tools, existing, data)


async def _create(
    session: AsyncSession, tools: Tools, data: AccountCreate, password_hash: str
) -> Account | None:
    account = Account(
        kind=AccountKind.citizen,
        status=AccountStatus.pending,
        full_name=data.full_name,
        language=data.language,
        roles=["citizen"],
        assurance_level=0,
        password_hash=password_hash,
        password_changed_at=tools.now,
        created_at=tools.now,
    )
    contacts.set_phone(account, tools.crypto, data.phone)
    if data.email:
        contacts.keep_unclaimed_email(account, tools.crypto, data.email)
    if data.nik:
        contacts.keep_unclaimed_nik(account, tools.crypto, data.nik)
    try:
        async with session.begin_nested():
            session.add(account)
    except IntegrityError:
        return None
    return account


async def _tell_owner(session: AsyncSession, tools: Tools, owner: Account, data: AccountCreate) -> None:
    """The phone is registered: its owner (who holds the phone) hears of the attempt; the caller does not."""
    await record(
        session,
        "account.registration_refused",
        request=tools.request,
        subject_id=owner.id,
        outcome="failure",
        reason="phone_registered",
    )
    await messages.send_to(
        session, tools, owner, "account_exists", channel=Channel(data.channel.value), to=data.phone
    )


async def verify_phone(session: AsyncSession, tools: Tools, *, phone: str, code: str) -> Account:
    """Activate the pending account of `phone` with the code sent to it; `InvalidCode` otherwise (the same
    answer for an unknown phone, an active account and a wrong code)."""
    index = contacts.phone_index(tools.crypto, phone)
    account = await repository.by_phone_index(session, index)
    if account is not None and account.status != AccountStatus.pending:
        account = None
    live = await codes.accept(
        session, tools, account, purpose=CodePurpose.verify_phone, target_index=index, code=code
    )
    assert account is not None  # accept() raised otherwise
    codes.consume(live, tools)
    await activate(session, tools, account, channel=Channel(live.channel))
    return account


async def activate(session: AsyncSession, tools: Tools, account: Account, *, channel: Channel) -> None:
    """The phone is proven: the account becomes active, then claims what it was registered with."""
    account.status, account.phone_verified_at = AccountStatus.active, tools.now
    await session.flush()
    await record(
        session, "account.activated", request=tools.request, subject_id=account.id, channel=channel.value
    )
    await claim_email(session, tools, account)
    await assurance_service.claim_unclaimed_nik(session, tools, account)


async def claim_email(session: AsyncSession, tools: Tools, account: Account) -> None:
    """Attach the e-mail given at registration if no other account holds it, and send it a code; else drop
    it (the person can add an address later, `POST /me/email`)."""
    if not contacts.email_unclaimed(account):
        return
    email = contacts.read_email(account, tools.crypto)
    assert email is not None
    index = contacts.email_index(tools.crypto, email)
    if await repository.by_email_index(session, index) is not None:
        contacts.clear_email(account)
        await record(session, "account.email_dropped", request=tools.request, subject_id=account.id)
        return
    contacts.set_email(account, tools.crypto, email)
    await session.flush()
    await codes.issue(
        session,
        tools,
        account,
        purpose=CodePurpose.verify_email,
        channel=Channel.email,
        to=email,
        target_index=index,
    )


async def resend(session: AsyncSession, tools: Tools, *, phone: str, channel: PhoneChannel) -> None:
    """A new verification code for a pending account; nothing (and the same answer) for any other phone."""
    index = contacts.phone_index(tools.crypto, phone)
    await codes.limit_anonymous(session, tools, purpose=CodePurpose.verify_phone, target_index=index)
    account = await repository.by_phone_index(session, index)
    if account is None or account.status != AccountStatus.pending:
        return
    await codes.issue(
        session,
        tools,
        account,
        purpose=CodePurpose.verify_phone,
        channel=Channel(channel.value),
        to=phone,
        target_index=index,
    )
