"""List, queue, search, map, statistics and open-data endpoints under /complaints/v1/..."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from siantar_complaints.auth import Staff
from siantar_complaints.browse import export, geomap, stats
from siantar_complaints.browse import service as browse_service
from siantar_complaints.browse.schemas import Assignee, ComplaintPage, FeatureCollection, SlaRisk, Stats
from siantar_complaints.browse.service import PublicFilters, QueueFilters
from siantar_complaints.complaint.states import Status
from siantar_complaints.moderation import endpoints as moderation
from siantar_shared.auth import AnyPrincipal, OptionalPrincipal, Principal
from siantar_shared.conditional import NO_STORE, PUBLIC_CACHE
from siantar_shared.db import ReadSessionDep, SessionDep, utcnow
from siantar_shared.errors import UnprocessableContent
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, CursorQuery
from siantar_shared.schemas.types import KecamatanCode, KelurahanCode, OpdCode

router = APIRouter(tags=["browse"])
router.include_router(moderation.router)  # api.py mounts the browse router only

StatusQuery = Annotated[list[Status], Query(description="Any of these states (repeat the parameter)")]
CategoryQuery = Annotated[str | None, Query(max_length=64, description="A category code")]
KelurahanQuery = Annotated[KelurahanCode | None, Query(description="A kelurahan code, e.g. 12.72.05.1002")]
KecamatanQuery = Annotated[KecamatanCode | None, Query(description="A kecamatan code, e.g. 12.72.05")]
SinceQuery = Annotated[datetime | None, Query(description="Submitted at or after this time (ISO 8601)")]


def _cache(response: Response, principal: Principal | None) -> None:
    """Public answers are cacheable; an answer to a signed-in caller is not stored anywhere."""
    response.headers["Cache-Control"] = PUBLIC_CACHE if principal is None else NO_STORE


def _json(document: BaseModel | bytes, cache_control: str) -> Response:
    """The answer serialised once (a page comes as JSON from `browse.service.page_json`): FastAPI's validation of
    the return value against `response_model` (a second pass over every item of a page) is skipped."""
    body = document if isinstance(document, bytes) else document.model_dump_json()
    return Response(body, media_type="application/json", headers={"Cache-Control": cache_control})


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise UnprocessableContent(
            Text("Waktu harus memuat zona waktu (Z atau +07:00)", "Times need a zone offset (Z or +07:00)")
        )
    return moment


@router.get("/complaints", response_model=ComplaintPage, summary="Public complaints and search")
async def list_complaints(
    principal: OptionalPrincipal,
    session: ReadSessionDep,
    pagination: CursorQuery,
    status: StatusQuery = [],  # noqa: B006 - FastAPI copies query defaults
    category: CategoryQuery = None,
    kelurahan: KelurahanQuery = None,
    kecamatan: KecamatanQuery = None,
    since: SinceQuery = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="Whole words that must all appear in the title or text"
        ),
    ] = None,
) -> Response:
    """Public complaints, newest first, with filters and full-text search (`q`: every word must appear, as a
    whole word, in the title or description; case does not matter). Restricted complaints never
    appear here, not even the caller's own (see `/me/complaints`). Keyset pages: pass `next_cursor` back.
    Items are summaries; `GET /complaints/{id}` has the whole complaint."""
    filters = PublicFilters(status, category, kelurahan, kecamatan, _aware(since), q)
    page = await browse_service.list_public(session, principal, pagination, filters)
    return _json(page, PUBLIC_CACHE if principal is None else NO_STORE)


@router.get("/me/complaints", response_model=ComplaintPage, summary="My complaints")
async def my_complaints(
    principal: AnyPrincipal,
    session: ReadSessionDep,
    pagination: CursorQuery,
    status: StatusQuery = [],  # noqa: B006 - FastAPI copies query defaults
) -> Response:
    """The complaints the caller reported, restricted ones included, newest first, as summaries."""
    return _json(await browse_service.list_mine(session, principal, pagination, status), NO_STORE)


def _assignee(value: str | None) -> Assignee | UUID | None:
    if value is None:
        return None
    if value in (Assignee.me.value, Assignee.none.value):
        return Assignee(value)
    try:
        return UUID(value)
    except ValueError as exc:
        raise UnprocessableContent(
            Text("assignee: `me`, `none` atau id akun", "assignee: `me`, `none` or an account id")
        ) from exc


@router.get("/queue", response_model=ComplaintPage, summary="An OPD's queue")
async def opd_queue(
    principal: Staff,
    session: ReadSessionDep,
    pagination: CursorQuery,
    status: StatusQuery = [],  # noqa: B006 - FastAPI copies query defaults
    category: CategoryQuery = None,
    kelurahan: KelurahanQuery = None,
    assignee: Annotated[
        str | None, Query(description="`me`, `none` (unassigned) or an officer's account id")
    ] = None,
    sla: Annotated[SlaRisk | None, Query(description="Running clocks `breached` or `at_risk`")] = None,
    opd: Annotated[
        OpdCode | None, Query(description="Verifier desk and admins: one OPD (default all)")
    ] = None,
) -> Response:
    """The complaints routed to the caller's OPD (its `agency`), newest first; officers and supervisors see
    only their own OPD's (asking for another is 403). The verifier desk and admins see every OPD's, or one with
    `opd`. A hidden reporter identity stays hidden from the OPD. Items are summaries whose `sla` flags follow the
    `sla` filter (running clocks only)."""
    filters = QueueFilters(status, category, kelurahan, _assignee(assignee), sla, opd)
    page = await browse_service.queue(session, principal, pagination, filters, now=utcnow())
    return _json(page, NO_STORE)


@router.get(
    "/map",
    response_model=FeatureCollection,
    summary="Map of public complaints",
    responses={422: {"description": "A malformed bounding box, or one larger than the city"}},
)
async def complaint_map(
    session: ReadSessionDep,
    bbox: Annotated[
        str,
        Query(
            max_length=100,
            description="west,south,east,north in WGS84 degrees; no larger than the city",
            examples=["99.05,2.95,99.07,2.97"],
        ),
    ],
    status: StatusQuery = [],  # noqa: B006 - FastAPI copies query defaults
    since: SinceQuery = None,
) -> Response:
    """Public complaints with coordinates in the box, as a GeoJSON FeatureCollection: up to 500 points,
    beyond that clusters (about 16 x 16 per box) with `properties.count`. Restricted complaints never appear
    on the map, whoever asks."""
    box = geomap.BoundingBox.parse(bbox)
    return _json(await geomap.features(session, box, status=status, since=_aware(since)), PUBLIC_CACHE)


@router.get("/stats", response_model=Stats, summary="Statistics")
async def complaint_stats(
    principal: OptionalPrincipal,
    session: SessionDep,
    response: Response,
    since: Annotated[date | None, Query(description="Submitted on or after this day (WIB)")] = None,
    until: Annotated[date | None, Query(description="Submitted on or before this day (WIB)")] = None,
    opd: Annotated[OpdCode | None, Query(description="Verifier desk and admins: one OPD")] = None,
) -> Stats:
    """Counts by status, category, OPD, kecamatan, kelurahan and month; median days to resolution; SLA
    compliance of running clocks; average rating. The public gets public complaints only, and every count
    below 5 is published as null with `suppressed: true`. Officers and supervisors get their OPD's figures, the
    desk every OPD's (or one), unsuppressed."""
    _cache(response, principal)
    return await stats.compute(session, principal, opd=opd, since=since, until=until, now=utcnow())


@router.get(
    "/open-data/complaints.csv",
    response_class=Response,
    summary="Open data (CSV)",
    responses={200: {"content": {"text/csv": {}}, "description": "CSV with a header row"}},
)
async def open_data(
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=export.MAX_ROWS, description="Rows per page")] = 1000,
    cursor: Annotated[str | None, Query(max_length=1024, description="From the `Link: rel=next`")] = None,
    status: StatusQuery = [],  # noqa: B006 - FastAPI copies query defaults
    category: CategoryQuery = None,
    kelurahan: KelurahanQuery = None,
    kecamatan: KecamatanQuery = None,
    since: SinceQuery = None,
) -> Response:
    """Public complaints, oldest first, as CSV without personal data (no reporter, no free text but the
    title, points rounded to about 100 m; cells that a spreadsheet would run as formulas are quoted with
    `'`). The next page's URL is in the `Link` header (`rel="next"`)."""
    filters = PublicFilters(status, category, kelurahan, kecamatan, _aware(since))
    body, next_cursor = await export.page(session, CursorParams(limit=limit, cursor=cursor), filters)
    headers = {
        "Cache-Control": PUBLIC_CACHE,
        "Content-Disposition": 'attachment; filename="siantar-complaints.csv"',
    }
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        headers["Link"] = f'<{url}>; rel="next"'
    return Response(content=body, media_type="text/csv; charset=utf-8", headers=headers)
