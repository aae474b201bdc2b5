"""`/identity/v1/staff`: inviting staff and managing their roles, agency and access; supervisors manage
the officers of their own OPD (`/identity/v1/agencies/{code}/officers`)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from siantar_identity.client.dependencies import SecretAnswer
from siantar_identity.clock import ClockDep
from siantar_identity.config import Settings
from siantar_identity.mfa.dependencies import MfaSessionDep
from siantar_identity.mfa.schemas import TotpEnrolment
from siantar_identity.notify.dependencies import NotifiersDep
from siantar_identity.security.breached import BreachedCheckerDep
from siantar_identity.security.context import CryptoDep
from siantar_identity.staff import invitations, policy
from siantar_identity.staff import service as staff_service
from siantar_identity.staff.actor import AdminActor, StaffManager
from siantar_identity.staff.schemas import (
    InvitationAccept,
    InvitationConfirm,
    InvitationSent,
    MfaReset,
    StaffActivated,
    StaffDirectoryEntry,
    StaffDirectoryList,
    StaffDisable,
    StaffInvite,
    StaffInvited,
    StaffMember,
    StaffRole,
    StaffUpdate,
)
from siantar_shared.auth import Principal, Role, require
from siantar_shared.calendar import local_date
from siantar_shared.conditional import json_response
from siantar_shared.db import SessionDep
from siantar_shared.pagination import CursorQuery, Page
from siantar_shared.schemas.types import OpdCode

router = APIRouter(tags=["staff"])
StatusFilter = Annotated[
    str | None, Query(pattern="^(pending|active|disabled)$", description="Account status")
]


def max_attempts(request: Request) -> int:
    settings: Settings = request.state.settings
    return settings.OTP_MAX_ATTEMPTS


MaxAttempts = Annotated[int, Depends(max_attempts)]
DirectoryReader = Annotated[Principal, require(roles={Role.service}, scopes={"identity:read"})]


@router.post(
    "/staff/invitations/accept",
    response_model=TotpEnrolment,
    dependencies=[SecretAnswer],
    summary="Accept an invitation: set the password",
)
async def accept_invitation(
    body: InvitationAccept,
    request: Request,
    session: MfaSessionDep,
    crypto: CryptoDep,
    breached: BreachedCheckerDep,
    clock: ClockDep,
    attempts: MaxAttempts,
) -> TotpEnrolment:
    """First step of an invited staff member: the username and invitation code, and a new password (the
    password policy applies: 8+ characters, not common, not breached, no city or own name). Answers
    a new authenticator secret, shown once (scan `otpauth_uri` as a QR code); then confirm it with
    `confirm-totp`. A wrong, used or expired code answers 400 whether or not the username exists, and
    counts as an attempt: after five, ask for a new invitation."""
    return await invitations.accept(
        session,
        crypto,
        username=body.username,
        code=body.code,
        password=body.password,
        breached=breached,
        at=clock.now(),
        max_attempts=attempts,
        request=request,
    )


@router.post(
    "/staff/invitations/confirm-totp",
    response_model=StaffActivated,
    dependencies=[SecretAnswer],
    summary="Confirm the authenticator and activate the account",
)
async def confirm_invitation(
    body: InvitationConfirm,
    request: Request,
    session: MfaSessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    attempts: MaxAttempts,
) -> StaffActivated:
    """Second step: the username, invitation code and the code the authenticator shows now. The account
    becomes active with two-step verification on (mandatory for staff); answers ten recovery codes, once."""
    account, codes = await invitations.confirm(
        session,
        crypto,
        username=body.username,
        code=body.code,
        totp_code=body.totp_code,
        at=clock.now(),
        max_attempts=attempts,
        request=request,
    )
    return StaffActivated(member=staff_service.to_schema(account), recovery_codes=codes)


@router.post("/staff", response_model=StaffInvited, status_code=201, summary="Invite a staff member")
async def invite_staff(
    body: StaffInvite,
    by: StaffManager,
    session: SessionDep,
    crypto: CryptoDep,
    notifiers: NotifiersDep,
    clock: ClockDep,
    response: Response,
) -> StaffInvited:
    """Create a pending staff account and send its invitation code (admins; a supervisor invites officers
    of their own OPD only). Officers, supervisors and inspectors need one OPD; verifiers work at
    DISKOMINFO, the complaints desk."""
    now = clock.now()
    account, sent = await staff_service.invite(
        session, crypto, notifiers, body, by=by, at=now, today=local_date(now)
    )
    response.headers["Location"] = f"/identity/v1/staff/{account.id}"
    return StaffInvited(**staff_service.to_schema(account).model_dump(), invitation=sent)


@router.get("/staff", response_model=Page[StaffMember], summary="List staff (admin)")
async def list_staff(
    by: AdminActor,
    session: SessionDep,
    pagination: CursorQuery,
    agency: OpdCode | None = None,
    role: StaffRole | None = None,
    status: StatusFilter = None,
) -> Page[StaffMember]:
    """Staff accounts by username, filtered by agency, role and status; keyset pagination."""
    return await staff_service.list_staff(
        session, pagination, agency=agency, role=role.value if role else None, status=status
    )


@router.get("/agencies/{code}/officers", response_model=Page[StaffMember], summary="Officers of an OPD")
async def list_officers(
    code: OpdCode, by: StaffManager, session: SessionDep, pagination: CursorQuery, status: StatusFilter = None
) -> Page[StaffMember]:
    """The officers of one OPD: for admins, and for that OPD's own supervisor (403 for any other)."""
    policy.check_may_see_agency(by, code)
    return await staff_service.list_staff(session, pagination, agency=code, role="officer", status=status)


@router.get(
    "/staff-directory",
    response_model=StaffDirectoryList,
    summary="Active staff of a role, of an OPD (services)",
    description=(
        "For services telling people of a duty (complaints: an OPD's supervisors and the verifier desk of "
        "an SLA escalation): the **active** staff accounts (not pending, not disabled) having `role` and, "
        "when `agency` is given, of that OPD; by subject id, at most "
        f"{staff_service.DIRECTORY_LIST_MAX} (an OPD has a few supervisors, the desk a few verifiers). "
        "Each entry as `GET /staff-directory/{subject_id}`: subject id, OPD and roles, no name or contact "
        "detail. Service tokens with the `identity:read` scope only. Not audited, like the single entry: it "
        "reads no personal data. Cache the answer for at most 60 seconds."
    ),
    responses={403: {"description": "Not a service token, or no `identity:read` scope"}},
)
async def staff_directory_list(
    principal: DirectoryReader,
    session: SessionDep,
    response: Response,
    role: Annotated[StaffRole, Query(description="The staff role", examples=["supervisor"])],
    agency: Annotated[
        OpdCode | None, Query(description="Only the staff of this OPD (verifiers: DISKOMINFO)")
    ] = None,
) -> StaffDirectoryList:
    """The active staff of one role, optionally of one OPD, without personal data (services). Not audited,
    like the single-entry endpoint: subject ids, OPD codes and roles only."""
    response.headers["Cache-Control"] = "private, max-age=60"
    return await staff_service.directory_list(session, role=role.value, agency=agency)


@router.get(
    "/staff-directory/{subject_id}",
    response_model=StaffDirectoryEntry,
    summary="Is this subject active staff, of which OPD (services)",
    responses={
        403: {"description": "Not a service token, or no `identity:read` scope"},
        404: {"description": "No such subject, or not a staff member"},
    },
)
async def staff_directory_entry(
    subject_id: UUID, principal: DirectoryReader, session: SessionDep, response: Response
) -> StaffDirectoryEntry:
    """For services checking a duty they give someone (complaints: the officer a supervisor assigns): whether
    the subject is an active staff member, their OPD and roles. No name or contact detail. Service tokens
    with the `identity:read` scope only; a citizen, a guest or an unknown id answers 404. Not audited, like
    the API key check: it reads no personal data. Cache the answer for at most 60 seconds."""
    response.headers["Cache-Control"] = "private, max-age=60"
    return staff_service.to_directory_entry(await staff_service.get(session, subject_id))


@router.get("/staff/{staff_id}", response_model=StaffMember, summary="One staff member")
async def get_staff(staff_id: UUID, by: StaffManager, session: SessionDep) -> Response:
    """A staff account (admins; a supervisor for the officers of their OPD). Its `ETag` can go in the
    `If-Match` of a `PATCH`."""
    account = await staff_service.get(session, staff_id)
    policy.check_may_manage(by, roles=account.roles, agency=account.agency_code)
    return json_response(staff_service.to_schema(account), headers={"Cache-Control": "no-store"})


@router.patch("/staff/{staff_id}", response_model=StaffMember, summary="Change roles or agency (admin)")
async def update_staff(
    staff_id: UUID,
    body: StaffUpdate,
    by: AdminActor,
    session: SessionDep,
    clock: ClockDep,
    if_match: Annotated[str | None, Header(description="Optional: ETag of the version you read")] = None,
) -> Response:
    """Change a staff member's name, roles or agency (admins only); audited as `staff.roles_changed` with
    before and after. A change of roles or agency ends their sign-ins. With `If-Match`, a version changed
    since you read it answers 412."""
    now = clock.now()
    account = await staff_service.get(session, staff_id)
    account = await staff_service.update(
        session, account, body, by=by, at=now, today=local_date(now), if_match=if_match
    )
    return json_response(staff_service.to_schema(account), headers={"Cache-Control": "no-store"})


@router.post("/staff/{staff_id}/disable", response_model=StaffMember, summary="Disable a staff account")
async def disable_staff(
    staff_id: UUID, body: StaffDisable, by: StaffManager, session: SessionDep, clock: ClockDep
) -> StaffMember:
    """Disable the account at once, with a reason: its sign-ins (token families) and invitation codes end.
    Admins; a supervisor for the officers of their OPD."""
    account = await staff_service.get(session, staff_id)
    account = await staff_service.disable(session, account, reason=body.reason, by=by, at=clock.now())
    return staff_service.to_schema(account)


@router.post("/staff/{staff_id}/enable", response_model=StaffInvited, summary="Enable a staff account")
async def enable_staff(
    staff_id: UUID,
    by: StaffManager,
    session: SessionDep,
    crypto: CryptoDep,
    notifiers: NotifiersDep,
    clock: ClockDep,
) -> StaffInvited:
    """Enable a disabled account: active again, or pending with a new invitation when it has no password or
    authenticator yet. Admins; a supervisor for the officers of their OPD."""
    account = await staff_service.get(session, staff_id)
    account, sent = await staff_service.enable(session, crypto, notifiers, account, by=by, at=clock.now())
    return StaffInvited(**staff_service.to_schema(account).model_dump(), invitation=sent)


@router.post("/staff/{staff_id}/invitation", response_model=InvitationSent, summary="Send a new invitation")
async def resend_invitation(
    staff_id: UUID,
    by: StaffManager,
    session: SessionDep,
    crypto: CryptoDep,
    notifiers: NotifiersDep,
    clock: ClockDep,
) -> InvitationSent:
    """A new invitation code for a pending account (the previous code stops working)."""
    account = await staff_service.get(session, staff_id)
    return await staff_service.resend_invitation(session, crypto, notifiers, account, by=by, at=clock.now())


@router.post(
    "/staff/{staff_id}/mfa/reset", response_model=StaffInvited, summary="Reset the second factor (admin)"
)
async def reset_staff_mfa(
    staff_id: UUID,
    body: MfaReset,
    by: AdminActor,
    session: SessionDep,
    crypto: CryptoDep,
    notifiers: NotifiersDep,
    clock: ClockDep,
) -> StaffInvited:
    """Clear a staff member's lost authenticator and recovery codes and end their sign-ins (audited as
    `mfa.reset`, with the reason). The account is pending until they enrol again with the new invitation
    code sent to them. Admins only, never on their own account."""
    account = await staff_service.get(session, staff_id)
    account, sent = await staff_service.reset_mfa(
        session, crypto, notifiers, account, reason=body.reason, by=by, at=clock.now()
    )
    return StaffInvited(**staff_service.to_schema(account).model_dump(), invitation=sent)
