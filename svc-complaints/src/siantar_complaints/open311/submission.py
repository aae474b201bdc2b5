"""POST requests: an Open311 service request becomes a real complaint, through the same `complaint.service.submit`
as the native API (routing, answers, numbering, SLA clock, timeline, event, duplicates), with channel `open311`.

- `api_key` (form body or query string; empty = missing) is checked by identity (cached <= 60 s) and must carry
  the `open311:write` scope, else 403. The key is never logged or stored (the idempotency scope keeps its hash).
- `first_name`/`last_name`/`email`/`phone` become a guest reporter in identity (so that the person is notified);
  this service keeps only the guest's id and never echoes them. A contact (email or phone) is required: a
  complaint needs someone to notify. `device_id` and `account_id` are not kept (they identify a person's device
  or account at the client and we have no use for them).
- Location: `lat`+`long` inside the city, and/or `address_string`; `address_id` is a Kemendagri kelurahan code.
- `attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` answer the category's questions.
- Photos: multipart file fields `media` and `photo1`..`photoN`, checked and stripped like every photo; repeated
  `media_url` links are kept (never fetched).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from siantar_complaints.category.models import Category
from siantar_complaints.complaint import photos
from siantar_complaints.complaint import service as complaint_service
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.schemas import ComplaintCreate
from siantar_complaints.complaint.states import Channel, IdentityVisibility, ReporterKind, ReportVisibility
from siantar_complaints.config import Settings
from siantar_complaints.identity.exceptions import IdentityUnavailable
from siantar_complaints.identity.services import IdentityServices
from siantar_complaints.open311 import repository
from siantar_complaints.open311.config import Open311Settings
from siantar_complaints.open311.exceptions import InvalidApiKey, InvalidParameter, ServiceNotFound
from siantar_complaints.open311.models import Open311Submission
from siantar_complaints.open311.params import Params, invalid, parse_float
from siantar_shared import wilayah
from siantar_shared.i18n import Language, LocalizedValueError, Text
from siantar_shared.service_token import ServiceTokenError
from siantar_shared.storage import Storage

_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
_PHOTO_FIELD = re.compile(r"media|photo[1-9][0-9]?")
MAX_MEDIA_URLS = 10
MAX_URL_LENGTH = 2048
TITLE_LENGTH = 100
GUEST_NAME = "Pelapor Open311"  # when a contact comes without a name: identity needs one


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str


async def authenticate(params: Params, identity: IdentityServices, settings: Open311Settings) -> Client:
    """The API client of `api_key`, or 403."""
    key = params.get("api_key")
    if key is None:
        raise InvalidApiKey(Text("api_key wajib dikirim", "api_key is required"))
    try:
        info = await identity.check_api_key(key)
    except ServiceTokenError as exc:
        raise IdentityUnavailable(
            Text("Layanan identitas tidak dapat dihubungi", "The identity service cannot be reached")
        ) from exc
    if not info.valid or info.client_id is None:
        raise InvalidApiKey(Text("api_key tidak sah", "api_key is not valid"))
    if settings.WRITE_SCOPE not in info.scopes:
        raise InvalidApiKey(
            Text(
                f"api_key tanpa cakupan {settings.WRITE_SCOPE}",
                f"api_key lacks the {settings.WRITE_SCOPE} scope",
            )
        )
    return Client(info.client_id)


async def service_of(session: AsyncSession, params: Params) -> Category:
    code = params.get("service_code")
    if code is None:
        raise invalid("service_code", Text("wajib dikirim", "is required"))
    category = await repository.active_category(session, code)
    if category is None:
        raise ServiceNotFound(Text(f"Tidak ada layanan {code}", f"No service {code}"))
    return category


def complaint_body(params: Params, category: Category, language: Language) -> ComplaintCreate:
    """The native submission the Open311 fields amount to (400 naming what is wrong)."""
    description = params.get("description")
    if description is None:
        raise invalid(
            "description", Text("wajib diisi (paling sedikit 10 karakter)", "is required (10+ characters)")
        )
    lat = parse_float("lat", params.get("lat"), minimum=-90, maximum=90)
    long = parse_float("long", params.get("long"), minimum=-180, maximum=180)
    if (lat is None) != (long is None):
        raise invalid("lat/long", Text("harus dikirim berdua", "must be sent together"))
    data: dict[str, Any] = {
        "title": title_of(description, category, language),
        "description": description,
        "category": category.code,
        "answers": answers_of(params),
        "location": {"lat": lat, "long": long} if lat is not None else None,
        "kelurahan": kelurahan_of(params.get("address_id")),
        "address": params.get("address_string"),
        "identity_visibility": IdentityVisibility.agency,
        "report_visibility": ReportVisibility.public,
        "channel": Channel.open311,
    }
    try:
        return ComplaintCreate.model_validate(data)
    except ValidationError as exc:
        raise InvalidParameter(_describe(exc)) from exc


def title_of(description: str, category: Category, language: Language) -> str:
    """Open311 has no title: the first line of the description, cut at a word, else the service's name."""
    line = " ".join(description.split("\n", 1)[0].split())
    if len(line) > TITLE_LENGTH:
        line = line[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    name = category.name_en if language == "en" else category.name_id
    return line if len(line) >= 5 else name


def answers_of(params: Params) -> dict[str, Any]:
    """`attribute[code]` (one value) and `attribute[code][]` (a list), from the body and the query string."""
    answers: dict[str, Any] = {}
    names = dict.fromkeys(key for source in params.sources for key in source)
    for name in names:
        match = _ATTRIBUTE.fullmatch(name)
        if match is None:
            continue
        values = params.all(name)
        if not values:
            continue
        code, is_list = match.group(1), bool(match.group(2))
        previous = answers.get(code)
        if previous is not None:  # both forms sent: one list of every value
            answers[code] = [*(previous if isinstance(previous, list) else [previous]), *values]
        else:
            answers[code] = values if is_list or len(values) > 1 else values[0]
    return answers


def kelurahan_of(address_id: str | None) -> str | None:
    if address_id is None:
        return None
    try:
        return wilayah.kelurahan(address_id).code
    except KeyError:
        raise invalid(
            "address_id",
            Text(
                "harus kode kelurahan Kemendagri, mis. 12.72.05.1002",
                "must be a kelurahan code, e.g. 12.72.05.1002",
            ),
        ) from None


def media_urls(params: Params) -> list[str]:
    urls = params.all("media_url")
    if len(urls) > MAX_MEDIA_URLS:
        raise invalid("media_url", Text(f"paling banyak {MAX_MEDIA_URLS}", f"at most {MAX_MEDIA_URLS}"))
    for url in urls:
        parts = urlsplit(url)
        if len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid("media_url", Text("harus URL http(s)", "must be an http(s) URL"))
    return list(dict.fromkeys(urls))


def uploads(form: FormData, *, limit: int) -> list[UploadFile]:
    """The photo files (`media`, `photo1`..`photoN`), in that order."""
    named = sorted(
        (key for key in dict.fromkeys(form.keys()) if _PHOTO_FIELD.fullmatch(key)), key=_photo_order
    )
    files = [value for key in named for value in form.getlist(key) if isinstance(value, UploadFile)]
    if len(files) > limit:
        raise invalid("media", Text(f"paling banyak {limit} foto", f"at most {limit} photos"))
    return files


def _photo_order(key: str) -> int:
    return 0 if key == "media" else int(key[5:])


async def prepare_photos(files: Sequence[UploadFile], settings: Settings) -> list[photos.PreparedPhoto]:
    prepared = []
    for upload in files:
        data = await upload.read(settings.PHOTO_MAX_BYTES + 1)
        prepared.append(await photos.prepare(data, max_bytes=settings.PHOTO_MAX_BYTES))
    return prepared


async def reporter_of(params: Params, identity: IdentityServices, language: Language) -> UUID:
    """The guest identity registers for the person (their contacts stay in identity)."""
    email, phone = params.get("email"), params.get("phone")
    if email is None and phone is None:
        raise invalid(
            "email/phone",
            Text(
                "wajib salah satu, agar pelapor dapat diberi kabar",
                "one is required, to keep the reporter informed",
            ),
        )
    name = (
        " ".join(part for part in (params.get("first_name"), params.get("last_name")) if part) or GUEST_NAME
    )
    try:
        return await identity.register_guest(name=name, phone=phone, email=email, language=language)
    except ServiceTokenError as exc:
        raise IdentityUnavailable(
            Text("Layanan identitas tidak dapat dihubungi", "The identity service cannot be reached")
        ) from exc


async def record(
    session: AsyncSession,
    storage: Storage,
    complaint: Complaint,
    prepared: Iterable[photos.PreparedPhoto],
    urls: list[str],
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """Attach the photos and keep the media URLs of a complaint just submitted."""
    for photo in prepared:
        await photos.attach(
            session, storage, complaint, photo, uploaded_by=None, limit=settings.PHOTOS_PER_COMPLAINT, now=now
        )
    if urls:
        session.add(Open311Submission(complaint_id=complaint.id, media_urls=urls, created_at=now))
        await session.flush()


async def submit(
    session: AsyncSession,
    body: ComplaintCreate,
    *,
    reporter_id: UUID,
    client: Client,
    settings: Settings,
    now: datetime,
) -> complaint_service.Submitted:
    calendar = await complaint_service.calendar_of(session)
    submitter = complaint_service.Submitter(actor_id=None, client_id=client.client_id, role="client")
    return await complaint_service.submit(
        session,
        body,
        reporter_id=reporter_id,
        reporter_kind=ReporterKind.guest,
        submitter=submitter,
        settings=settings,
        now=now,
        calendar=calendar,
    )


def _describe(exc: ValidationError) -> Text:
    parts_id, parts_en = [], []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "body"
        where = {
            "location": "lat/long",
            "location.lat": "lat",
            "location.long": "long",
            "address": "address_string",
        }.get(where, where)
        context = error.get("ctx", {}).get("error")
        text = context.text if isinstance(context, LocalizedValueError) else Text(error["msg"], error["msg"])
        parts_id.append(f"{where}: {text.id}")
        parts_en.append(f"{where}: {text.en}")
    return Text("Parameter tidak sah: " + "; ".join(parts_id), "Invalid parameters: " + "; ".join(parts_en))
