"""The person's rights over their data (UU 27/2022), under /me: export, consents, data requests."""

from typing import Annotated

from fastapi import APIRouter, Request, Response

from siantar_identity.clock import ClockDep
from siantar_identity.privacy import export as export_service
from siantar_identity.privacy import requests as request_service
from siantar_identity.privacy import service as privacy_service
from siantar_identity.privacy.export import DataExport
from siantar_identity.privacy.schemas import (
    ConsentChange,
    ConsentOverview,
    DataRequestCreate,
    DataRequestRead,
    Reauthentication,
)
from siantar_identity.privacy.staff_endpoints import router as staff_router
from siantar_identity.security.context import CryptoDep
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep

router = APIRouter(tags=["personal data"])
router.include_router(staff_router)
PERSON_ROLES = {role for role in Role if role is not Role.service}
Person = Annotated[Principal, require(roles=PERSON_ROLES)]
REAUTH_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or a wrong password (`insufficient_user_authentication`)"},
    429: {"description": "Too many wrong passwords: wait `Retry-After` seconds"},
}


@router.post("/me/export", response_model=DataExport, summary="Export my data", responses=REAUTH_RESPONSES)
async def export_my_data(
    body: Reauthentication,
    principal: Person,
    request: Request,
    response: Response,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
) -> DataExport:
    """Everything identity holds about you, as JSON: your profile with unmasked phone, e-mail and NIK,
    level of assurance, roles, consents, sign-ins (by app and time), the messages sent to you, your data
    requests, and the audit trail of what you did and what was done to your data.

    Re-authentication is required: send your current password in the body (a POST, so it never lands in a
    URL or a log). A wrong password answers 401 with `error="insufficient_user_authentication"` in
    `WWW-Authenticate`; wrong passwords count as failed sign-ins, so repeated ones answer 429 with
    `Retry-After` (growing waits, as on the sign-in page). The export itself is
    recorded in the audit trail as a read of your personal data (purpose `data_export`).
    """
    at = clock.now()
    account = await privacy_service.get_person(session, principal)
    await privacy_service.reauthenticate(
        session, account, body.password, request=request, principal=principal, at=at
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = f'attachment; filename="siantar-data-{at:%Y%m%d}.json"'
    return await export_service.build(session, crypto, account, request=request, principal=principal, at=at)


@router.get("/me/consents", response_model=ConsentOverview, summary="My consents")
async def my_consents(principal: Person, session: SessionDep) -> ConsentOverview:
    """Each purpose that needs your consent, whether you gave it under the current notice, and the full
    ledger of your grants and withdrawals; also the processing that needs no consent, with its legal basis
    (it cannot be withdrawn, but you may ask for restriction or erasure)."""
    account = await privacy_service.get_person(session, principal)
    return await privacy_service.consent_overview(session, account)


@router.post(
    "/me/consents",
    response_model=ConsentOverview,
    summary="Grant or withdraw consent",
    responses={409: {"description": "The purpose rests on law, not consent: it cannot be withdrawn"}},
)
async def change_my_consent(
    body: ConsentChange, principal: Person, request: Request, session: SessionDep
) -> ConsentOverview:
    """Grant or withdraw consent for one purpose. Each change is appended to the consent ledger with the
    version of the notice you saw (nothing is ever overwritten); repeating the current state adds nothing.
    Withdrawing takes effect at once (the law allows 3x24 hours). Processing for public-service tasks or
    legal obligations is refused here (409), with its legal basis."""
    account = await privacy_service.get_person(session, principal)
    return await privacy_service.change_consent(session, account, body, request=request, principal=principal)


@router.post(
    "/me/data-requests",
    status_code=201,
    response_model=DataRequestRead,
    summary="Make a data request",
    responses={**REAUTH_RESPONSES, 409: {"description": "A request of this kind is still open"}},
)
async def create_my_data_request(
    body: DataRequestCreate,
    principal: Person,
    request: Request,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
) -> DataRequestRead:
    """Ask for access, correction, erasure or restriction of your data, or to lift a restriction; it is due
    3x24 hours later (UU 27/2022 Ps. 30-41). A correction says which data and what it should be.

    **Erasure**, **restriction** and **restriction_lift** need your current password. For a citizen they
    happen at once: erasure removes your name, contacts, NIK, password and second factor, ends every sign-in
    and tells the other services to pseudonymise their records (your phone and e-mail can then register
    again); restriction stops processing of your data and tells the other services so (409 if it already
    is); restriction_lift lets processing resume, messages included (409 if nothing is restricted). Staff
    requests, and
    access and correction requests, go to the data protection officer.
    """
    at = clock.now()
    account = await privacy_service.get_person(session, principal)
    entry = await request_service.create_request(
        session, crypto, account, body, request=request, principal=principal, at=at
    )
    return request_service.to_read(entry, crypto, at)


@router.get("/me/data-requests", response_model=list[DataRequestRead], summary="My data requests")
async def my_data_requests(
    principal: Person, session: SessionDep, crypto: CryptoDep, clock: ClockDep
) -> list[DataRequestRead]:
    """Your data requests, newest first, with their due dates and the answers."""
    account = await privacy_service.get_person(session, principal)
    return await request_service.requests_of(session, crypto, account.id, clock.now())
