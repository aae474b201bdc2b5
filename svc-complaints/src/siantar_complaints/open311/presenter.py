"""Our catalogue and complaints as GeoReport v2 objects (JSON shape; `formats` derives the XML).

- services = active categories: codes as strings, `metadata` true when a category has extra questions, which its
  service definition lists as attributes with their Open311 datatypes; `type` is `realtime` (POST answers the id);
- requests = public complaints: `service_request_id` is the tracking number, `status` is `open`/`closed`, the rich
  (LAPOR!-aligned) state is in `status_notes` and, with `extensions=true`, in `extended_attributes`. Nothing about
  the reporter is ever part of a request: the answer is the same whoever asks.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from siantar_complaints.category.models import Category, CategoryGroup
from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.complaint.states import FINAL_STATES, Status
from siantar_complaints.open311.config import Open311Settings
from siantar_complaints.open311.formats import w3c_datetime
from siantar_complaints.sla.models import SlaClass
from siantar_shared import wilayah
from siantar_shared.i18n import Language, Text

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
SERVICE_TYPE = "realtime"
MAX_DESCRIPTION = 4000  # GeoReport v2: description is at most 4,000 characters
CLOSED_STATES = frozenset({*FINAL_STATES, Status.resolved})

STATE_TEXT: dict[str, Text] = {
    Status.submitted: Text("Diterima, menunggu verifikasi", "Received, awaiting verification"),
    Status.verified: Text("Terverifikasi", "Verified"),
    Status.dispositioned: Text("Didisposisikan ke OPD yang berwenang", "Assigned to the responsible agency"),
    Status.in_progress: Text("Sedang ditindaklanjuti", "Being dealt with"),
    Status.waiting_for_citizen: Text(
        "Menunggu keterangan dari pelapor", "Waiting for information from the reporter"
    ),
    Status.resolved: Text("Sudah ditindaklanjuti", "Follow-up posted"),
    Status.closed: Text("Selesai", "Closed"),
    Status.rejected: Text("Tidak dapat ditindaklanjuti", "Cannot be acted on"),
    Status.duplicate: Text("Laporan ganda", "Duplicate request"),
    Status.redirected: Text(
        "Bukan kewenangan Pemerintah Kota; diteruskan", "Not the city's responsibility; referred"
    ),
    Status.reopened: Text("Dibuka kembali", "Reopened"),
}
# the mySociety update statuses (upper case) closest to each of our states
UPDATE_STATUS: dict[str, str] = {
    Status.submitted: "OPEN",
    Status.verified: "INVESTIGATING",
    Status.dispositioned: "ACTION_SCHEDULED",
    Status.in_progress: "IN_PROGRESS",
    Status.waiting_for_citizen: "INVESTIGATING",
    Status.resolved: "FIXED",
    Status.closed: "CLOSED",
    Status.rejected: "NO_FURTHER_ACTION",
    Status.duplicate: "DUPLICATE",
    Status.redirected: "NOT_COUNCILS_RESPONSIBILITY",
    Status.reopened: "REOPEN",
}


def discovery(settings: Open311Settings, *, url: str, production: bool) -> dict[str, Any]:
    endpoint = {
        "specification": SPECIFICATION,
        "url": url,
        "changeset": settings.CHANGESET,
        "type": "production" if production else "test",
        "formats": FORMATS,
    }
    return {
        "changeset": settings.CHANGESET,
        "contact": settings.CONTACT,
        "key_service": settings.KEY_SERVICE,
        "max_requests": settings.MAX_REQUESTS,
        "endpoints": [endpoint],
    }


def service(category: Category, groups: Mapping[str, CategoryGroup], language: Language) -> dict[str, Any]:
    group = groups.get(category.group_code)
    return {
        "service_code": category.code,
        "service_name": _pick(category.name_id, category.name_en, language),
        "description": _pick(category.description_id, category.description_en, language),
        "metadata": bool(category.attributes),
        "type": SERVICE_TYPE,
        "keywords": ",".join(category.keywords),
        "group": _pick(group.name_id, group.name_en, language) if group else category.group_code,
    }


def service_definition(category: Category, language: Language) -> dict[str, Any]:
    attributes = sorted(category.attributes, key=lambda attribute: int(attribute["order"]))
    return {"service_code": category.code, "attributes": [_attribute(a, language) for a in attributes]}


def _attribute(attribute: Mapping[str, Any], language: Language) -> dict[str, Any]:
    explained = attribute.get("datatype_description")
    return {
        "variable": bool(attribute.get("variable", True)),
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": bool(attribute.get("required", False)),
        "datatype_description": explained[language] if explained else None,
        "order": int(attribute["order"]),
        "description": attribute["description"][language],
        "values": [
            {"key": value["key"], "name": value["name"][language]} for value in attribute.get("values", [])
        ],
    }


def service_notice(sla_class: SlaClass | None, language: Language) -> str | None:
    if sla_class is None:
        return None
    return Text(
        f"Diverifikasi paling lambat {sla_class.verify_days} hari kerja, lalu ditindaklanjuti OPD paling lambat "
        f"{sla_class.follow_up_days} hari kerja.",
        f"Verified within {sla_class.verify_days} working days, then followed up by the agency within "
        f"{sla_class.follow_up_days} working days.",
    ).pick(language)


@dataclass(frozen=True, slots=True)
class Context:
    """What presenting requests needs besides the complaints: the catalogue, OPD names, the language."""

    categories: Mapping[str, Category]
    sla_classes: Mapping[str, SlaClass]
    agency_names: Mapping[str, str]
    tracking_numbers: Mapping[UUID, str]  # of the complaints others are duplicates of
    language: Language
    extensions: bool = False
    media: Mapping[UUID, Sequence[str]] = field(default_factory=dict)


def is_closed(status: str) -> bool:
    return status in CLOSED_STATES


def status_notes(complaint: Complaint, language: Language) -> str:
    text = STATE_TEXT.get(complaint.status, Text(complaint.status, complaint.status)).pick(language)
    return f"{text}. {complaint.status_reason}" if complaint.status_reason else f"{text}."


def request(complaint: Complaint, context: Context, notes: Sequence[ComplaintUpdate] = ()) -> dict[str, Any]:
    language = context.language
    category = context.categories.get(complaint.category_code)
    closed = is_closed(complaint.status)
    media = context.media.get(complaint.id, ())
    body: dict[str, Any] = {
        "service_request_id": complaint.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes(complaint, language),
        "service_name": _pick(category.name_id, category.name_en, language) if category else None,
        "service_code": complaint.category_code,
        "description": complaint.description[:MAX_DESCRIPTION],
        "agency_responsible": context.agency_names.get(complaint.opd_code, complaint.opd_code),
        "service_notice": service_notice(context.sla_classes.get(complaint.sla_class_code), language),
        "requested_datetime": w3c_datetime(complaint.created_at),
        "updated_datetime": w3c_datetime(_updated_at(complaint, closed=closed)),
        "expected_datetime": None if closed else w3c_datetime(complaint.sla_due_at),
        "address": address(complaint),
        "address_id": None,
        "zipcode": _zipcode(complaint.kelurahan_code),
        "lat": complaint.latitude,
        "long": complaint.longitude,
        "media_url": next(iter(media), None),
    }
    if context.extensions:
        body["extended_attributes"] = {**extended_attributes(complaint, context), "media_urls": list(media)}
        body["notes"] = [note(update, language) for update in notes]
    return body


def _updated_at(complaint: Complaint, *, closed: bool) -> datetime:
    closed_at = complaint.closed_at or complaint.resolved_at
    return closed_at if closed and closed_at is not None else complaint.last_activity_at


def extended_attributes(complaint: Complaint, context: Context) -> dict[str, Any]:
    duplicate_of = (
        context.tracking_numbers.get(complaint.duplicate_of_id) if complaint.duplicate_of_id else None
    )
    return {
        "channel": complaint.channel,
        "state": complaint.status,
        "state_label": STATE_TEXT.get(complaint.status, Text(complaint.status, complaint.status)).pick(
            context.language
        ),
        "kelurahan_code": complaint.kelurahan_code,
        "kecamatan_code": complaint.kecamatan_code,
        "opd_code": complaint.opd_code,
        "sla_class": complaint.sla_class_code,
        "sla_due_datetime": w3c_datetime(complaint.sla_due_at),
        "sla_paused": complaint.sla_paused,
        "duplicate": complaint.status == Status.duplicate,
        "parent_service_request_id": duplicate_of,
        "redirected_to": complaint.redirected_to,
        "follower_count": complaint.follower_count,
    }


def note(update: ComplaintUpdate, language: Language) -> dict[str, Any]:
    state = update.to_status
    summary = STATE_TEXT[state].pick(language) if state in STATE_TEXT else update.kind
    return {
        "datetime": w3c_datetime(update.created_at),
        "type": update.kind,
        "summary": summary,
        "description": update.note or None,
        "extended_attributes": {"from_state": update.from_status, "to_state": update.to_status},
    }


def update(entry: ComplaintUpdate, tracking_number: str, state: str) -> dict[str, Any]:
    """One entry of the public timeline as a mySociety `request_update`."""
    return {
        "update_id": str(entry.id),
        "service_request_id": tracking_number,
        "status": UPDATE_STATUS.get(state, "OPEN"),
        "updated_datetime": w3c_datetime(entry.created_at),
        "description": entry.note or None,
        "media_url": None,
        "external_status_code": state,
    }


def address(complaint: Complaint) -> str | None:
    """Most specific first: the address text, kelurahan, kecamatan, the city."""
    parts = [complaint.address_text] if complaint.address_text else []
    if complaint.kelurahan_code:
        parts.append(f"Kel. {_kelurahan_name(complaint.kelurahan_code)}")
    if complaint.kecamatan_code:
        parts.append(f"Kec. {_kecamatan_name(complaint.kecamatan_code)}")
    return ", ".join([*parts, wilayah.KOTA_NAME]) if parts else None


def _kelurahan_name(code: str) -> str:
    try:
        return wilayah.kelurahan(code).name
    except KeyError:
        return code


def _kecamatan_name(code: str) -> str:
    try:
        return wilayah.kecamatan(code).name
    except KeyError:
        return code


def _zipcode(code: str | None) -> str | None:
    try:
        return wilayah.kelurahan(code).postal_code if code else None
    except KeyError:
        return None


def _pick(text_id: str, text_en: str, language: Language) -> str:
    return text_en if language == "en" else text_id
