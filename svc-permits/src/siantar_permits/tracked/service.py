"""Status intake for tracked types: an integration client (service token) reports an external status; the
application (created on first report, keyed by type and external reference) follows it through the
adapter. Processing stays in the external system: we keep the reference, the statuses and their history."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import form
from siantar_permits.application.exceptions import ApplicationInvalid
from siantar_permits.application.models import Application
from siantar_permits.application.numbers import next_number
from siantar_permits.application.states import State
from siantar_permits.application.workflow import record
from siantar_permits.audit import Actor
from siantar_permits.permit.models import Permit
from siantar_permits.permit_type import service as type_service
from siantar_permits.permit_type.schemas import Processing, TypeCode
from siantar_permits.tracked.adapters import ADAPTERS
from siantar_shared.calendar import WIB
from siantar_shared.i18n import Text


class StatusReport(BaseModel):
    type: TypeCode = Field(examples=["pbg"])
    external_reference: str = Field(min_length=3, max_length=100, examples=["PBG-127201-28112026-01"])
    status: str = Field(min_length=1, max_length=64, examples=["penilaian_teknis"])
    status_at: datetime
    applicant_id: UUID | None = Field(default=None, description="The holder's account in identity, if known")
    holder_name: str = Field(min_length=1, max_length=200)
    form: dict[str, object] = Field(
        default_factory=dict, description="Address and building data (the type's form)"
    )
    permit_number: str | None = Field(default=None, max_length=120, description="When issued")
    valid_until: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class StatusAccepted(BaseModel):
    application_id: UUID
    state: str
    oss_status: str | None
    created: bool


async def intake(session: AsyncSession, report: StatusReport, by: Actor, now: datetime) -> StatusAccepted:
    row = await type_service.get(session, report.type)
    definition = type_service.definition_of(row)
    if definition.processing != Processing.tracked or definition.external_system is None:
        raise ApplicationInvalid(
            Text(f"{report.type} bukan jenis izin yang dilacak", f"{report.type} is not a tracked type")
        )
    mapped = ADAPTERS[definition.external_system.value].map(report.status)
    if mapped is None:
        raise ApplicationInvalid(
            Text(
                f"Status {report.status} tidak dikenal",
                f"Unknown {definition.external_system.value} status {report.status}",
            )
        )
    app = await session.scalar(
        select(Application).where(
            Application.type_code == row.code, Application.external_reference == report.external_reference
        )
    )
    created = app is None
    if app is None:
        version = await type_service.current_version(session, row)
        year = now.astimezone(WIB).year
        seq = await next_number(session, f"registration:{row.code}", year)
        app = Application(
            reference=f"{definition.number_code}-{year}-{seq:06d}",
            type_code=row.code,
            type_version_id=version.id,
            type_version=version.number,
            applicant_id=report.applicant_id,
            applicant_name=report.holder_name,
            form={},
            state=State.tracked.value,
            technical_opd=definition.technical_opd,
            sla_pauses=[],
            external_system=definition.external_system.value,
            external_reference=report.external_reference,
            submitted_at=report.status_at,
        )
        session.add(app)
        await session.flush()
    app.form = form.clean(definition, {**app.form, **report.form}, complete=False)
    app.applicant_name = report.holder_name
    app.external_status = report.status
    before = app.state
    app.state = mapped.state.value
    if mapped.state == State.issued and report.permit_number:
        await _record_permit(session, app, report, now)
    data = {
        "external_status": report.status,
        "status_at": report.status_at.isoformat(),
        "label": mapped.label,
    }
    await record(
        session,
        app,
        action="external_status",
        before=before if not created else None,
        by=by,
        note=report.note,
        data=data,
    )
    return StatusAccepted(
        application_id=app.id, state=app.state, oss_status=mapped.oss_status, created=created
    )


async def _record_permit(
    session: AsyncSession, app: Application, report: StatusReport, now: datetime
) -> None:
    """An externally issued permit: its number and validity (the PDF and signature are SIMBG's)."""
    existing = await session.scalar(select(Permit).where(Permit.application_id == app.id))
    if existing is not None:
        return
    session.add(
        Permit(
            application_id=app.id,
            type_code=app.type_code,
            number=str(report.permit_number),
            issued_at=report.status_at,
            valid_from=report.status_at.astimezone(WIB).date(),
            valid_until=report.valid_until,
            pdf_key="",
            pdf_sha256="",
            signed_fields={},
            signature="",
            signature_key_id="external",
            signature_algorithm=app.external_system or "external",
            verification_hash=f"external:{app.id.hex}"[:64],
        )
    )
    await session.flush()
