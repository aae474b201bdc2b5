"""Writing audit records: one call per event, in the caller's transaction (so a rolled-back change leaves no
record, and a recorded change cannot lose its record). Never put personal data in `detail`."""

from typing import Any
from uuid import UUID

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_shared.auth import Principal
from siantar_shared.requestid import request_id_var


def client_ip(request: Request | None) -> str | None:
    """The caller's address as uvicorn resolved it (X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request is not None and request.client else None


async def record(
    session: AsyncSession,
    action: str,
    *,
    request: Request | None = None,
    actor: Principal | None = None,
    actor_id: UUID | None = None,
    actor_kind: str | None = None,
    subject_id: UUID | None = None,
    client_id: str | None = None,
    outcome: str = "success",
    purpose: str | None = None,
    **detail: Any,
) -> AuditRecord:
    """Append an audit record. `actor` (a token's principal) fills the actor and client when given."""
    if actor is not None:
        actor_id = actor.subject
        actor_kind = "client" if actor.is_service else "account"
        client_id = client_id or actor.client_id
    entry = AuditRecord(
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        actor_kind=actor_kind or ("account" if actor_id else "anonymous"),
        subject_id=subject_id,
        client_id=client_id,
        ip=client_ip(request),
        request_id=request_id_var.get(),
        purpose=purpose,
        detail=detail,
    )
    session.add(entry)
    await session.flush()
    return entry


async def record_refusal(session: AsyncSession, action: str, **fields: Any) -> AuditRecord:
    """Record a refused attempt and commit it at once, before the caller raises its error.

    The request's session is rolled back when an endpoint raises, which would drop the record of the very
    attempt that was refused. Call this only when the session holds nothing else that must not be committed
    (in practice: right after reading what decided the refusal). Arguments as for `record`; the outcome
    defaults to "failure".
    """
    fields.setdefault("outcome", "failure")
    entry = await record(session, action, **fields)
    await session.commit()
    return entry
