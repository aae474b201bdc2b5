"""Staff work on personal data: the data protection officer's queue of data-subject requests, and reading
a person's unmasked data for a stated purpose. Every read is in the audit trail with its purpose."""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind
from siantar_identity.audit.service import record, record_refusal
from siantar_identity.notify import service as notify_service
from siantar_identity.notify.notifiers import Channel, Notifier
from siantar_identity.privacy import repository
from siantar_identity.privacy.exceptions import (
    AccountNotFound,
    DataRequestClosed,
    DataRequestNotFound,
    PurposeNotAllowed,
)
from siantar_identity.privacy.requests import carry_out, check_applicable, to_read
from siantar_identity.privacy.schemas import (
    ACTS_AT_ONCE,
    AccessPurpose,
    DataRequestCompletion,
    DataRequestKind,
    DataRequestOutcome,
    DataRequestStaffRead,
    DataRequestStatusFilter,
    PersonalDataRead,
)
from siantar_identity.security.context import Crypto
from siantar_shared.auth import Principal, Role
from siantar_shared.pagination import CursorParams, Page

HANDLING = AccessPurpose.data_request_handling
# Who may read unmasked personal data, and why. A verifier (the complaints desk) may read only a citizen's
# or a guest's name and contacts, to reach a reporter about their complaint; never a NIK, never staff.
PURPOSES_BY_ROLE: dict[Role, frozenset[AccessPurpose]] = {
    Role.dpo: frozenset(
        {
            HANDLING,
            AccessPurpose.security_investigation,
            AccessPurpose.legal_request,
            AccessPurpose.account_support,
        }
    ),
    Role.admin: frozenset({AccessPurpose.account_support, AccessPurpose.security_investigation}),
    Role.verifier: frozenset({AccessPurpose.complaint_handling}),
}
FULL_ACCESS_ROLES = frozenset({Role.dpo, Role.admin})


async def queue(
    session: AsyncSession,
    crypto: Crypto,
    status: DataRequestStatusFilter,
    params: CursorParams,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> Page[DataRequestStaffRead]:
    """Requests by due date, earliest (so overdue) first. Showing what a person wrote is a read of their
    personal data, recorded as such."""
    rows, next_cursor = await repository.queue_page(
        session, None if status is DataRequestStatusFilter.all else status.value, params
    )
    for row in rows:
        if row.details_ciphertext is not None:
            await record(
                session,
                "pii.read",
                request=request,
                actor=principal,
                subject_id=row.account_id,
                purpose=HANDLING.value,
                data_request_id=str(row.id),
            )
    items = [
        DataRequestStaffRead(**to_read(row, crypto, at).model_dump(), account_id=row.account_id)
        for row in rows
    ]
    return Page(items=items, next_cursor=next_cursor)


async def complete(
    session: AsyncSession,
    notifiers: dict[Channel, Notifier],
    crypto: Crypto,
    request_id: UUID,
    body: DataRequestCompletion,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> DataRequestStaffRead:
    """Close an open request with a note for the person, and tell them it was answered. A granted erasure,
    restriction or restriction_lift (a staff member's: citizens' are carried out at once) is carried out
    here, with the DPO as its actor; the message goes out before an erasure or a restriction would stop
    it, and after a lift."""
    entry = await repository.get_data_request(session, request_id)
    if entry is None:
        raise DataRequestNotFound()
    if entry.status != "open":
        raise DataRequestClosed()
    account = await repository.get_account(session, entry.account_id)
    kind = DataRequestKind(entry.kind)
    acts = body.outcome is DataRequestOutcome.completed and kind in ACTS_AT_ONCE and account is not None
    if acts and account is not None:
        check_applicable(kind, account)
    entry.status, entry.completed_at, entry.completed_by = body.outcome.value, at, principal.subject
    entry.note = body.note
    await session.flush()
    await record(
        session,
        "data_request.completed",
        request=request,
        actor=principal,
        subject_id=entry.account_id,
        data_request_id=str(entry.id),
        kind=entry.kind,
        outcome_of_request=body.outcome.value,
    )
    if acts and account is not None and kind is DataRequestKind.restriction_lift:
        await carry_out(session, kind, account, request=request, principal=principal, at=at)
    if account is not None:
        await notify_service.deliver(
            session,
            notifiers,
            crypto,
            account,
            template="data_request_completed",
            params={"kind": entry.kind, "outcome": body.outcome.value},
            at=at,
        )
    if acts and account is not None and kind is not DataRequestKind.restriction_lift:
        await carry_out(session, kind, account, request=request, principal=principal, at=at)
    return DataRequestStaffRead(**to_read(entry, crypto, at).model_dump(), account_id=entry.account_id)


async def read_personal_data(
    session: AsyncSession,
    crypto: Crypto,
    account_id: UUID,
    purpose: AccessPurpose,
    *,
    reference: str | None,
    request: Request,
    principal: Principal,
) -> PersonalDataRead:
    """A person's unmasked name, contacts and (for the DPO and administrators) NIK, for a purpose the
    reader's role allows; recorded as `pii.read` with that purpose (and the case it concerns, when given).
    A refused read is recorded too."""
    case: dict[str, Any] = {"reference": reference} if reference else {}
    roles = {role for role, purposes in PURPOSES_BY_ROLE.items() if purpose in purposes} & principal.roles
    account = await repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound()
    full = bool(roles & FULL_ACCESS_ROLES)
    if not roles or (not full and account.kind not in (AccountKind.citizen, AccountKind.guest)):
        await record_refusal(
            session,
            "pii.read",
            request=request,
            actor=principal,
            subject_id=account.id,
            outcome="denied",
            purpose=purpose.value,
            **case,
        )
        raise PurposeNotAllowed()
    fields = ["full_name", "phone", "email", *(["nik"] if full else [])]
    await record(
        session,
        "pii.read",
        request=request,
        actor=principal,
        subject_id=account.id,
        purpose=purpose.value,
        fields=fields,
        **case,
    )
    return _personal_data(crypto, account, purpose, with_nik=full)


def _personal_data(
    crypto: Crypto, account: Account, purpose: AccessPurpose, *, with_nik: bool
) -> PersonalDataRead:
    return PersonalDataRead(
        subject_id=account.id,
        kind=account.kind,
        status=account.status,
        purpose=purpose,
        full_name=account.full_name,
        phone=contacts.read_phone(account, crypto),
        phone_verified=account.phone_verified_at is not None,
        email=contacts.read_email(account, crypto),
        email_verified=account.email_verified_at is not None,
        nik=contacts.read_nik(account, crypto) if with_nik else None,
    )
