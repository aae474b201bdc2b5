"""`/complaints/v1/routing`: the public preview of a routing decision, and the rules (admins only)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from siantar_complaints.audit import Actor, ChangeList
from siantar_complaints.auth import Admin
from siantar_complaints.category.schemas import CategoryCode
from siantar_complaints.identity.dependencies import AgencyDirectoryDep
from siantar_complaints.routing import service as routing_service
from siantar_complaints.routing.dependencies import RoutingRuleDep
from siantar_complaints.routing.schemas import (
    RoutingPreview,
    RoutingRule,
    RoutingRuleCreate,
    RoutingRuleList,
    RoutingRuleUpdate,
)
from siantar_shared.conditional import ETAG_HEADER, NO_STORE, WRITE_RESPONSES, IfMatch, json_response
from siantar_shared.db import SessionDep
from siantar_shared.schemas.types import KecamatanCode, KelurahanCode

router = APIRouter(prefix="/routing", tags=["routing"])
BASE = "/complaints/v1/routing/rules"


@router.get("/preview", response_model=RoutingPreview, summary="Where a complaint would go")
async def preview(
    session: SessionDep,
    category: Annotated[CategoryCode, Query(description="An active category code")],
    kelurahan: Annotated[
        KelurahanCode | None, Query(description="Kemendagri code of a kelurahan of Kota Pematangsiantar")
    ] = None,
) -> RoutingPreview:
    """The OPD a complaint of this category in this kelurahan would be routed to, the rule that decides
    it and why, in both languages. Without a kelurahan, the category-wide answer. A code outside the city
    (e.g. Medan's 12.71...) or an unknown or inactive category is a 422."""
    return await routing_service.preview(session, category, kelurahan)


@router.get("/rules", response_model=RoutingRuleList, summary="Routing rules (admin)")
async def list_rules(
    principal: Admin,
    session: SessionDep,
    category: Annotated[CategoryCode | None, Query()] = None,
    kecamatan: Annotated[KecamatanCode | None, Query()] = None,
    include_inactive: Annotated[bool, Query(description="Also deactivated rules")] = False,
) -> RoutingRuleList:
    """The routing rules, by category, kecamatan (category-wide rules first) and priority."""
    return await routing_service.list_rules(
        session, category=category, kecamatan=kecamatan, include_inactive=include_inactive
    )


@router.get(
    "/rules/{rule_id}",
    response_model=RoutingRule,
    responses={200: {"headers": ETAG_HEADER}},
    summary="One routing rule (admin)",
)
async def get_rule(principal: Admin, rule: RoutingRuleDep) -> Response:
    """One rule (admins only); its `ETag` is what `PATCH` expects in `If-Match`."""
    schema = routing_service.to_schema(rule)
    return json_response(schema, etag=routing_service.etag_of(rule), headers={"Cache-Control": NO_STORE})


@router.get("/rules/{rule_id}/changes", response_model=ChangeList, summary="History of a rule (admin)")
async def list_changes(principal: Admin, rule: RoutingRuleDep, session: SessionDep) -> ChangeList:
    """Every change to the rule, newest first: who, when, why, and the fields before and after."""
    return await routing_service.list_changes(session, rule)


@router.post(
    "/rules",
    response_model=RoutingRule,
    status_code=201,
    responses={
        201: {"headers": ETAG_HEADER},
        409: {"description": "An active rule with the same category, kecamatan and priority exists"},
        422: {"description": "Invalid body, unknown category, or an OPD unknown to identity or inactive"},
    },
    summary="Add a routing rule (admin)",
)
async def create_rule(
    principal: Admin, body: RoutingRuleCreate, session: SessionDep, agencies: AgencyDirectoryDep
) -> Response:
    """Route a category to an OPD everywhere (`kecamatan` null) or in one kecamatan (an override). The OPD
    must be in identity's list and active. Recorded in the rule's history and announced on the event feed."""
    rule = await routing_service.create(session, body, by=Actor.of(principal), agencies=agencies)
    return json_response(
        routing_service.to_schema(rule),
        etag=routing_service.etag_of(rule),
        status_code=201,
        headers={"Location": f"{BASE}/{rule.id}", "Cache-Control": NO_STORE},
    )


@router.patch(
    "/rules/{rule_id}",
    response_model=RoutingRule,
    responses={200: {"headers": ETAG_HEADER}, **WRITE_RESPONSES},
    summary="Change or deactivate a routing rule (admin)",
)
async def update_rule(
    principal: Admin,
    rule: RoutingRuleDep,
    body: RoutingRuleUpdate,
    session: SessionDep,
    agencies: AgencyDirectoryDep,
    if_match: IfMatch = None,
) -> Response:
    """Change a rule's OPD, priority, note or switch (admins only); `reason` is required. `If-Match` must
    carry the ETag you read (428 without it, 412 if stale). Rules are not deleted: send `"active": false`."""
    rule = await routing_service.update(
        session, rule, body, if_match=if_match, by=Actor.of(principal), agencies=agencies
    )
    return json_response(
        routing_service.to_schema(rule),
        etag=routing_service.etag_of(rule),
        headers={"Cache-Control": NO_STORE},
    )
