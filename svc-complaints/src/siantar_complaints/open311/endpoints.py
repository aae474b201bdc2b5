"""Open311 GeoReport v2 endpoints, mounted at the root (outside /complaints/v1), every one in XML and JSON.

The format is the path's suffix (`services.xml`, `services.json`); parameters are read by hand (`params`) so that
a bad value is a 400 naming it. Errors are ordinary problems, which `middleware.Open311Middleware` answers in
the Open311 shape. Lists (`page`/`page_size`) are the one place where page numbers replace cursors: pages are
1-based.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from siantar_complaints.complaint.dependencies import NowDep, StorageDep
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.states import Status
from siantar_complaints.config import Settings
from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.identity.dependencies import AgencyDirectoryDep, IdentityServicesDep
from siantar_complaints.lifecycle.endpoints import SettingsDep as LifecycleSettingsDep
from siantar_complaints.open311 import presenter, repository, submission, updates
from siantar_complaints.open311.config import Open311Settings, get_settings
from siantar_complaints.open311.exceptions import InvalidParameter, RequestNotFound, ServiceNotFound
from siantar_complaints.open311.formats import render
from siantar_complaints.open311.middleware import PREFIX
from siantar_complaints.open311.params import (
    Params,
    check_format,
    check_jurisdiction,
    comma_list,
    invalid,
    parse_bool,
    parse_datetime,
    parse_float,
    parse_int,
)
from siantar_shared.auth import AnyPrincipal
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import AppError, request_language
from siantar_shared.i18n import Text
from siantar_shared.schemas.types import inside_siantar

router = APIRouter(prefix=PREFIX, tags=["open311"])
SettingsDep = Annotated[Open311Settings, Depends(get_settings)]
XML_OR_JSON: dict[int | str, dict[str, Any]] = {200: {"content": {"text/xml": {}, "application/json": {}}}}


@router.get("/discovery.{fmt}", summary="Service discovery", responses=XML_OR_JSON)
async def discovery(fmt: str, request: Request, settings: SettingsDep) -> Response:
    """Where this endpoint is, what it speaks (`text/xml`, `application/json`) and how to get an `api_key`."""
    form = check_format(fmt)
    url = public_root(request, settings) + PREFIX
    production = bool(request.app.state.settings.is_production)
    return render(form, presenter.discovery(settings, url=url, production=production), root="discovery")


@router.get("/services.{fmt}", summary="Service list", responses=XML_OR_JSON)
async def services(fmt: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The categories citizens can report (`service_code` = category code). Extension: `lat` and `long` give
    the services available at that point (every active one inside the city, none outside it)."""
    form = check_format(fmt)
    params = Params(request.query_params)
    check_jurisdiction(params, settings)
    lat = parse_float("lat", params.get("lat"), minimum=-90, maximum=90)
    long = parse_float("long", params.get("long"), minimum=-180, maximum=180)
    if (lat is None) != (long is None):
        raise invalid("lat/long", Text("harus dikirim berdua", "must be sent together"))
    rows = await repository.active_categories(session)
    if lat is not None and long is not None and not inside_siantar(lat, long):
        rows = []
    groups = await repository.groups(session)
    language = request_language(request)
    items = [presenter.service(row, groups, language) for row in rows]
    return render(form, items, root="services", item="service")


@router.get("/services/{service_code}.{fmt}", summary="Service definition", responses=XML_OR_JSON)
async def service_definition(
    service_code: str, fmt: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The extra questions of a service, as attributes to post as `attribute[code]`."""
    form = check_format(fmt)
    check_jurisdiction(Params(request.query_params), settings)
    category = await repository.active_category(session, service_code)
    if category is None:
        raise ServiceNotFound(Text(f"Tidak ada layanan {service_code}", f"No service {service_code}"))
    body = presenter.service_definition(category, request_language(request))
    return render(form, body, root="service_definition")


@router.get("/requests.{fmt}", summary="Service requests", responses=XML_OR_JSON)
async def list_requests(
    fmt: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    agencies: AgencyDirectoryDep,
) -> Response:
    """Public complaints, newest first. `service_request_id` (comma list) overrides every other filter;
    `service_code` and `status` (`open`, `closed`) take comma lists; `start_date`/`end_date` bound the time of the
    request, `updated_after`/`updated_before` its last change. Without dates the last 90 days are served, and a
    range may not exceed 90 days. `page` (1-based) and `page_size` (at most 1,000, the default). With
    `extensions=true` each request carries `extended_attributes` and its public history as `notes`."""
    form = check_format(fmt)
    params = Params(request.query_params)
    check_jurisdiction(params, settings)
    where = request_filter(params, settings, now=utcnow())
    rows = await repository.find_requests(session, where)
    items = await present(
        request,
        session,
        agencies,
        rows,
        settings=settings,
        extensions=parse_bool("extensions", params.get("extensions")),
    )
    return render(form, items, root="service_requests", item="request")


@router.post("/requests.{fmt}", summary="Submit a service request", responses=XML_OR_JSON)
async def create_request(
    fmt: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    identity: IdentityServicesDep,
    storage: StorageDep,
    now: NowDep,
) -> Response:
    """File a complaint (channel `open311`) as a form (`application/x-www-form-urlencoded` or
    `multipart/form-data`): `api_key` (body or query; needs `open311:write`), `service_code`, `lat`+`long`
    and/or `address_string` (`address_id`: a kelurahan code), `description`, `email` and/or `phone` (with
    `first_name`/`last_name`: the reporter, kept by identity and never shown), `attribute[code]` /
    `attribute[code][]`, photos as files `media` or `photo1`..`photoN`, and `media_url` (repeatable).
    Answers a list of one `{service_request_id, service_notice}`. Send an `Idempotency-Key` header: a retry
    gets the same answer and never files a second complaint."""
    form_format = check_format(fmt)
    service_settings: Settings = request.app.state.settings
    form = await request.form(max_files=service_settings.PHOTOS_PER_COMPLAINT + 1, max_fields=500)
    params = Params(form, request.query_params)
    client = await submission.authenticate(params, identity, settings)
    check_jurisdiction(params, settings)
    category = await submission.service_of(session, params)
    language = request_language(request)
    body = submission.complaint_body(params, category, language)
    urls = submission.media_urls(params)
    files = submission.uploads(form, limit=service_settings.PHOTOS_PER_COMPLAINT)
    prepared = await submission.prepare_photos(files, service_settings)
    reporter_id = await submission.reporter_of(params, identity, language)
    submitted = await submission.submit(
        session, body, reporter_id=reporter_id, client=client, settings=service_settings, now=now
    )
    await submission.record(
        session, storage, submitted.complaint, prepared, urls, settings=service_settings, now=now
    )
    sla_class = (await repository.sla_classes(session)).get(submitted.category.sla_class_code)
    item = {
        "service_request_id": submitted.complaint.tracking_number,
        "service_notice": presenter.service_notice(sla_class, language),
    }
    return render(form_format, [item], root="service_requests", item="request")


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request", responses=XML_OR_JSON)
async def get_request(
    service_request_id: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    agencies: AgencyDirectoryDep,
) -> Response:
    """A list of one request (as the spec says), or 404."""
    form = check_format(fmt)
    params = Params(request.query_params)
    check_jurisdiction(params, settings)
    rows = await repository.find_requests(
        session, repository.RequestFilter(tracking_numbers=[service_request_id])
    )
    if not rows:
        raise _request_not_found(service_request_id)
    items = await present(
        request,
        session,
        agencies,
        rows,
        settings=settings,
        extensions=parse_bool("extensions", params.get("extensions")),
    )
    return render(form, items, root="service_requests", item="request")


@router.get("/tokens/{token}.{fmt}", summary="Request id of a token", responses=XML_OR_JSON)
async def get_token(
    token: str, fmt: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Our services are `realtime`: a POST answers the `service_request_id` at once. A token is the request's
    internal id (the native API's complaint id), and this returns `[{service_request_id, token}]`."""
    form = check_format(fmt)
    check_jurisdiction(Params(request.query_params), settings)
    try:
        complaint = await repository.public_by_id(session, UUID(token))
    except ValueError:
        complaint = None
    if complaint is None:
        raise RequestNotFound(Text(f"Tidak ada token {token}", f"No token {token}"))
    items = [{"service_request_id": complaint.tracking_number, "token": str(complaint.id)}]
    return render(form, items, root="service_requests", item="request")


@router.get("/servicerequestupdates.{fmt}", summary="Update feed", responses=XML_OR_JSON)
async def list_updates(fmt: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The public history of public requests (mySociety extension), oldest first: `start_date`/`end_date`
    (default: the last 90 days; at most 90 days), at most 1,000 updates. `status` is the mySociety upper-case
    status; `external_status_code` our own state."""
    form = check_format(fmt)
    params = Params(request.query_params)
    check_jurisdiction(params, settings)
    start, end = window(params, "start_date", "end_date", settings, now=utcnow())
    rows = await repository.public_updates(session, start=start, end=end, limit=settings.MAX_REQUESTS)
    items = [presenter.update(row.entry, row.tracking_number, row.state) for row in rows]
    return render(form, items, root="service_request_updates", item="request_update")


@router.post("/servicerequestupdates.{fmt}", summary="Post an update (staff systems)", responses=XML_OR_JSON)
async def create_update(
    fmt: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lifecycle: LifecycleSettingsDep,
    principal: AnyPrincipal,
) -> Response:
    """For an OPD's back office signed in as an officer or supervisor of the request's OPD (bearer token):
    `service_request_id`, `update_id` (yours; a retry with it writes nothing twice), `updated_datetime`,
    `status` and `description`. The request's current status posts a public update; `IN_PROGRESS` starts the
    work, `FIXED` resolves it with `description` as the public follow-up. Answers `[{update_id}]`."""
    form_format = check_format(fmt)
    form = await request.form(max_files=0, max_fields=100)
    params = Params(form, request.query_params)
    check_jurisdiction(params, settings)
    entry = await updates.post(session, params, principal, lifecycle)
    items = [{"update_id": str(entry.id)}]
    return render(form_format, items, root="service_request_updates", item="request_update")


def request_filter(params: Params, settings: Open311Settings, *, now: datetime) -> repository.RequestFilter:
    page_size = parse_int("page_size", params.get("page_size"), minimum=1, maximum=settings.MAX_REQUESTS)
    page = parse_int("page", params.get("page"), minimum=1, maximum=1_000_000) or 1
    size = page_size or min(settings.DEFAULT_PAGE_SIZE, settings.MAX_REQUESTS)
    numbers = comma_list(params.all("service_request_id"))
    if numbers:
        return repository.RequestFilter(tracking_numbers=numbers, offset=(page - 1) * size, limit=size)
    created: tuple[datetime | None, datetime | None] = (None, None)
    updated: tuple[datetime | None, datetime | None] = (None, None)
    if params.get("updated_after") or params.get("updated_before"):
        updated = window(params, "updated_after", "updated_before", settings, now=now)
        if params.get("start_date") or params.get("end_date"):
            created = window(params, "start_date", "end_date", settings, now=now)
    else:
        created = window(params, "start_date", "end_date", settings, now=now)
    return repository.RequestFilter(
        service_codes=comma_list(params.all("service_code")),
        states=states(params),
        created_from=created[0],
        created_to=created[1],
        updated_from=updated[0],
        updated_to=updated[1],
        offset=(page - 1) * size,
        limit=size,
    )


def window(
    params: Params, low_name: str, high_name: str, settings: Open311Settings, *, now: datetime
) -> tuple[datetime, datetime]:
    """[low, high] from the two parameters: the last `DEFAULT_WINDOW_DAYS` days when neither is given, the
    window next to the one given, and 400 when the range is reversed or longer than `MAX_WINDOW_DAYS`."""
    low, high = (
        parse_datetime(low_name, params.get(low_name)),
        parse_datetime(high_name, params.get(high_name)),
    )
    span = timedelta(days=settings.DEFAULT_WINDOW_DAYS)
    if low is None and high is None:
        return now - span, now
    if low is None:
        assert high is not None
        return high - span, high
    if high is None:
        return low, low + span
    if high < low:
        raise invalid(high_name, Text(f"tidak boleh sebelum {low_name}", f"may not be before {low_name}"))
    if high - low > timedelta(days=settings.MAX_WINDOW_DAYS):
        raise InvalidParameter(
            Text(
                f"Rentang {low_name}..{high_name} paling lama {settings.MAX_WINDOW_DAYS} hari",
                f"The range {low_name}..{high_name} may not exceed {settings.MAX_WINDOW_DAYS} days",
            )
        )
    return low, high


def states(params: Params) -> set[str] | None:
    """Our states for `status=open,closed` (None: any)."""
    wanted = {value.lower() for value in comma_list(params.all("status"))}
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise invalid("status", Text("harus open dan/atau closed", "must be open and/or closed"))
    if not wanted or wanted == {"open", "closed"}:
        return None
    closed = "closed" in wanted
    return {state.value for state in Status if presenter.is_closed(state) == closed}


async def present(
    request: Request,
    session: AsyncSession,
    agencies: AgencyDirectory,
    complaints: Sequence[Complaint],
    *,
    settings: Open311Settings,
    extensions: bool,
) -> list[dict[str, Any]]:
    duplicates = {row.duplicate_of_id for row in complaints if row.duplicate_of_id is not None}
    context = presenter.Context(
        categories=await repository.categories_by_code(session, {row.category_code for row in complaints}),
        sla_classes=await repository.sla_classes(session),
        agency_names=await agency_names(agencies),
        tracking_numbers=await repository.tracking_numbers(session, duplicates),
        language=request_language(request),
        extensions=extensions,
        media=await repository.media(
            session, [row.id for row in complaints], base_url=public_root(request, settings)
        ),
    )
    notes = await repository.public_notes(session, [row.id for row in complaints]) if extensions else {}
    return [presenter.request(row, context, notes.get(row.id, [])) for row in complaints]


def public_root(request: Request, settings: Open311Settings) -> str:
    """Where clients reach this service (without /open311/v2): `PUBLIC_URL` when configured (production),
    else what the gateway says in `X-Forwarded-Proto`/`X-Forwarded-Host` (it sends `Host` as the upstream's),
    else the request's own base URL."""
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL.rstrip("/").removesuffix(PREFIX)
    host = request.headers.get("x-forwarded-host")
    if host:
        proto = request.headers.get("x-forwarded-proto") or request.url.scheme
        return f"{proto}://{host.split(',')[0].strip()}"
    return str(request.base_url).rstrip("/")


async def agency_names(agencies: AgencyDirectory) -> dict[str, str]:
    """OPD names from identity's list; its codes when identity cannot be reached (the answer still goes out)."""
    try:
        return {code: agency.name for code, agency in (await agencies.agencies()).items()}
    except AppError:
        return {}


def _request_not_found(number: str) -> RequestNotFound:
    return RequestNotFound(Text(f"Tidak ada laporan {number}", f"No service request {number}"))
