"""What each action does besides changing the state: its extra checks, the complaint's fields, the SLA clock
(`sla/clock.py`), and the note and data its timeline entry records. One function per action, called by the
endpoint between `service.begin` and `service.commit_change`."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.category.models import Category
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.complaint.states import Status, UpdateKind, UpdateVisibility
from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.lifecycle import schemas
from siantar_complaints.lifecycle.exceptions import (
    InvalidDuplicate,
    InvalidUpdate,
    ReopenWindowClosed,
    TransitionNotAllowed,
)
from siantar_complaints.lifecycle.service import Change
from siantar_complaints.sla import clock
from siantar_complaints.sla.clock import Stage
from siantar_complaints.sla.models import SlaClass
from siantar_shared.i18n import Text


async def sla_class_of(session: AsyncSession, complaint: Complaint) -> SlaClass:
    statement = select(SlaClass).where(SlaClass.code == complaint.sla_class_code)
    return (await session.scalars(statement)).one()


async def start_clock(change: Change, stage: Stage) -> None:
    sla_class = change.sla_class or await sla_class_of(change.session, change.complaint)
    clock.start_stage(change.complaint, stage, sla_class=sla_class, now=change.now, calendar=change.calendar)


def verify(change: Change, body: schemas.NoteBody) -> None:
    change.complaint.verified_at = change.now
    change.note = body.note


def reject(change: Change, body: schemas.ReasonBody) -> None:
    change.complaint.status_reason = body.reason
    change.note = body.reason
    clock.stop(change.complaint)


async def mark_duplicate(change: Change, body: schemas.DuplicateBody) -> None:
    complaint = change.complaint
    if body.of == complaint.id:
        raise InvalidDuplicate(
            Text("Laporan tidak dapat menjadi duplikat dirinya", "A complaint cannot duplicate itself")
        )
    statement = select(Complaint).where(Complaint.id == body.of, visibility.visible_to(change.principal))
    original = await change.session.scalar(statement)
    if original is None:
        raise InvalidDuplicate(Text("Laporan asal tidak ditemukan", "The original complaint was not found"))
    if original.status == Status.duplicate.value or original.duplicate_of_id is not None:
        raise InvalidDuplicate(
            Text("Laporan asal sendiri adalah duplikat", "The original complaint is itself a duplicate")
        )
    complaint.duplicate_of_id = original.id
    change.note = body.note
    change.data = {"duplicate_of": str(original.id), "duplicate_of_tracking_number": original.tracking_number}
    clock.stop(complaint)


async def disposition(change: Change, body: schemas.DispositionBody, agencies: AgencyDirectory) -> None:
    await agencies.require_usable(body.opd_code)
    complaint = change.complaint
    change.data = {"from_opd": complaint.opd_code, "to_opd": body.opd_code}
    complaint.opd_code = body.opd_code
    complaint.assigned_officer_id = None
    complaint.dispositioned_at = change.now
    change.note = body.note
    await start_clock(change, Stage.follow_up)


def assign(change: Change, body: schemas.AssignBody, *, reassign: bool) -> None:
    complaint = change.complaint
    current = complaint.assigned_officer_id
    if reassign and current is None:
        raise TransitionNotAllowed(
            Text("Belum ada petugas yang ditugaskan", "No officer is assigned yet: assign")
        )
    if not reassign and current is not None:
        raise TransitionNotAllowed(
            Text("Sudah ada petugas: gunakan reassign", "An officer is assigned: reassign")
        )
    if current == body.officer_id:
        raise TransitionNotAllowed(Text("Petugas itu sudah ditugaskan", "That officer is already assigned"))
    complaint.assigned_officer_id = body.officer_id
    change.kind, change.visibility = UpdateKind.assignment, UpdateVisibility.staff
    change.note = body.note
    change.data = {
        "officer_id": str(body.officer_id),
        "previous_officer_id": str(current) if current else None,
    }


def start(change: Change, body: schemas.NoteBody) -> None:
    complaint = change.complaint
    if complaint.assigned_officer_id is None:
        complaint.assigned_officer_id = change.principal.subject
    if complaint.first_response_at is None:
        complaint.first_response_at = change.now
    change.note = body.note


def request_information(change: Change, body: schemas.QuestionBody) -> None:
    change.note = change.question = body.question
    change.visibility = UpdateVisibility.participants
    clock.pause(change.complaint, now=change.now, calendar=change.calendar)


async def resolve(change: Change, body: schemas.ResolveBody) -> None:
    text = body.public_update or await template_text(change.session, change.complaint, body.template_code)
    if not text:
        raise InvalidUpdate(
            Text("Tanggapan publik wajib diisi", "A public update (or a response template) is required")
        )
    await check_photos(change.session, change.complaint, body.photo_ids)
    complaint = change.complaint
    complaint.resolved_at = change.now
    complaint.first_response_at = complaint.first_response_at or change.now
    change.note, change.photo_ids = text, body.photo_ids
    change.data = {"template_code": body.template_code} if body.template_code else {}
    await start_clock(change, Stage.close)


def redirect(change: Change, body: schemas.RedirectBody) -> None:
    complaint = change.complaint
    complaint.redirected_to = body.to
    complaint.status_reason = body.note or None
    change.note = body.note
    change.data = {"redirected_to": body.to}
    clock.stop(complaint)


def close(change: Change, body: schemas.NoteBody) -> None:
    change.complaint.closed_at = change.now
    change.note = body.note
    change.data = {"by": "reporter" if change.principal.subject == change.complaint.reporter_id else "desk"}
    clock.stop(change.complaint)


async def reopen(change: Change, reason: str) -> None:
    check_reopen_window(change)
    complaint = change.complaint
    complaint.reopen_count += 1
    complaint.closed_at = None
    change.note = reason
    await start_clock(change, Stage.follow_up)


def check_reopen_window(change: Change) -> None:
    resolved_at = change.complaint.resolved_at
    window = change.settings.REOPEN_WINDOW_WORKING_DAYS
    if resolved_at is None or change.calendar.working_days_between(resolved_at, change.now) > window:
        raise ReopenWindowClosed(
            Text(
                f"Pengaduan hanya dapat dibuka kembali dalam {window} hari kerja setelah selesai",
                f"A complaint can only be reopened within {window} working days of its resolution",
            )
        )


async def template_text(session: AsyncSession, complaint: Complaint, code: str | None) -> str:
    """The body (Bahasa Indonesia) of the category's response template `code`; 422 if it has none such."""
    if code is None:
        return ""
    category = await session.scalar(select(Category).where(Category.code == complaint.category_code))
    for template in category.response_templates if category else []:
        if template.get("code") == code:
            return str(template["body"]["id"])
    raise InvalidUpdate(Text(f"Tidak ada templat tanggapan '{code}'", f"No response template '{code}'"))


async def check_photos(session: AsyncSession, complaint: Complaint, photo_ids: Sequence[UUID]) -> None:
    """Photos named on an update must be this complaint's, uploaded and not yet on another entry."""
    if not photo_ids:
        return
    statement = select(ComplaintPhoto.id).where(
        ComplaintPhoto.id.in_(photo_ids),
        ComplaintPhoto.complaint_id == complaint.id,
        ComplaintPhoto.update_id.is_(None),
    )
    found = set(await session.scalars(statement))
    if found != set(photo_ids):
        raise InvalidUpdate(
            Text(
                "Foto tidak ditemukan pada pengaduan ini atau sudah dipakai",
                "A photo is not this complaint's, or is already on another update",
            )
        )
