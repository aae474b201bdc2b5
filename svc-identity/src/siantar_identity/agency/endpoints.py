"""`/identity/v1/agencies`: the OPD master list, public and cacheable; admins create and change entries."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from siantar_identity.agency import service as agency_service
from siantar_identity.agency.schemas import Agency, AgencyCreate, AgencyList, AgencyUpdate
from siantar_identity.clock import ClockDep
from siantar_identity.staff.actor import AdminActor
from siantar_shared.calendar import local_date
from siantar_shared.conditional import json_response
from siantar_shared.db import SessionDep
from siantar_shared.schemas.types import OpdCode

router = APIRouter(prefix="/agencies", tags=["agencies"])
PUBLIC_CACHE = "public, max-age=300"
IfNoneMatch = Annotated[str | None, Header(description="ETag of a copy you hold: 304 if unchanged")]
IfMatch = Annotated[str | None, Header(description="ETag of the version your change is based on")]
_ETAG: dict[str, Any] = {
    "ETag": {"description": "Entity tag of this representation", "schema": {"type": "string"}}
}
_CACHED: dict[int | str, dict[str, Any]] = {
    200: {"headers": _ETAG},
    304: {"description": "Not modified: the copy named by If-None-Match is current"},
}


@router.get("", response_model=AgencyList, responses=_CACHED, summary="OPD master list")
async def list_agencies(
    session: SessionDep,
    clock: ClockDep,
    if_none_match: IfNoneMatch = None,
    include_inactive: Annotated[
        bool, Query(description="Also agencies switched off or outside their validity period")
    ] = False,
) -> Response:
    """The agencies (OPD, kecamatan, city enterprises) in effect today, ordered by code; public.

    Other services cache it: it carries `Cache-Control: public, max-age=300` and an `ETag`; send the ETag
    back in `If-None-Match` to get `304 Not Modified` when nothing changed."""
    today = local_date(clock.now())
    listing = await agency_service.list_agencies(session, today=today, include_inactive=include_inactive)
    return json_response(listing, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})


@router.get("/{code}", response_model=Agency, responses=_CACHED, summary="One agency")
async def get_agency(
    code: OpdCode, session: SessionDep, clock: ClockDep, if_none_match: IfNoneMatch = None
) -> Response:
    """One agency by code, in effect or not; public and cacheable like the list. Its `ETag` is what
    `PATCH` expects in `If-Match`."""
    agency = await agency_service.get(session, code)
    schema = agency_service.to_schema(agency, local_date(clock.now()))
    return json_response(schema, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})


@router.post(
    "",
    response_model=Agency,
    status_code=201,
    responses={201: {"headers": _ETAG}},
    summary="Add an agency (admin)",
)
async def create_agency(body: AgencyCreate, by: AdminActor, session: SessionDep, clock: ClockDep) -> Response:
    """Add an agency to the master list (admins only); audited and announced on the event feed."""
    agency = await agency_service.create(session, body, by=by)
    schema = agency_service.to_schema(agency, local_date(clock.now()))
    location = f"/identity/v1/agencies/{agency.code}"
    return json_response(schema, status_code=201, headers={"Location": location, "Cache-Control": "no-store"})


@router.patch(
    "/{code}",
    response_model=Agency,
    responses={200: {"headers": _ETAG}, 412: {"description": "Changed since you read it"}, 428: {}},
    summary="Change an agency (admin)",
)
async def update_agency(
    code: OpdCode,
    body: AgencyUpdate,
    by: AdminActor,
    session: SessionDep,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> Response:
    """Change an agency's names, cluster, switch or validity (admins only). `If-Match` must carry the ETag
    you read (428 without it, 412 if someone changed it since), so no change is ever lost. Agencies are
    not deleted: end one by setting `valid_to` to its last day."""
    today = local_date(clock.now())
    agency = await agency_service.get(session, code)
    agency = await agency_service.update(session, agency, body, if_match=if_match, today=today, by=by)
    schema = agency_service.to_schema(agency, today)
    return json_response(schema, headers={"Cache-Control": "no-store"})
