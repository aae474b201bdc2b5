"""`/complaints/v1/categories` and `/category-groups`: the catalogue, public and cacheable; admins edit it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from siantar_complaints.audit import Actor, ChangeList
from siantar_complaints.auth import Admin, Staff
from siantar_complaints.category import service as category_service
from siantar_complaints.category.dependencies import CategoryDep
from siantar_complaints.category.schemas import (
    Category,
    CategoryAdmin,
    CategoryCreate,
    CategoryGroupList,
    CategoryList,
    CategoryTemplates,
    CategoryType,
    CategoryUpdate,
    GroupCode,
)
from siantar_complaints.identity.dependencies import AgencyDirectoryDep
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

router = APIRouter(tags=["catalogue"])
BASE = "/complaints/v1/categories"
_UNKNOWN_OPD: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid body, or a group, SLA class or OPD that does not exist or is inactive"},
    503: {"description": "Identity's OPD list could not be read and none is cached yet"},
}


@router.get(
    "/categories", response_model=CategoryList, responses=CACHED_RESPONSES, summary="Service catalogue"
)
async def list_categories(
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    group: Annotated[GroupCode | None, Query(description="This group and its subgroups")] = None,
    type: Annotated[CategoryType | None, Query(description="Report type")] = None,
    include_inactive: Annotated[bool, Query(description="Also deactivated categories")] = False,
) -> Response:
    """The kinds of report citizens can file, by code, with names and questions in Bahasa Indonesia and
    English. Public and cacheable (`Cache-Control: public, max-age=60`): send the `ETag` back in
    `If-None-Match` to get `304 Not Modified` while nothing changed."""
    listing = await category_service.list_categories(
        session, group=group, type_=type, include_inactive=include_inactive
    )
    return json_response(listing, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})


@router.get("/categories/{code}", response_model=Category, responses=CACHED_RESPONSES, summary="One category")
async def get_category(category: CategoryDep, if_none_match: IfNoneMatch = None) -> Response:
    """One category, active or not (complaints keep old codes). Its `ETag` (`"v<version>"`) is what
    `PATCH` expects in `If-Match`."""
    schema = category_service.to_schema(category)
    etag = category_service.etag_of(category)
    return json_response(
        schema, etag=etag, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE}
    )


@router.get(
    "/categories/{code}/templates",
    response_model=CategoryTemplates,
    summary="Officers' response templates",
)
async def get_templates(principal: Staff, category: CategoryDep) -> Response:
    """The canned answers officers start from when they reply to a complaint of this category (staff)."""
    return json_response(category_service.templates(category), headers={"Cache-Control": NO_STORE})


@router.get("/categories/{code}/changes", response_model=ChangeList, summary="History of a category (admin)")
async def list_changes(principal: Admin, category: CategoryDep, session: SessionDep) -> ChangeList:
    """Every change to the category, newest first: who, when, why, and the fields before and after."""
    return await category_service.list_changes(session, category)


@router.post(
    "/categories",
    response_model=CategoryAdmin,
    status_code=201,
    responses={201: {"headers": ETAG_HEADER}, 409: {"description": "The code is taken"}, **_UNKNOWN_OPD},
    summary="Add a category (admin)",
)
async def create_category(
    principal: Admin,
    body: CategoryCreate,
    session: SessionDep,
    agencies: AgencyDirectoryDep,
) -> Response:
    """Add a category to the catalogue (admins only). Its group and SLA class must exist, and its OPD must
    be in identity's list (and active, unless the category is created inactive). Recorded in the
    category's history and announced on the event feed."""
    category = await category_service.create(session, body, by=Actor.of(principal), agencies=agencies)
    return json_response(
        category_service.to_admin_schema(category),
        etag=category_service.etag_of(category),
        status_code=201,
        headers={"Location": f"{BASE}/{category.code}", "Cache-Control": NO_STORE},
    )


@router.patch(
    "/categories/{code}",
    response_model=CategoryAdmin,
    responses={200: {"headers": ETAG_HEADER}, **WRITE_RESPONSES, **_UNKNOWN_OPD},
    summary="Change or deactivate a category (admin)",
)
async def update_category(
    principal: Admin,
    category: CategoryDep,
    body: CategoryUpdate,
    session: SessionDep,
    agencies: AgencyDirectoryDep,
    if_match: IfMatch = None,
) -> Response:
    """Change a category (admins only): only the fields sent change, lists are replaced whole, and
    `reason` is required. `If-Match` must carry the ETag you read (428 without it, 412 if someone changed
    the category since), so no change is ever lost. Categories are not deleted: send `"active": false`."""
    category = await category_service.update(
        session, category, body, if_match=if_match, by=Actor.of(principal), agencies=agencies
    )
    return json_response(
        category_service.to_admin_schema(category),
        etag=category_service.etag_of(category),
        headers={"Cache-Control": NO_STORE},
    )


@router.get(
    "/category-groups",
    response_model=CategoryGroupList,
    responses=CACHED_RESPONSES,
    summary="Category groups (topics)",
)
async def list_groups(session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
    """The topics categories belong to, as a flat list: each names its `parent` (null at the top), so
    clients can draw the tree. Public and cacheable like the catalogue."""
    listing = await category_service.list_groups(session)
    return json_response(listing, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})
