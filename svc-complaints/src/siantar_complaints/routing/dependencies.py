"""Existence checks as dependencies: a path naming an unknown rule is a 404 before the endpoint runs."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from siantar_complaints.routing import service as routing_service
from siantar_complaints.routing.models import RoutingRule
from siantar_shared.db import SessionDep


async def get_rule(rule_id: UUID, session: SessionDep) -> RoutingRule:
    return await routing_service.get(session, rule_id)


RoutingRuleDep = Annotated[RoutingRule, Depends(get_rule)]
