"""`/permits/v1/permit-types`: the catalogue, public and cacheable; admins add types and new versions."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from siantar_permits.audit import Actor
from siantar_permits.auth import Admin
from siantar_permits.permit_type import schemas, service
from siantar_permits.permit_type.seed import catalogue
from siantar_shared.conditional import (
    CACHED_RESPONSES,
    ETAG_HEADER,
    NO_STORE,
    PUBLIC_CACHE,
    WRITE_RESPONSES,
    IfMatch,
    IfNoneMatch,
    json_response,
)
from siantar_shared.db import SessionDep

router = APIRouter(tags=["permit types"])
BASE = "/permits/v1/permit-types"
CodePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$", examples=["izin-reklame"])]
_EXAMPLE = catalogue().types[0].definition.model_dump(mode="json")


@router.get(
    "/permit-types", response_model=schemas.PermitTypeList, responses=CACHED_RESPONSES, summary="Permit types"
)
async def list_types(
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    include_inactive: Annotated[bool, Query(description="Also types no longer offered")] = False,
) -> Response:
    """Every permit type with its current definition: requirements checklist, form fields, approval chain,
    fee rule, SLA working days per stage, validity and number format. Public and cacheable."""
    listing = await service.list_types(session, include_inactive=include_inactive)
    return json_response(listing, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})


@router.get(
    "/permit-types/{code}",
    response_model=schemas.PermitType,
    responses=CACHED_RESPONSES,
    summary="One permit type",
)
async def get_type(code: CodePath, session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
    """A permit type's current definition; its `ETag` (`"v<version>"`) is what `PUT` expects in `If-Match`."""
    row = await service.get(session, code)
    return json_response(
        service.to_schema(row),
        etag=service.etag_of(row),
        if_none_match=if_none_match,
        headers={"Cache-Control": PUBLIC_CACHE},
    )


@router.get(
    "/permit-types/{code}/versions", response_model=schemas.PermitTypeVersionList, summary="History (admin)"
)
async def list_versions(
    principal: Admin, code: CodePath, session: SessionDep
) -> schemas.PermitTypeVersionList:
    """Every version of the definition, newest first: who made it, when and why. Applications keep the
    version they were filed under."""
    return await service.list_versions(session, await service.get(session, code))


@router.post(
    "/permit-types",
    response_model=schemas.PermitType,
    status_code=201,
    responses={201: {"headers": ETAG_HEADER}, 409: {"description": "The code is taken"}},
    summary="Add a permit type (admin)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {"code": "izin-contoh", "definition": _EXAMPLE, "reason": "Perwa baru"}
                }
            }
        }
    },
)
async def create_type(principal: Admin, body: schemas.PermitTypeCreate, session: SessionDep) -> Response:
    """Add a permit type (admins only); its first version is recorded with the reason given."""
    row = await service.create(session, body, by=Actor.of(principal))
    return json_response(
        service.to_schema(row),
        etag=service.etag_of(row),
        status_code=201,
        headers={"Location": f"{BASE}/{row.code}", "Cache-Control": NO_STORE},
    )


@router.put(
    "/permit-types/{code}",
    response_model=schemas.PermitType,
    responses={200: {"headers": ETAG_HEADER}, **WRITE_RESPONSES},
    summary="Make a new version of a permit type (admin)",
)
async def update_type(
    principal: Admin,
    code: CodePath,
    body: schemas.PermitTypeUpdate,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Replace the definition by a new version (sent whole, with a reason); `If-Match` must carry the ETag
    read (428 without it, 412 if stale). Applications already filed keep the version they were filed under;
    set `active: false` to stop offering the type."""
    row = await service.update(
        session, await service.get(session, code), body, if_match=if_match, by=Actor.of(principal)
    )
    return json_response(
        service.to_schema(row), etag=service.etag_of(row), headers={"Cache-Control": NO_STORE}
    )
