"""Submitting a complaint, reading one, and its photos under /complaints/v1/complaints."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from siantar_complaints.complaint import photos as photo_service
from siantar_complaints.complaint import presenter, visibility
from siantar_complaints.complaint import service as complaint_service
from siantar_complaints.complaint.dependencies import NowDep, StorageDep
from siantar_complaints.complaint.exceptions import PhotoNotFound, SubmissionForbidden
from siantar_complaints.complaint.models import ComplaintPhoto
from siantar_complaints.complaint.schemas import ComplaintCreate, ComplaintCreated, ComplaintRead, PhotoRead
from siantar_complaints.complaint.states import Channel, ReporterKind
from siantar_complaints.config import Settings
from siantar_complaints.identity.dependencies import IdentityServicesDep
from siantar_complaints.photo.exceptions import PhotoTooLarge
from siantar_shared.auth import AnyPrincipal, OptionalPrincipal, Principal, Role
from siantar_shared.conditional import IfNoneMatch, json_response, version_tag
from siantar_shared.db import AtomicWriteSessionDep, SessionDep
from siantar_shared.i18n import Text
from siantar_shared.storage import ObjectNotFound

router = APIRouter(tags=["complaints"])
BASE = "/complaints/v1/complaints"
STAFF = frozenset({Role.officer, Role.supervisor, Role.verifier, Role.admin})
WRITE_SCOPE = "complaints:write"
# not `no-store`: the idempotency middleware keeps these answers to replay them to a retry
REPLAYABLE = "private, no-cache"
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed to submit for someone else, or without the complaints:write scope"},
    404: {"description": "No such complaint visible to you"},
    422: {
        "description": "Invalid body: see `errors` (markup in text, unknown category, point outside the city...)"
    },
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


async def _reporter(
    principal: Principal, body: ComplaintCreate, identity: Any
) -> tuple[UUID, ReporterKind, str]:
    """Who the complaint is from, and in which role the caller sends it in."""
    is_staff = principal.has_role(*STAFF)
    acts_for_self = principal.has_role(Role.citizen) and not is_staff and not principal.is_service
    if acts_for_self:
        if body.reporter is not None or body.reporter_id is not None:
            raise SubmissionForbidden(
                Text("Warga melapor atas nama sendiri", "Citizens report in their own name")
            )
        if principal.scopes and WRITE_SCOPE not in principal.scopes:
            raise SubmissionForbidden(
                Text("Token tanpa cakupan complaints:write", "No complaints:write scope")
            )
        if body.channel in (Channel.counter, Channel.open311):
            raise SubmissionForbidden(
                Text(f"Kanal {body.channel} bukan untuk warga", f"Channel {body.channel} is not for citizens")
            )
        return principal.subject, ReporterKind.citizen, Role.citizen.value
    if is_staff:
        role = next(
            r.value
            for r in (Role.admin, Role.verifier, Role.supervisor, Role.officer)
            if principal.has_role(r)
        )
    else:
        if WRITE_SCOPE not in principal.scopes:
            raise SubmissionForbidden(
                Text("Token tanpa cakupan complaints:write", "No complaints:write scope")
            )
        if body.channel in (Channel.counter, Channel.open311):
            raise SubmissionForbidden(
                Text(f"Kanal {body.channel} hanya untuk petugas", f"Channel {body.channel} is for staff only")
            )
        role = "client"
    if body.reporter is not None:
        subject = await identity.register_guest(
            name=body.reporter.name,
            phone=body.reporter.phone,
            email=body.reporter.email,
            language=body.reporter.language,
        )
        return subject, ReporterKind.guest, role
    if body.reporter_id is not None:
        return body.reporter_id, ReporterKind.guest, role
    if is_staff:  # an officer reporting something they saw themselves
        return principal.subject, ReporterKind.citizen, role
    raise SubmissionForbidden(
        Text("Sebutkan pelapor (reporter atau reporter_id)", "Name the reporter (reporter or reporter_id)")
    )


@router.post(
    "/complaints",
    status_code=201,
    response_model=ComplaintCreated,
    responses=_ERRORS,
    summary="Submit a complaint",
)
async def submit_complaint(
    body: ComplaintCreate,
    principal: AnyPrincipal,
    request: Request,
    session: AtomicWriteSessionDep,  # on PostgreSQL its writes are one statement (complaint.writing)
    identity: IdentityServicesDep,
    now: NowDep,
) -> Response:
    """File a complaint (pengaduan), an aspiration or an information request.

    A signed-in citizen reports in their own name; an officer at a counter (channel `counter`) or an API client
    with the `complaints:write` scope reports for a person given in `reporter` (registered as a guest in
    identity, which alone keeps names and contacts) or `reporter_id`. Send an `Idempotency-Key` header: a retry
    with the same key returns this same answer and never files a second complaint.

    The answer has the tracking number, the OPD the complaint was routed to **and why** (`routing.reason`), the
    SLA due date of verification, and up to 5 `suggested_duplicates`: open public complaints of the same
    category within 100 m in the last 30 days, which the citizen may follow instead."""
    settings = _settings(request)
    reporter_id, kind, role = await _reporter(principal, body, identity)
    calendar = await complaint_service.calendar_of(session)
    submitter = complaint_service.Submitter.of(principal, role)
    submitted = await complaint_service.submit(
        session,
        body,
        reporter_id=reporter_id,
        reporter_kind=kind,
        submitter=submitter,
        settings=settings,
        now=now,
        calendar=calendar,
    )
    read = presenter.present(
        submitted.complaint, principal, now=now, calendar=calendar, category=submitted.category
    )
    created = ComplaintCreated(**read.model_dump(), suggested_duplicates=submitted.duplicates)
    return json_response(
        created,
        status_code=201,
        etag=version_tag(submitted.complaint.version),
        headers={"Location": f"{BASE}/{submitted.complaint.id}", "Cache-Control": REPLAYABLE},
    )


@router.get(
    "/complaints/{complaint_id}", response_model=ComplaintRead, responses=_ERRORS, summary="One complaint"
)
async def get_complaint(
    complaint_id: UUID,
    principal: OptionalPrincipal,
    session: SessionDep,
    now: NowDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A complaint as you may see it: public ones for everyone, restricted ones for their reporter and staff
    only (404 to anyone else); the reporter's id only when their identity is visible to you. Its `ETag`
    (`"v<version>"`) is what transitions expect in `If-Match`."""
    complaint = await complaint_service.get_visible(session, complaint_id, principal)
    return await _answer(session, complaint, principal, now, if_none_match)


@router.get(
    "/complaints/by-number/{tracking_number}",
    response_model=ComplaintRead,
    responses=_ERRORS,
    summary="One complaint by its tracking number",
)
async def get_by_number(
    tracking_number: str,
    principal: OptionalPrincipal,
    session: SessionDep,
    now: NowDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The same as by id, for the number on the citizen's receipt (e.g. `SIANTAR-2026-000123`)."""
    complaint = await complaint_service.get_visible_by_number(session, tracking_number, principal)
    return await _answer(session, complaint, principal, now, if_none_match)


async def _answer(
    session: SessionDep, complaint: Any, principal: Principal | None, now: Any, if_none_match: str | None
) -> Response:
    calendar = await complaint_service.calendar_of(session)
    category = await complaint_service.category_of(session, complaint)
    photos = await complaint_service.photos_of(session, complaint)
    read = presenter.present(
        complaint, principal, now=now, calendar=calendar, category=category, photos=photos
    )
    cache = (
        "private, no-cache"
        if principal is not None or complaint.report_visibility != "public"
        else "public, no-cache"
    )
    return json_response(
        read,
        etag=version_tag(complaint.version),
        if_none_match=if_none_match,
        headers={"Cache-Control": cache},
    )


@router.post(
    "/complaints/{complaint_id}/photos",
    status_code=201,
    response_model=PhotoRead,
    responses={
        **_ERRORS,
        409: {"description": "The complaint already has the most photos allowed"},
        413: {"description": "The photo is larger than allowed (10 MB by default)"},
    },
    summary="Add a photo",
)
async def upload_photo(
    complaint_id: UUID,
    principal: AnyPrincipal,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    now: NowDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP; checked by content, not by name")],
) -> Response:
    """One photo per request (so that each retries alone on a bad network), up to 5 per complaint, by the
    reporter, the API client or officer who submitted it, or staff of the complaint. EXIF data, GPS included,
    is removed; a thumbnail is made."""
    settings = _settings(request)
    complaint = await complaint_service.get_visible(session, complaint_id, principal)
    allowed = (
        visibility.is_reporter(principal, complaint)
        or visibility.is_staff_of(principal, complaint)
        or (complaint.submitted_by_id is not None and complaint.submitted_by_id == principal.subject)
    )
    if not allowed:
        raise SubmissionForbidden(
            Text(
                "Hanya pelapor atau petugas yang dapat menambah foto",
                "Only the reporter or staff may add photos",
            )
        )
    data = await file.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise PhotoTooLarge(
            Text(
                f"Foto melebihi {settings.PHOTO_MAX_BYTES // (1024 * 1024)} MB",
                f"The photo is larger than {settings.PHOTO_MAX_BYTES // (1024 * 1024)} MB",
            )
        )
    prepared = await photo_service.prepare(data, max_bytes=settings.PHOTO_MAX_BYTES)
    photo = await photo_service.attach(
        session,
        storage,
        complaint,
        prepared,
        uploaded_by=principal.subject,
        limit=settings.PHOTOS_PER_COMPLAINT,
        now=now,
    )
    read = PhotoRead(
        id=photo.id,
        url=presenter.photo_url(complaint.id, photo.id),
        thumbnail_url=presenter.photo_url(complaint.id, photo.id, thumbnail=True),
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        created_at=photo.created_at,
    )
    return json_response(read, status_code=201, headers={"Location": read.url, "Cache-Control": REPLAYABLE})


async def _photo(
    session: SessionDep, complaint_id: UUID, photo_id: UUID, principal: Principal | None
) -> ComplaintPhoto:
    complaint = await complaint_service.get_visible(session, complaint_id, principal)
    for photo in presenter.visible_photos(
        principal, complaint, await complaint_service.photos_of(session, complaint)
    ):
        if photo.id == photo_id:
            return photo
    raise PhotoNotFound(Text(f"Tidak ada foto {photo_id}", f"No photo {photo_id}"))


async def _stream(storage: StorageDep, key: str, content_type: str) -> StreamingResponse:
    try:
        chunks = await storage.open_stream(key)
    except ObjectNotFound as exc:
        raise PhotoNotFound(Text("Berkas foto tidak ditemukan", "The photo file is missing")) from exc
    return StreamingResponse(
        chunks,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/complaints/{complaint_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}, 404: _ERRORS[404]},
    summary="A photo",
)
async def get_photo(
    complaint_id: UUID, photo_id: UUID, principal: OptionalPrincipal, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """The photo (metadata stripped), for whoever may see the complaint; hidden photos for staff only."""
    photo = await _photo(session, complaint_id, photo_id, principal)
    return await _stream(storage, photo.storage_key, photo.content_type)


@router.get(
    "/complaints/{complaint_id}/photos/{photo_id}/thumbnail",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/webp": {}}}, 404: _ERRORS[404]},
    summary="A photo's thumbnail",
)
async def get_thumbnail(
    complaint_id: UUID, photo_id: UUID, principal: OptionalPrincipal, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    photo = await _photo(session, complaint_id, photo_id, principal)
    return await _stream(storage, photo.thumbnail_key, photo_service.THUMBNAIL_TYPE)
