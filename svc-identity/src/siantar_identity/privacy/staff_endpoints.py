"""Staff work on personal data: the data-request queue and purpose-bound reads of a person's data."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from siantar_identity.clock import ClockDep
from siantar_identity.notify.dependencies import NotifiersDep
from siantar_identity.privacy import staff as staff_service
from siantar_identity.privacy.schemas import (
    AccessPurpose,
    DataRequestCompletion,
    DataRequestStaffRead,
    DataRequestStatusFilter,
    PersonalDataRead,
)
from siantar_identity.security.context import CryptoDep
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep
from siantar_shared.pagination import CursorQuery, Page

router = APIRouter()
DataRequestHandler = Annotated[Principal, require(roles={Role.dpo, Role.admin})]
PersonalDataReader = Annotated[Principal, require(roles={Role.dpo, Role.admin, Role.verifier})]


@router.get("/data-requests", response_model=Page[DataRequestStaffRead], summary="Data-request queue")
async def list_data_requests(
    principal: DataRequestHandler,
    request: Request,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    pagination: CursorQuery,
    status: Annotated[DataRequestStatusFilter, Query(description="Default: the open ones")] = (
        DataRequestStatusFilter.open
    ),
) -> Page[DataRequestStaffRead]:
    """Data-subject requests by due date, earliest first, so the overdue ones lead (data protection officer
    and administrators). What the person wrote is shown, and each such read is recorded in the audit trail."""
    return await staff_service.queue(
        session, crypto, status, pagination, request=request, principal=principal, at=clock.now()
    )


@router.post(
    "/data-requests/{request_id}/complete",
    response_model=DataRequestStaffRead,
    summary="Complete a data request",
    responses={404: {"description": "No such request"}, 409: {"description": "Already closed"}},
)
async def complete_data_request(
    request_id: UUID,
    body: DataRequestCompletion,
    principal: DataRequestHandler,
    request: Request,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    notifiers: NotifiersDep,
) -> DataRequestStaffRead:
    """Close an open request as completed, or refused with the reason (UU 27/2022 Ps. 33), with a note the
    person can read; they are told by message that it was answered. Recorded in the audit trail."""
    return await staff_service.complete(
        session, notifiers, crypto, request_id, body, request=request, principal=principal, at=clock.now()
    )


@router.get(
    "/accounts/{account_id}/personal-data",
    response_model=PersonalDataRead,
    summary="Read a person's personal data",
    responses={403: {"description": "Role not allowed, or the purpose not allowed for it"}},
)
async def read_personal_data(
    account_id: UUID,
    purpose: Annotated[AccessPurpose, Query(description="Why you read it: recorded in the audit trail")],
    principal: PersonalDataReader,
    request: Request,
    session: SessionDep,
    crypto: CryptoDep,
    reference: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9./_:-]{1,64}$",
            description="The case it is for, e.g. the complaint's tracking number: recorded with the read",
        ),
    ] = None,
) -> PersonalDataRead:
    """A person's unmasked name, phone, e-mail and NIK, for a stated purpose, each read recorded (`pii.read`)
    with it. The data protection officer: data_request_handling, security_investigation, legal_request,
    account_support; administrators: account_support, security_investigation; verifiers (the complaints
    desk): complaint_handling only, and only a citizen's or guest reporter's name and contacts, never the
    NIK. Any other role or purpose is refused (403), and the refusal is recorded too. People read their own
    data through /me."""
    return await staff_service.read_personal_data(
        session, crypto, account_id, purpose, reference=reference, request=request, principal=principal
    )
