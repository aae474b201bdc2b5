"""Rules for staff accounts: inviting, changing roles and agency, disabling, enabling, resetting the second
factor. Every change is audited; anything that lowers what a person may do ends their sign-ins."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.agency import service as agency_service
from siantar_identity.mfa.service import reset_second_factor, second_factor_enrolled
from siantar_identity.notify.notifiers import Channel, Notifier
from siantar_identity.oauth.families import revoke_account_families
from siantar_identity.security.context import Crypto
from siantar_identity.staff import invitations, policy, repository
from siantar_identity.staff.actor import Actor
from siantar_identity.staff.exceptions import StaffNotFound, StaffStateConflict, UsernameTaken
from siantar_identity.staff.schemas import (
    InvitationSent,
    StaffDirectoryEntry,
    StaffDirectoryList,
    StaffInvite,
    StaffMember,
    StaffUpdate,
)
from siantar_shared.conditional import body_tag, require_match
from siantar_shared.errors import PreconditionFailed
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, Page
from siantar_shared.schemas.types import mask_phone

Notifiers = dict[Channel, Notifier]
# the most entries of one directory list: an OPD has a few supervisors, the complaints desk a few verifiers
DIRECTORY_LIST_MAX = 200


def to_schema(account: Account) -> StaffMember:
    return StaffMember(
        id=account.id,
        username=account.username or "",
        full_name=account.full_name,
        roles=sorted(account.roles),
        agency=account.agency_code,
        status=account.status,
        mfa_enabled=second_factor_enrolled(account),
        created_at=account.created_at,
        disabled_at=account.disabled_at,
        version=account.version,
    )


def to_directory_entry(account: Account) -> StaffDirectoryEntry:
    return StaffDirectoryEntry(
        subject_id=account.id,
        active=account.status == AccountStatus.active,
        agency=account.agency_code,
        roles=sorted(account.roles),
    )


async def directory_list(session: AsyncSession, *, role: str, agency: str | None) -> StaffDirectoryList:
    """The active staff having `role` (of `agency`, when given), by subject id: whom a service may tell of a
    duty (complaints: an OPD's supervisors, the verifier desk). At most `DIRECTORY_LIST_MAX`."""
    accounts = await repository.active_staff_with_role(
        session, role=role, agency=agency, limit=DIRECTORY_LIST_MAX
    )
    return StaffDirectoryList(items=[to_directory_entry(account) for account in accounts])


def etag_of(account: Account) -> str:
    return body_tag(to_schema(account).model_dump_json().encode())


async def get(session: AsyncSession, account_id: UUID) -> Account:
    account = await repository.get_staff(session, account_id)
    if account is None:
        raise StaffNotFound()
    return account


async def list_staff(
    session: AsyncSession, params: CursorParams, *, agency: str | None, role: str | None, status: str | None
) -> Page[StaffMember]:
    rows, cursor = await repository.list_staff(session, params, agency=agency, role=role, status=status)
    return Page(items=[to_schema(row) for row in rows], next_cursor=cursor)


async def invite(
    session: AsyncSession,
    crypto: Crypto,
    notifiers: Notifiers,
    data: StaffInvite,
    *,
    by: Actor,
    at: datetime,
    today: date,
) -> tuple[Account, InvitationSent]:
    """A pending staff account and its invitation code. A supervisor invites officers of their own OPD
    only (their OPD is the default agency)."""
    roles = [role.value for role in data.roles]
    requested = data.agency if data.agency is not None or by.is_admin else by.agency
    policy.check_may_manage(by, roles=roles, agency=requested)  # authority first: 403 before any 422
    agency = policy.assignment(roles, requested)
    if agency is not None:
        await agency_service.require_in_effect(session, agency, today)
    if await repository.username_exists(session, data.username):
        raise UsernameTaken()
    account = Account(
        kind=AccountKind.staff,
        status=AccountStatus.pending,
        full_name=data.full_name,
        language=data.language,
        username=data.username,
        roles=roles,
        agency_code=agency,
    )
    # staff contacts are encrypted but not indexed: they are for invitations only, never a sign-in name, and
    # a staff member's own citizen account may use the same address
    if data.email is not None:
        account.email_ciphertext = crypto.ring.encrypt(data.email, context=contacts.EMAIL_CONTEXT)
        account.email_masked = contacts.mask_email(data.email)
    if data.phone is not None:
        account.phone_ciphertext = crypto.ring.encrypt(data.phone, context=contacts.PHONE_CONTEXT)
        account.phone_masked = mask_phone(data.phone)
    try:
        async with session.begin_nested():
            session.add(account)
    except IntegrityError as exc:  # the same username, invited at the same moment
        raise UsernameTaken() from exc
    sent = await invitations.issue(session, crypto, notifiers, account, at=at)
    await by.audit(
        session, "staff.invited", subject_id=account.id, roles=roles, agency=agency, channel=sent.channel
    )
    return account, sent


async def resend_invitation(
    session: AsyncSession, crypto: Crypto, notifiers: Notifiers, account: Account, *, by: Actor, at: datetime
) -> InvitationSent:
    """A new code for a pending account (the old one stops working)."""
    policy.check_may_manage(by, roles=account.roles, agency=account.agency_code)
    if account.status != AccountStatus.pending:
        raise StaffStateConflict(
            Text("Undangan hanya untuk akun yang menunggu", "Only a pending account can be invited")
        )
    sent = await invitations.issue(session, crypto, notifiers, account, at=at)
    await by.audit(session, "staff.invitation.sent", subject_id=account.id, channel=sent.channel)
    return sent


async def update(
    session: AsyncSession,
    account: Account,
    changes: StaffUpdate,
    *,
    by: Actor,
    at: datetime,
    today: date,
    if_match: str | None,
) -> Account:
    """Change the name, roles or agency (admins). A change of roles or agency ends the person's sign-ins,
    so their next token carries the new ones."""
    if if_match is not None:
        require_match(if_match, etag_of(account))
    values = changes.model_dump(exclude_unset=True)
    roles = (
        sorted(role.value for role in changes.roles) if changes.roles is not None else sorted(account.roles)
    )
    agency = policy.assignment(roles, values.get("agency", account.agency_code))
    if agency is not None and agency != account.agency_code:
        await agency_service.require_in_effect(session, agency, today)
    if account.id == by.id and "admin" in account.roles and "admin" not in roles:
        raise StaffStateConflict(
            Text(
                "Anda tidak dapat mencabut peran admin Anda sendiri", "You cannot remove your own admin role"
            )
        )
    before = {"roles": sorted(account.roles), "agency": account.agency_code}
    after = {"roles": roles, "agency": agency}
    renamed = changes.full_name is not None and changes.full_name != account.full_name
    if before == after and not renamed:
        return account
    account.roles, account.agency_code = roles, agency
    if changes.full_name is not None:
        account.full_name = changes.full_name
    await _flush(session)
    if before != after:
        revoked = await revoke_account_families(session, account.id, reason="roles_changed", at=at)
        await by.audit(
            session,
            "staff.roles_changed",
            subject_id=account.id,
            before=before,
            after=after,
            families_revoked=revoked,
        )
    if renamed:
        await by.audit(session, "staff.renamed", subject_id=account.id)
    return account


async def disable(
    session: AsyncSession, account: Account, *, reason: str, by: Actor, at: datetime
) -> Account:
    """The account stops working at once: its sign-ins and invitation codes end. Idempotent."""
    policy.check_may_manage(by, roles=account.roles, agency=account.agency_code)
    if account.id == by.id:
        raise StaffStateConflict(
            Text("Anda tidak dapat menonaktifkan diri sendiri", "You cannot disable yourself")
        )
    if account.status == AccountStatus.disabled:
        return account
    previous = account.status
    account.status, account.disabled_at = AccountStatus.disabled, at
    await _flush(session)
    await repository.end_invitations(session, account.id, at)
    revoked = await revoke_account_families(session, account.id, reason="account_disabled", at=at)
    await by.audit(
        session,
        "staff.disabled",
        subject_id=account.id,
        reason=reason,
        previous=previous,
        families_revoked=revoked,
    )
    return account


async def enable(
    session: AsyncSession, crypto: Crypto, notifiers: Notifiers, account: Account, *, by: Actor, at: datetime
) -> tuple[Account, InvitationSent | None]:
    """Back to active, or to pending with a new invitation if the password or authenticator is missing."""
    policy.check_may_manage(by, roles=account.roles, agency=account.agency_code)
    if account.status != AccountStatus.disabled:
        return account, None
    ready = account.password_hash is not None and second_factor_enrolled(account)
    account.status = AccountStatus.active if ready else AccountStatus.pending
    account.disabled_at = None
    await _flush(session)
    sent = None if ready else await invitations.issue(session, crypto, notifiers, account, at=at)
    await by.audit(session, "staff.enabled", subject_id=account.id, status=account.status)
    return account, sent


async def reset_mfa(
    session: AsyncSession,
    crypto: Crypto,
    notifiers: Notifiers,
    account: Account,
    *,
    reason: str,
    by: Actor,
    at: datetime,
) -> tuple[Account, InvitationSent | None]:
    """An admin clears a lost second factor (`mfa.reset`: recovery codes gone, sign-ins ended). As no staff
    account is active without one, an active account goes back to pending and gets a new invitation."""
    assert by.principal is not None  # an admin's request, never the system
    await reset_second_factor(session, account, by=by.principal, reason=reason, at=at, request=by.request)
    await repository.end_invitations(session, account.id, at)
    if account.status == AccountStatus.disabled:
        await _flush(session)
        return account, None
    account.status = AccountStatus.pending
    await _flush(session)
    sent = await invitations.issue(session, crypto, notifiers, account, at=at)
    await by.audit(
        session, "staff.invitation.sent", subject_id=account.id, channel=sent.channel, after="mfa.reset"
    )
    return account, sent


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text("Akun ini baru saja diubah oleh pihak lain", "This account was just changed by someone else")
        ) from exc
