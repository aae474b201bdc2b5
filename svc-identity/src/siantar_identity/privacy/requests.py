"""Data-subject requests (UU 27/2022 Ps. 30-41): recorded with their 3x24-hour deadline; erasure,
restriction and lifting it carried out at once for citizens. What the person writes is kept encrypted."""

import json
from datetime import datetime, timedelta
from uuid import UUID

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind
from siantar_identity.audit.service import record
from siantar_identity.privacy import repository
from siantar_identity.privacy.erasure import erase, lift_restriction, restrict
from siantar_identity.privacy.exceptions import AlreadyRestricted, DataRequestAlreadyOpen, NotRestricted
from siantar_identity.privacy.models import DataRequest
from siantar_identity.privacy.schemas import (
    ACTS_AT_ONCE,
    Correction,
    DataRequestCreate,
    DataRequestKind,
    DataRequestRead,
)
from siantar_identity.privacy.service import reauthenticate
from siantar_identity.security.context import Crypto
from siantar_shared.auth import Principal

RESPONSE_TIME = timedelta(hours=72)  # 3x24 hours: UU 27/2022 Ps. 30(2), 32(2), 40(2), 41(2)
DETAILS_CONTEXT = "data_request.details"
SELF_SERVICE_NOTE = (
    "Dilaksanakan otomatis atas permintaan pemilik akun; layanan lain diberi tahu melalui event."
)


async def create_request(
    session: AsyncSession,
    crypto: Crypto,
    account: Account,
    body: DataRequestCreate,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> DataRequest:
    """Record a data-subject request due in 3x24 hours. For a citizen, erasure and restriction are carried
    out at once (after the password check) and the request closes; for staff, whose data the city keeps as
    their employer, they wait for the data protection officer, as access and correction requests do."""
    if await repository.open_request(session, account.id, body.kind) is not None:
        raise DataRequestAlreadyOpen()
    acts = body.kind in ACTS_AT_ONCE
    if acts:
        await reauthenticate(session, account, body.password, request=request, principal=principal, at=at)
    check_applicable(body.kind, account)
    entry = DataRequest(
        account_id=account.id, kind=body.kind, status="open", due_at=at + RESPONSE_TIME, created_at=at
    )
    if body.message or body.correction:
        details = {"message": body.message, "correction": body.correction and body.correction.model_dump()}
        entry.details_ciphertext = crypto.ring.encrypt(json.dumps(details), context=DETAILS_CONTEXT)
    session.add(entry)
    await session.flush()
    await record(
        session,
        "data_request.created",
        request=request,
        actor=principal,
        subject_id=account.id,
        data_request_id=str(entry.id),
        kind=body.kind.value,
    )
    if acts and account.kind != AccountKind.staff:
        await _carry_out(session, entry, account, request=request, principal=principal, at=at)
    return entry


async def _carry_out(
    session: AsyncSession,
    entry: DataRequest,
    account: Account,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> None:
    """Erase, restrict or lift the restriction at once, and close the request as done by the person."""
    await carry_out(
        session, DataRequestKind(entry.kind), account, request=request, principal=principal, at=at
    )
    entry.status, entry.completed_at, entry.completed_by = "completed", at, account.id
    entry.note = SELF_SERVICE_NOTE
    await session.flush()


def check_applicable(kind: DataRequestKind, account: Account) -> None:
    """409 when the request cannot apply: restricting what is restricted, lifting what is not."""
    if kind is DataRequestKind.restriction and account.restricted_at is not None:
        raise AlreadyRestricted()
    if kind is DataRequestKind.restriction_lift and account.restricted_at is None:
        raise NotRestricted()


async def carry_out(
    session: AsyncSession,
    kind: DataRequestKind,
    account: Account,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> None:
    """Do what an erasure, restriction or restriction_lift request asks (the person's, or the DPO's grant)."""
    if kind is DataRequestKind.erasure:
        await erase(session, account, request=request, principal=principal, at=at)
    elif kind is DataRequestKind.restriction:
        await restrict(session, account, request=request, principal=principal, at=at)
    elif kind is DataRequestKind.restriction_lift:
        await lift_restriction(session, account, request=request, principal=principal, at=at)
    else:
        raise ValueError(f"a {kind} request is answered, not carried out")


def to_read(entry: DataRequest, crypto: Crypto, at: datetime) -> DataRequestRead:
    details = {}
    if entry.details_ciphertext is not None:
        details = json.loads(crypto.ring.decrypt(entry.details_ciphertext, context=DETAILS_CONTEXT))
    correction = details.get("correction")
    return DataRequestRead(
        id=entry.id,
        kind=entry.kind,
        status=entry.status,
        created_at=entry.created_at,
        due_at=entry.due_at,
        overdue=entry.status == "open" and entry.due_at < at,
        completed_at=entry.completed_at,
        note=entry.note,
        message=details.get("message"),
        correction=Correction.model_validate(correction) if correction else None,
    )


async def requests_of(
    session: AsyncSession, crypto: Crypto, account_id: UUID, at: datetime
) -> list[DataRequestRead]:
    return [to_read(entry, crypto, at) for entry in await repository.data_requests_of(session, account_id)]
