"""The audit trail for the data protection officer."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime

from siantar_identity.audit import repository
from siantar_identity.audit.exceptions import InvalidPeriod
from siantar_identity.audit.schemas import AuditRecordRead
from siantar_identity.audit.service import record
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorQuery, Page

router = APIRouter(tags=["audit"])
# The DPO only: admins are among the people whose use of personal data the trail watches, and reading it
# would also show them which of their actions the DPO is looking into (separation of duties).
AuditReader = Annotated[Principal, require(roles={Role.dpo})]


@router.get("/audit", response_model=Page[AuditRecordRead], summary="Audit trail")
async def list_audit_records(
    principal: AuditReader,
    request: Request,
    session: SessionDep,
    pagination: CursorQuery,
    action: Annotated[str | None, Query(max_length=64, description="Exact action, e.g. pii.read")] = None,
    actor_id: Annotated[UUID | None, Query(description="Who acted")] = None,
    subject_id: Annotated[UUID | None, Query(description="Whose data")] = None,
    outcome: Annotated[str | None, Query(max_length=16, description="success, failure, denied")] = None,
    since: Annotated[AwareDatetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before this time (exclusive)")] = None,
) -> Page[AuditRecordRead]:
    """Who did what to whose data, when, from where (IP, request id, client) and why (purpose), newest
    first, with keyset pagination. For the data protection officer only; each reading is itself recorded.

    Records are append-only: the database refuses to change or delete them. They carry ids, never
    personal data, so erasing a person leaves the trail intact but pseudonymous.
    """
    if since is not None and until is not None and since >= until:
        raise InvalidPeriod(Text("`since` harus sebelum `until`", "`since` must be before `until`"))
    statement = repository.filtered(
        action=action, actor_id=actor_id, subject_id=subject_id, outcome=outcome, since=since, until=until
    )
    rows, next_cursor = await repository.page(session, statement, pagination)
    filters = {"action": action, "actor_id": actor_id, "subject_id": subject_id, "outcome": outcome}
    await record(
        session,
        "audit.read",
        request=request,
        actor=principal,
        filters={name: str(value) for name, value in filters.items() if value is not None},
        count=len(rows),
    )
    return Page(items=[AuditRecordRead.model_validate(row) for row in rows], next_cursor=next_cursor)
