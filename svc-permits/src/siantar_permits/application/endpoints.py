"""`/permits/v1/applications`: filing, reading and every workflow action (each needs `If-Match`)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from siantar_permits.application import access, schemas, service
from siantar_permits.application.models import Application, ApplicationEvent, TechnicalTask
from siantar_permits.application.states import BLDS_STATUS, OSS_STATUS, TRANSITION_OSS_STATUS, State
from siantar_permits.auth import STAFF_ROLES, is_licensing_staff
from siantar_permits.dependencies import IssuanceDep, StorageDep
from siantar_permits.document import service as documents
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.fee import service as fees
from siantar_permits.permit.models import Permit
from siantar_shared.auth import AnyPrincipal, Principal, require
from siantar_shared.conditional import (
    ETAG_HEADER,
    NO_STORE,
    WRITE_RESPONSES,
    IfMatch,
    json_response,
    version_tag,
)
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import NotFound
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorQuery, SortKey, paginate

router = APIRouter(tags=["applications"])
BASE = "/permits/v1/applications"
IdPath = Annotated[UUID, Path(description="Application id")]
Drafter = Annotated[Principal, require(acr=1)]
Submitter = Annotated[Principal, require(acr=2)]
WRITE: dict[int | str, dict[str, Any]] = {
    200: {"headers": ETAG_HEADER},
    403: {"description": "Not your role, not your OPD or not your turn in the approval chain"},
    404: {"description": "No such application, or not visible to you"},
    409: {"description": "Not allowed in the application's current state"},
    **WRITE_RESPONSES,
}


async def _answer(session: SessionDep, app: Application, status_code: int = 200) -> Response:
    body = await service.to_schema(session, app, detail=True)
    headers = {"Cache-Control": NO_STORE}
    if status_code == 201:
        headers["Location"] = f"{BASE}/{app.id}"
    return json_response(body, etag=version_tag(app.version), status_code=status_code, headers=headers)


@router.get(
    "/status-mappings",
    response_model=schemas.StatusMappings,
    tags=["reference"],
    summary="OSS and BLDS status mappings",
)
async def status_mappings() -> schemas.StatusMappings:
    """Each internal state with its OSS-RBA `kd_status` (PIA v4.3.22 Lampiran 10) and BLDS
    `StatusCurrentMapped`; `transitions` are the OSS codes recorded for events (41 returned: SLA stopped,
    42 resubmitted: SLA resumes, 57 fiktif positif...)."""
    return schemas.StatusMappings(
        states=[
            schemas.StatusMapping(
                state=s.value, oss_kd_status=OSS_STATUS[s], blds_status_current_mapped=BLDS_STATUS[s]
            )
            for s in State
        ],
        transitions=TRANSITION_OSS_STATUS,
    )


@router.post(
    "/applications",
    response_model=schemas.Application,
    status_code=201,
    responses={201: {"headers": ETAG_HEADER}},
    summary="Start an application (draft)",
)
async def create_application(
    principal: Drafter, body: schemas.ApplicationCreate, session: SessionDep
) -> Response:
    """A draft for a local permit type (assurance level 1 is enough for a draft; submitting needs 2). The
    form may be partial until submission."""
    app = await service.create(session, body, principal, utcnow())
    return await _answer(session, app, 201)


@router.get("/applications", response_model=schemas.ApplicationList, summary="Applications you may see")
async def list_applications(
    principal: AnyPrincipal,
    session: SessionDep,
    page: CursorQuery,
    state: Annotated[State | None, Query(description="Only this state (officers' queue)")] = None,
    type: Annotated[str | None, Query(max_length=48)] = None,
    sla_flag: Annotated[
        str | None,
        Query(pattern="^(on_time|at_risk|breached|paused)$", description="Only clocks in this condition"),
    ] = None,
) -> schemas.ApplicationList:
    """Newest first. An applicant sees their own; DPMPTSP staff all; a technical OPD those it has tasks on."""
    statement = select(Application).where(access.visible_to(principal))
    if state is not None:
        statement = statement.where(Application.state == state.value)
    if type is not None:
        statement = statement.where(Application.type_code == type)
    if sla_flag is not None:
        statement = statement.where(Application.sla_flag == sla_flag)
    table = Application.__table__.c
    keys = [SortKey(table.created_at, True), SortKey(table.id, True)]
    rows, cursor = await paginate(session, statement, page, keys)
    return schemas.ApplicationList(
        items=[await service.to_schema(session, r, detail=False) for r in rows], next_cursor=cursor
    )


@router.get(
    "/applications/{application_id}",
    response_model=schemas.Application,
    responses={200: {"headers": ETAG_HEADER}},
    summary="One application",
)
async def get_application(principal: AnyPrincipal, application_id: IdPath, session: SessionDep) -> Response:
    """The application with its SLA clock, fee and permit; the `ETag` is what every action expects in `If-Match`."""
    return await _answer(session, await access.load(session, application_id, principal))


@router.get("/applications/{application_id}/history", response_model=schemas.History, summary="History")
async def get_history(
    principal: AnyPrincipal, application_id: IdPath, session: SessionDep
) -> schemas.History:
    """Every transition and act, oldest first: action, states, OSS code, actor (id, roles, OPD), time, note."""
    app = await access.load(session, application_id, principal)
    rows = await session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == app.id)
        .order_by(ApplicationEvent.created_at, ApplicationEvent.id)
    )
    return schemas.History(items=[schemas.HistoryEntry.model_validate(r) for r in rows])


@router.patch(
    "/applications/{application_id}",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Edit a draft",
)
async def edit(
    principal: Drafter,
    application_id: IdPath,
    body: schemas.ApplicationUpdate,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """The applicant edits a draft or a returned application."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.update_draft(session, app, body, principal, if_match))


@router.post(
    "/applications/{application_id}/submit",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Submit (or resubmit after correction)",
)
async def submit(
    principal: Submitter, application_id: IdPath, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Needs assurance level 2, a complete form and every required document. A returned application goes
    back to the stage that returned it, its paused SLA clock resuming (OSS 42)."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.submit(session, app, principal, if_match, utcnow()))


@router.post(
    "/applications/{application_id}/completeness",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Completeness check (front office)",
)
async def completeness(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Completeness,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Complete: on to verification. Incomplete: returned to the applicant, SLA clock stopped (OSS 41)."""
    app = await access.load(session, application_id, principal)
    return await _answer(
        session, await service.completeness(session, app, body, principal, if_match, utcnow())
    )


@router.post(
    "/applications/{application_id}/verification",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Verification (back office)",
)
async def verification(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Verification,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Accept (on to the technical OPD, inspection, fee or approval) or return for correction."""
    app = await access.load(session, application_id, principal)
    return await _answer(
        session, await service.verification(session, app, body, principal, if_match, utcnow())
    )


@router.post(
    "/applications/{application_id}/recommendation",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Technical recommendation",
)
async def recommendation(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Recommendation,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """The technical OPD's letter: recommended moves on; not recommended rejects (OSS 93)."""
    app = await access.load(session, application_id, principal)
    return await _answer(
        session, await service.recommendation(session, app, body, principal, if_match, utcnow())
    )


@router.post(
    "/applications/{application_id}/inspection/schedule",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Schedule the inspection",
)
async def schedule(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.InspectionSchedule,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Name the inspector and the date (DPMPTSP or the technical OPD)."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.schedule_inspection(session, app, body, principal, if_match))


@router.post(
    "/applications/{application_id}/inspection/result",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Record the inspection result",
)
async def inspection_result(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.InspectionResult,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """The assigned inspector records the result, notes and photos (uploaded first as `inspection_photo`)."""
    app = await access.load(session, application_id, principal)
    return await _answer(
        session, await service.inspection_result(session, app, body, principal, if_match, utcnow())
    )


@router.post(
    "/applications/{application_id}/fee-assessment",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Assess the fee (SKRD)",
)
async def assess(
    principal: AnyPrincipal, application_id: IdPath, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """The fee from the type's rule (fixed, or rate × the form's quantity), an SKRD number, a billing code
    and a due date; the application then awaits payment."""
    app = await access.load(session, application_id, principal)
    await fees.assess(session, app, principal, if_match, utcnow())
    return await _answer(session, app)


@router.post(
    "/applications/{application_id}/payments",
    response_model=fees.PaymentRecorded,
    responses=WRITE,
    summary="Record a payment with proof (officer)",
)
async def officer_payment(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: fees.OfficerPayment,
    session: SessionDep,
    if_match: IfMatch = None,
) -> fees.PaymentRecorded:
    """A counter payment, its slip uploaded first as `payment_proof`; the amount must equal the assessment."""
    app = await access.load(session, application_id, principal)
    return await fees.officer_payment(session, app, body, principal, if_match, utcnow())


@router.post(
    "/applications/{application_id}/approval",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Approve or send back (approval chain)",
)
async def approval(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Approval,
    session: SessionDep,
    issuance: IssuanceDep,
    if_match: IfMatch = None,
) -> Response:
    """Only the role awaited at the current level may act (out of order: 403). The last approval issues
    the permit: number, PDF with QR code, signature."""
    app = await access.load(session, application_id, principal)
    now = utcnow()

    async def issue(target: Application) -> None:
        await issuance.issue(session, target, await service.definition_of(session, target), now)

    return await _answer(session, await service.approve(session, app, body, principal, if_match, now, issue))


@router.post(
    "/applications/{application_id}/issue",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Issue a permit deemed approved",
)
async def issue_deemed(
    principal: AnyPrincipal,
    application_id: IdPath,
    session: SessionDep,
    issuance: IssuanceDep,
    if_match: IfMatch = None,
) -> Response:
    """Fiktif positif: an application whose decision SLA passed in silence is issued by a supervisor."""
    app = await access.load(session, application_id, principal)
    now = utcnow()

    async def issue(target: Application) -> None:
        await issuance.issue(session, target, await service.definition_of(session, target), now)

    return await _answer(session, await service.issue_deemed(session, app, principal, if_match, now, issue))


@router.post(
    "/applications/{application_id}/reject",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Reject with reasons",
)
async def reject(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Rejection,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """DPMPTSP staff reject at any open stage, giving reasons."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.reject(session, app, body, principal, if_match, utcnow()))


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Withdraw (applicant)",
)
async def withdraw(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.ActionNote,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """The applicant withdraws before a decision."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.withdraw(session, app, body, principal, if_match, utcnow()))


@router.post(
    "/applications/{application_id}/revoke",
    response_model=schemas.Application,
    responses=WRITE,
    summary="Revoke an issued permit",
)
async def revoke(
    principal: AnyPrincipal,
    application_id: IdPath,
    body: schemas.Revocation,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """A DPMPTSP supervisor revokes; the public verification page then says so."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.revoke(session, app, body, principal, if_match, utcnow()))


@router.post(
    "/applications/{application_id}/renewal",
    response_model=schemas.Application,
    status_code=201,
    summary="Start a renewal",
)
async def renew(principal: Drafter, application_id: IdPath, session: SessionDep) -> Response:
    """A new draft for the holder, within the type's renewal window before expiry."""
    app = await access.load(session, application_id, principal)
    return await _answer(session, await service.renew(session, app, principal, utcnow()), 201)


@router.post(
    "/applications/{application_id}/documents/{requirement}",
    response_model=schemas.DocumentOut,
    status_code=201,
    tags=["documents"],
    summary="Upload a document",
)
async def upload_document(
    principal: AnyPrincipal,
    application_id: IdPath,
    requirement: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,47}$")],
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG as the requirement allows")],
    session: SessionDep,
    storage: StorageDep,
) -> schemas.DocumentOut:
    """Multipart upload for one requirement of the checklist; the type is read from the content (415 if not
    allowed), the size checked (413), the SHA-256 kept; uploading again adds a version."""
    app = await access.load(session, application_id, principal)
    data = await file.read()
    return schemas.DocumentOut.model_validate(
        await documents.upload(session, storage, app, requirement, data, principal)
    )


@router.get(
    "/applications/{application_id}/documents",
    response_model=schemas.DocumentList,
    tags=["documents"],
    summary="Documents",
)
async def list_documents(
    principal: AnyPrincipal, application_id: IdPath, session: SessionDep
) -> schemas.DocumentList:
    """Every version of every document, by requirement."""
    app = await access.load(session, application_id, principal)
    return schemas.DocumentList(
        items=[schemas.DocumentOut.model_validate(d) for d in await documents.list_documents(session, app)]
    )


@router.get(
    "/applications/{application_id}/documents/{document_id}",
    tags=["documents"],
    summary="Download a document",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def download_document(
    principal: AnyPrincipal,
    application_id: IdPath,
    document_id: UUID,
    session: SessionDep,
    storage: StorageDep,
) -> StreamingResponse:
    """One uploaded version, as stored (its sniffed type; `X-Content-SHA256` to check it), for whoever may
    see the application."""
    app = await access.load(session, application_id, principal)
    document = await session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != app.id or document.size == 0:
        raise NotFound(Text("Dokumen tidak ditemukan", "Document not found"))
    chunks = await storage.open_stream(document.storage_key)
    headers = {
        "X-Content-SHA256": document.sha256,
        "Content-Disposition": f'attachment; filename="{document.requirement_code}-v{document.version}"',
        "Cache-Control": NO_STORE,
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(chunks, media_type=document.content_type, headers=headers)


@router.get(
    "/applications/{application_id}/permit.pdf",
    tags=["permits"],
    summary="The permit PDF",
    response_class=StreamingResponse,
)
async def permit_pdf(
    principal: AnyPrincipal, application_id: IdPath, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """The signed permit (the holder and staff); `Digest`-style SHA-256 in `X-Content-SHA256`."""
    app = await access.load(session, application_id, principal)
    permit = await session.scalar(select(Permit).where(Permit.application_id == app.id))
    if permit is None:
        raise NotFound(Text("Izin belum terbit", "No permit issued yet"))
    if not permit.pdf_key:  # a tracked permit: its document is the external system's
        raise NotFound(Text("Dokumen izin ini disimpan di SIMBG", "This permit's document is kept in SIMBG"))
    chunks = await storage.open_stream(permit.pdf_key)
    headers = {
        "X-Content-SHA256": permit.pdf_sha256,
        "Content-Disposition": f'attachment; filename="permit-{app.reference}.pdf"',
        "Cache-Control": NO_STORE,
    }
    return StreamingResponse(chunks, media_type="application/pdf", headers=headers)


@router.get("/tasks", response_model=schemas.TaskList, tags=["applications"], summary="Technical OPD inbox")
async def tasks(
    principal: Annotated[Principal, require(roles=STAFF_ROLES)],
    session: SessionDep,
    status: Annotated[str, Query(pattern="^(open|done)$")] = "open",
) -> schemas.TaskList:
    """Recommendations and inspections assigned to the caller's OPD (DPMPTSP staff see every OPD's)."""
    statement = (
        select(TechnicalTask)
        .where(TechnicalTask.status == status)
        .order_by(TechnicalTask.created_at)
        .limit(200)
    )
    if not is_licensing_staff(principal):
        statement = statement.where(TechnicalTask.opd_code == (principal.agency or ""))
    return schemas.TaskList(items=[schemas.Task.model_validate(t) for t in await session.scalars(statement)])
