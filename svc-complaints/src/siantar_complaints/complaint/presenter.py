"""A complaint as one caller may see it (`visibility` decides what is cut)."""

from collections.abc import Sequence
from datetime import datetime

from siantar_complaints.category.models import Category
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.complaint.schemas import (
    Bilingual,
    CategoryRef,
    ComplaintRead,
    Location,
    PhotoRead,
    Place,
    Routing,
    SlaView,
)
from siantar_complaints.sla import clock
from siantar_shared import wilayah
from siantar_shared.auth import Principal
from siantar_shared.calendar import WorkingCalendar

BASE = "/complaints/v1/complaints"


def photo_url(complaint_id: object, photo_id: object, *, thumbnail: bool = False) -> str:
    return f"{BASE}/{complaint_id}/photos/{photo_id}" + ("/thumbnail" if thumbnail else "")


def visible_photos(
    caller: visibility.Caller, complaint: visibility.Seen, photos: Sequence[ComplaintPhoto]
) -> list[ComplaintPhoto]:
    """Photos hidden by a moderator are shown to staff of the complaint only."""
    if not photos:
        return []
    staff = visibility.is_staff_of(caller, complaint)
    return [photo for photo in photos if staff or not photo.hidden]


def present(
    complaint: Complaint,
    principal: Principal | None,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    category: Category,
    photos: Sequence[ComplaintPhoto] = (),
) -> ComplaintRead:
    staff = visibility.shows_internal(principal, complaint)
    sla = clock.state(complaint, now=now, calendar=calendar)
    kelurahan = wilayah.kelurahan(complaint.kelurahan_code) if complaint.kelurahan_code else None
    kecamatan = wilayah.kecamatan(complaint.kecamatan_code) if complaint.kecamatan_code else None
    located = complaint.latitude is not None and complaint.longitude is not None
    return ComplaintRead(
        id=complaint.id,
        tracking_number=complaint.tracking_number,
        title=complaint.title,
        description=complaint.description,
        category=CategoryRef(code=category.code, name=Bilingual(id=category.name_id, en=category.name_en)),
        type=complaint.type,
        answers=complaint.answers,
        status=complaint.status,
        status_reason=complaint.status_reason,
        duplicate_of=complaint.duplicate_of_id,
        redirected_to=complaint.redirected_to,
        routing=Routing(
            opd_code=complaint.opd_code,
            basis=complaint.routing_basis,
            reason=Bilingual(id=complaint.routing_reason_id, en=complaint.routing_reason_en),
            rule_id=complaint.routing_rule_id if staff else None,
        ),
        location=Location(lat=complaint.latitude, long=complaint.longitude) if located else None,
        kelurahan=Place(code=kelurahan.code, name=kelurahan.name) if kelurahan else None,
        kecamatan=Place(code=kecamatan.code, name=kecamatan.name) if kecamatan else None,
        address=complaint.address_text,
        identity_visibility=complaint.identity_visibility,
        report_visibility=complaint.report_visibility,
        channel=complaint.channel,
        reporter_id=visibility.reporter_shown(principal, complaint),
        assigned_officer_id=complaint.assigned_officer_id if staff else None,
        sla=SlaView(
            stage=sla.stage,
            due_at=sla.due_at,
            paused=sla.paused,
            breached=sla.breached,
            at_risk=sla.at_risk,
            remaining_working_days=sla.remaining_working_days,
        ),
        follower_count=complaint.follower_count,
        photo_count=complaint.photo_count,
        rating=complaint.rating,
        photos=[
            PhotoRead(
                id=photo.id,
                url=photo_url(complaint.id, photo.id),
                thumbnail_url=photo_url(complaint.id, photo.id, thumbnail=True),
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                update_id=photo.update_id,
                created_at=photo.created_at,
            )
            for photo in visible_photos(principal, complaint, photos)
        ],
        created_at=complaint.created_at,
        updated_at=complaint.last_activity_at,
        verified_at=complaint.verified_at,
        dispositioned_at=complaint.dispositioned_at,
        resolved_at=complaint.resolved_at,
        closed_at=complaint.closed_at,
        version=complaint.version,
    )
