"""Applications: filing, reading, and every workflow action (see `workflow` for the rules they share)."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import access, form, schemas, sla
from siantar_permits.application.exceptions import ApplicationInvalid, WrongState
from siantar_permits.application.models import Application, ApplicationEvent, TechnicalTask
from siantar_permits.application.numbers import next_number
from siantar_permits.application.states import BLDS_STATUS, OPEN_STATES, OSS_STATUS, STAGE_OF, State
from siantar_permits.application.workflow import (
    Issuer,
    approval_role,
    check_version,
    must,
    next_stage,
    record,
    require_state,
    transition,
)
from siantar_permits.audit import Actor
from siantar_permits.auth import is_licensing_staff, is_technical_staff
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.fee.models import FeeAssessment
from siantar_permits.notify import outbox
from siantar_permits.permit.models import Permit
from siantar_permits.permit_type import service as type_service
from siantar_permits.permit_type.schemas import PermitTypeDefinition, Processing
from siantar_shared.auth import Principal, Role
from siantar_shared.calendar import WIB
from siantar_shared.i18n import Text

DECIDERS = (Role.officer, Role.supervisor, Role.verifier)
CORRECTION_DAYS = 14  # calendar days suggested to the applicant for a correction [U: confirm with DPMPTSP]


async def definition_of(session: AsyncSession, app: Application) -> PermitTypeDefinition:
    """The rules the application was filed under (its own version, never the current one)."""
    return await type_service.definition_by_version(session, app.type_version_id)


async def create(
    session: AsyncSession, data: schemas.ApplicationCreate, principal: Principal, now: datetime
) -> Application:
    row = await type_service.get(session, data.type)
    definition = type_service.definition_of(row)
    if not row.active or definition.processing != Processing.local:
        raise ApplicationInvalid(
            Text(
                f"Jenis izin {data.type} tidak menerima permohonan di sini",
                f"Permit type {data.type} takes no applications here",
            )
        )
    version = await type_service.current_version(session, row)
    year = now.astimezone(WIB).year
    seq = await next_number(session, f"registration:{row.code}", year)
    app = Application(
        reference=f"{definition.number_code}-{year}-{seq:06d}",
        type_code=row.code,
        type_version_id=version.id,
        type_version=version.number,
        applicant_id=principal.subject,
        applicant_name=data.applicant_name,
        form=form.clean(definition, data.form, complete=False),
        state=State.draft.value,
        technical_opd=definition.technical_opd,
        sla_pauses=[],
    )
    session.add(app)
    await session.flush()
    await record(session, app, action="create", before=None, by=Actor.of(principal))
    return app


async def update_draft(
    session: AsyncSession,
    app: Application,
    data: schemas.ApplicationUpdate,
    principal: Principal,
    if_match: str | None,
) -> Application:
    check_version(app, if_match)
    must(
        access.is_applicant(principal, app),
        "Hanya pemohon yang dapat mengubah",
        "Only the applicant may edit",
    )
    require_state(app, State.draft, State.returned)
    definition = await definition_of(session, app)
    if data.form is not None:
        app.form = form.clean(definition, data.form, complete=False)
    if data.applicant_name is not None:
        app.applicant_name = data.applicant_name
    await record(session, app, action="edit", before=app.state, by=Actor.of(principal))
    return app


async def _missing_documents(
    session: AsyncSession, app: Application, definition: PermitTypeDefinition
) -> list[str]:
    uploaded = set(
        (
            await session.scalars(
                select(ApplicationDocument.requirement_code).where(
                    ApplicationDocument.application_id == app.id
                )
            )
        ).all()
    )
    return [r.code for r in definition.requirements if r.required and r.code not in uploaded]


async def submit(
    session: AsyncSession, app: Application, principal: Principal, if_match: str | None, now: datetime
) -> Application:
    """Draft -> submitted (assurance level 2), or returned -> submitted after correction (the paused clock
    resumes: OSS 42)."""
    check_version(app, if_match)
    must(
        access.is_applicant(principal, app),
        "Hanya pemohon yang dapat mengajukan",
        "Only the applicant may submit",
    )
    require_state(app, State.draft, State.returned)
    definition = await definition_of(session, app)
    app.form = form.clean(definition, app.form, complete=True)
    missing = await _missing_documents(session, app, definition)
    if missing:
        raise ApplicationInvalid(
            Text(
                f"Dokumen wajib belum diunggah: {', '.join(missing)}",
                f"Required documents missing: {', '.join(missing)}",
            ),
            extra={"missing": missing},
        )
    cal = await sla.calendar(session)
    by = Actor.of(principal)
    if app.state == State.returned.value:
        target = await _stage_before_return(session, app)
        app.state = target.value
        sla.resume(app, definition, now, cal)
        await record(session, app, action="resubmit", before=State.returned.value, by=by)
        return app
    await transition(session, app, definition, to=State.submitted, action="submit", by=by, now=now, cal=cal)
    params = {"application_number": app.reference, "permit_type": definition.name.id}
    await outbox.queue(session, app, "permit_application_received", params)
    return app


async def _stage_before_return(session: AsyncSession, app: Application) -> State:
    statement = (
        select(ApplicationEvent.from_state)
        .where(ApplicationEvent.application_id == app.id, ApplicationEvent.action == "return")
        .order_by(ApplicationEvent.created_at.desc())
        .limit(1)
    )
    before = await session.scalar(statement)
    return State(before) if before else State.submitted


def _staff(principal: Principal) -> None:
    must(
        is_licensing_staff(principal) and principal.has_role(*DECIDERS, Role.admin),
        "Hanya petugas DPMPTSP yang dapat melakukan ini",
        "Only DPMPTSP staff may do this",
    )


async def _return(
    session: AsyncSession,
    app: Application,
    definition: PermitTypeDefinition,
    by: Actor,
    note: str | None,
    data: dict[str, object],
    now: datetime,
) -> None:
    """Back to the applicant for correction: the stage's clock stops (OSS 41) and resumes on resubmission."""
    before = app.state
    app.state = State.returned.value
    sla.pause(app, now)
    app.sla_flag = "paused"
    await record(session, app, action="return", before=before, by=by, note=note, data=data)
    correction = (note or "lihat catatan petugas pada permohonan")[:300]
    due = (now.astimezone(WIB) + timedelta(days=CORRECTION_DAYS)).date().isoformat()
    params = {"application_number": app.reference, "correction": correction, "due_date": due}
    await outbox.queue(session, app, "permit_needs_correction", params)


async def completeness(
    session: AsyncSession,
    app: Application,
    body: schemas.Completeness,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    _staff(principal)
    require_state(app, State.submitted)
    definition = await definition_of(session, app)
    by = Actor.of(principal)
    if not body.complete:
        await _return(session, app, definition, by, body.note, {"missing": body.missing}, now)
        return app
    cal = await sla.calendar(session)
    await transition(
        session,
        app,
        definition,
        to=State.verification,
        action="complete",
        by=by,
        now=now,
        cal=cal,
        note=body.note,
    )
    return app


async def verification(
    session: AsyncSession,
    app: Application,
    body: schemas.Verification,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    _staff(principal)
    require_state(app, State.verification)
    definition = await definition_of(session, app)
    by = Actor.of(principal)
    if body.decision == "return":
        await _return(session, app, definition, by, body.note, {}, now)
        return app
    cal = await sla.calendar(session)
    target = next_stage(State.verification, definition)
    await transition(
        session, app, definition, to=target, action="verify", by=by, now=now, cal=cal, note=body.note
    )
    return app


async def _open_task(session: AsyncSession, app: Application, kind: str) -> TechnicalTask:
    statement = select(TechnicalTask).where(
        TechnicalTask.application_id == app.id, TechnicalTask.kind == kind, TechnicalTask.status == "open"
    )
    task = await session.scalar(statement)
    if task is None:
        raise WrongState(Text("Tidak ada tugas terbuka", "No open task"))
    return task


async def recommendation(
    session: AsyncSession,
    app: Application,
    body: schemas.Recommendation,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    """The technical OPD's recommendation: positive moves on, negative rejects (OSS 93)."""
    check_version(app, if_match)
    require_state(app, State.technical_review)
    must(
        is_technical_staff(principal, app.technical_opd),
        "Hanya OPD teknis yang ditugaskan yang dapat memberi rekomendasi",
        "Only the assigned technical OPD may recommend",
    )
    definition = await definition_of(session, app)
    task = await _open_task(session, app, "recommendation")
    task.status, task.result, task.notes = "done", body.decision, body.note
    task.letter_number, task.completed_at, task.completed_by = body.letter_number, now, principal.subject
    by = Actor.of(principal)
    cal = await sla.calendar(session)
    data = {"letter_number": body.letter_number, "decision": body.decision}
    if body.decision == "not_recommend":
        app.rejection_reasons = [body.note or "Tidak direkomendasikan oleh OPD teknis"]
        app.decided_at = now
        await transition(
            session,
            app,
            definition,
            to=State.rejected,
            action="reject_recommendation",
            by=by,
            now=now,
            cal=cal,
            note=body.note,
            data=data,
        )
        return app
    target = next_stage(State.technical_review, definition)
    await transition(
        session,
        app,
        definition,
        to=target,
        action="recommend",
        by=by,
        now=now,
        cal=cal,
        note=body.note,
        data=data,
    )
    return app


async def schedule_inspection(
    session: AsyncSession,
    app: Application,
    body: schemas.InspectionSchedule,
    principal: Principal,
    if_match: str | None,
) -> Application:
    check_version(app, if_match)
    require_state(app, State.inspection)
    task = await _open_task(session, app, "inspection")
    must(
        is_licensing_staff(principal) or is_technical_staff(principal, task.opd_code),
        "Hanya DPMPTSP atau OPD teknis yang dapat menjadwalkan",
        "Only DPMPTSP or the technical OPD may schedule",
    )
    task.inspector_id, task.scheduled_for = body.inspector_id, body.scheduled_for
    data = {"inspector_id": str(body.inspector_id), "scheduled_for": body.scheduled_for.isoformat()}
    await record(
        session,
        app,
        action="schedule_inspection",
        before=app.state,
        by=Actor.of(principal),
        note=body.note,
        data=data,
    )
    return app


async def inspection_result(
    session: AsyncSession,
    app: Application,
    body: schemas.InspectionResult,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    require_state(app, State.inspection)
    task = await _open_task(session, app, "inspection")
    must(task.inspector_id is not None, "Inspeksi belum dijadwalkan", "The inspection is not scheduled yet")
    must(
        principal.subject == task.inspector_id or is_technical_staff(principal, task.opd_code),
        "Hanya inspektur yang ditugaskan yang dapat mencatat hasil",
        "Only the assigned inspector may record the result",
    )
    photos = [str(p) for p in body.photo_document_ids]
    await _check_documents(session, app, body.photo_document_ids)
    task.status, task.result, task.notes, task.photo_document_ids = "done", body.result, body.notes, photos
    task.completed_at, task.completed_by = now, principal.subject
    definition = await definition_of(session, app)
    cal = await sla.calendar(session)
    by, data = Actor.of(principal), {"result": body.result, "photos": photos}
    if body.result == "failed":
        app.rejection_reasons, app.decided_at = [body.notes], now
        await transition(
            session,
            app,
            definition,
            to=State.rejected,
            action="inspection_failed",
            by=by,
            now=now,
            cal=cal,
            note=body.notes,
            data=data,
        )
        return app
    target = next_stage(State.inspection, definition)
    await transition(
        session,
        app,
        definition,
        to=target,
        action="inspection_passed",
        by=by,
        now=now,
        cal=cal,
        note=body.notes,
        data=data,
    )
    return app


async def _check_documents(session: AsyncSession, app: Application, ids: list[UUID]) -> None:
    if not ids:
        return
    found = set(
        (
            await session.scalars(
                select(ApplicationDocument.id).where(
                    ApplicationDocument.application_id == app.id, ApplicationDocument.id.in_(ids)
                )
            )
        ).all()
    )
    if found != set(ids):
        raise ApplicationInvalid(
            Text("Dokumen tidak ditemukan pada permohonan ini", "Documents not found on this application")
        )


async def approve(
    session: AsyncSession,
    app: Application,
    body: schemas.Approval,
    principal: Principal,
    if_match: str | None,
    now: datetime,
    issue: Issuer,
) -> Application:
    """One level of the approval chain, in order: the awaited role approves (the last approval issues the
    permit) or sends back one level (from the first level: back to verification)."""
    check_version(app, if_match)
    require_state(app, State.approval)
    definition = await definition_of(session, app)
    role = approval_role(app, definition)
    must(
        is_licensing_staff(principal) and role is not None and principal.has_role(Role(role)),
        f"Menunggu persetujuan peran {role}",
        f"Waiting for the approval of role {role}",
    )
    must(
        body.decision == "send_back" or not await _approved_in_this_round(session, app, principal),
        "Satu orang hanya memberi satu persetujuan dalam satu rantai",
        "One person gives one approval in a chain",
    )
    by, cal = Actor.of(principal), await sla.calendar(session)
    data = {"level": app.approval_level, "role": role}
    if body.decision == "send_back":
        if app.approval_level == 0:
            await transition(
                session,
                app,
                definition,
                to=State.verification,
                action="send_back",
                by=by,
                now=now,
                cal=cal,
                note=body.note,
                data=data,
            )
        else:
            app.approval_level -= 1
            await record(session, app, action="send_back", before=app.state, by=by, note=body.note, data=data)
        return app
    app.approval_level += 1
    if app.approval_level < len(definition.approval_chain):
        await record(session, app, action="approve", before=app.state, by=by, note=body.note, data=data)
        return app
    app.decided_at = now
    await transition(
        session,
        app,
        definition,
        to=State.issued,
        action="issue",
        by=by,
        now=now,
        cal=cal,
        note=body.note,
        data=data,
    )
    await issue(app)
    return app


async def _approved_in_this_round(session: AsyncSession, app: Application, principal: Principal) -> bool:
    """Whether `principal` already approved a level since the application last entered approval (four eyes:
    two levels of one chain are never the same person, even when both levels ask for the same role)."""
    entered = (
        select(ApplicationEvent.created_at)
        .where(
            ApplicationEvent.application_id == app.id,
            ApplicationEvent.to_state == State.approval.value,
            ApplicationEvent.from_state != State.approval.value,
        )
        .order_by(ApplicationEvent.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = select(ApplicationEvent.id).where(
        ApplicationEvent.application_id == app.id,
        ApplicationEvent.action == "approve",
        ApplicationEvent.actor_id == principal.subject,
        ApplicationEvent.created_at >= entered,
    )
    return (await session.scalars(statement.limit(1))).first() is not None


async def issue_deemed(
    session: AsyncSession,
    app: Application,
    principal: Principal,
    if_match: str | None,
    now: datetime,
    issue: Issuer,
) -> Application:
    """Issue a permit deemed approved by silence (fiktif positif): a supervisor signs it out."""
    check_version(app, if_match)
    require_state(app, State.deemed_approved)
    must(
        is_licensing_staff(principal) and principal.has_role(Role.supervisor),
        "Hanya kepala/kabid DPMPTSP",
        "Only a DPMPTSP supervisor",
    )
    definition = await definition_of(session, app)
    cal = await sla.calendar(session)
    await transition(
        session,
        app,
        definition,
        to=State.issued,
        action="issue",
        by=Actor.of(principal),
        now=now,
        cal=cal,
        data={"deemed_approved": True},
    )
    await issue(app)
    return app


async def reject(
    session: AsyncSession,
    app: Application,
    body: schemas.Rejection,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    _staff(principal)
    require_state(app, *(OPEN_STATES - {State.deemed_approved}))
    definition = await definition_of(session, app)
    app.rejection_reasons, app.decided_at = list(body.reasons), now
    cal = await sla.calendar(session)
    await transition(
        session,
        app,
        definition,
        to=State.rejected,
        action="reject",
        by=Actor.of(principal),
        now=now,
        cal=cal,
        note=body.note,
        data={"reasons": list(body.reasons)},
    )
    return app


async def withdraw(
    session: AsyncSession,
    app: Application,
    body: schemas.ActionNote,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    must(
        access.is_applicant(principal, app),
        "Hanya pemohon yang dapat menarik permohonan",
        "Only the applicant may withdraw",
    )
    require_state(app, State.draft, *(OPEN_STATES - {State.deemed_approved}))
    definition = await definition_of(session, app)
    cal = await sla.calendar(session)
    await transition(
        session,
        app,
        definition,
        to=State.withdrawn,
        action="withdraw",
        by=Actor.of(principal),
        now=now,
        cal=cal,
        note=body.note,
    )
    return app


async def revoke(
    session: AsyncSession,
    app: Application,
    body: schemas.Revocation,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> Application:
    check_version(app, if_match)
    must(
        is_licensing_staff(principal) and principal.has_role(Role.supervisor),
        "Hanya kepala/kabid DPMPTSP",
        "Only a DPMPTSP supervisor",
    )
    require_state(app, State.issued)
    definition = await definition_of(session, app)
    permit = await session.scalar(select(Permit).where(Permit.application_id == app.id))
    if permit is not None:
        permit.revoked_at, permit.revocation_reason = now, body.reason
    cal = await sla.calendar(session)
    await transition(
        session,
        app,
        definition,
        to=State.revoked,
        action="revoke",
        by=Actor.of(principal),
        now=now,
        cal=cal,
        note=body.reason,
    )
    return app


async def renew(session: AsyncSession, app: Application, principal: Principal, now: datetime) -> Application:
    """A new draft for the same type (its current version), linked to the permit it renews; when it is
    issued, the old permit becomes `renewed`."""
    must(
        access.is_applicant(principal, app),
        "Hanya pemegang izin yang dapat memperpanjang",
        "Only the holder may renew",
    )
    require_state(app, State.issued, State.expired)
    definition = await definition_of(session, app)
    permit = await session.scalar(select(Permit).where(Permit.application_id == app.id))
    if not definition.renewal.allowed or permit is None or permit.valid_until is None:
        raise WrongState(Text("Izin ini tidak dapat diperpanjang", "This permit cannot be renewed"))
    days_left = (permit.valid_until - now.astimezone(WIB).date()).days
    if days_left > definition.renewal.window_days:
        raise WrongState(
            Text(
                f"Perpanjangan dibuka {definition.renewal.window_days} hari sebelum masa berlaku habis",
                f"Renewal opens {definition.renewal.window_days} days before expiry",
            )
        )
    new = await create(
        session,
        schemas.ApplicationCreate(type=app.type_code, applicant_name=app.applicant_name, form={}),
        principal,
        now,
    )
    current = await definition_of(session, new)
    new.form = form.clean(
        current, {k: v for k, v in app.form.items() if k in {f.code for f in current.form}}, complete=False
    )
    new.renewal_of = app.id
    await record(
        session,
        new,
        action="renewal_started",
        before=State.draft.value,
        by=Actor.of(principal),
        data={"renews": str(app.id)},
    )
    return new


async def to_schema(session: AsyncSession, app: Application, *, detail: bool) -> schemas.Application:
    definition = await definition_of(session, app)
    state = State(app.state)
    fee = permit = None
    if detail:
        fee_row = await session.scalar(select(FeeAssessment).where(FeeAssessment.application_id == app.id))
        if fee_row is not None:
            fee = schemas.FeeView.model_validate(fee_row, from_attributes=True)
        permit_row = await session.scalar(select(Permit).where(Permit.application_id == app.id))
        if permit_row is not None:
            permit = schemas.PermitSummary(
                number=permit_row.number,
                issued_at=permit_row.issued_at,
                valid_from=permit_row.valid_from,
                valid_until=permit_row.valid_until,
                status=app.state,
                pdf_sha256=permit_row.pdf_sha256,
            )
    stage = STAGE_OF.get(state)
    return schemas.Application(
        id=app.id,
        reference=app.reference,
        type=app.type_code,
        type_version=app.type_version,
        state=app.state,
        oss_status=OSS_STATUS[state],
        blds_status=BLDS_STATUS[state],
        applicant_id=app.applicant_id,
        applicant_name=app.applicant_name,
        form=app.form,
        technical_opd=app.technical_opd,
        approval_level=app.approval_level,
        approval_role=approval_role(app, definition),
        rejection_reasons=app.rejection_reasons,
        deemed_approved=app.deemed_approved,
        sla=schemas.SlaView(
            stage=stage.value if stage else None,
            started_at=app.sla_started_at,
            due_at=app.sla_due_at,
            flag=app.sla_flag,
            paused=bool(app.sla_pauses) and app.sla_pauses[-1][1] is None,
        ),
        fee=fee,
        permit=permit,
        external_system=app.external_system,
        external_reference=app.external_reference,
        external_status=app.external_status,
        renewal_of=app.renewal_of,
        submitted_at=app.submitted_at,
        created_at=app.created_at,
        version=app.version,
    )
