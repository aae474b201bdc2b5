"""`/complaints/v1/sla-classes`: the deadline classes a category refers to, public."""

from fastapi import APIRouter, Response

from siantar_complaints.sla import service as sla_service
from siantar_complaints.sla.schemas import SlaClassList
from siantar_shared.conditional import CACHED_RESPONSES, PUBLIC_CACHE, IfNoneMatch, json_response
from siantar_shared.db import SessionDep

router = APIRouter(prefix="/sla-classes", tags=["catalogue"])


@router.get("", response_model=SlaClassList, responses=CACHED_RESPONSES, summary="SLA classes")
async def list_sla_classes(session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
    """The deadline classes (`ringan`, `normatif`, `tanpa_inspeksi`, `dengan_inspeksi`): the working-day
    budget of each step (verify, follow up, close after the reporter's silence) and its legal source.
    Working days are Monday to Friday minus national holidays and cuti bersama (Asia/Jakarta)."""
    listing = await sla_service.list_classes(session)
    return json_response(listing, if_none_match=if_none_match, headers={"Cache-Control": PUBLIC_CACHE})
