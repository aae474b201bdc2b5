"""Queueing messages for applicants (identity's templates `permit_application_received`,
`permit_needs_correction`, `fee_assessed`, `permit_issued`) and delivering them with retries.

Parameters are ids, numbers, dates and amounts, never personal data; identity renders the template in the
person's language and picks their channel. A refused message (unknown person, erased, bad parameters) is
not retried; identity away, 429 or 5xx are retried with a growing delay, up to `MAX_ATTEMPTS`.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import Application
from siantar_permits.notify.models import Notification
from siantar_shared.db import utcnow
from siantar_shared.service_token import ServiceTokenError, ServiceTokenSource

MAX_ATTEMPTS = 8
BATCH = 100
logger = logging.getLogger("siantar_permits.notify")


@dataclass(frozen=True, slots=True)
class Outcome:
    accepted: bool
    status: str
    retryable: bool


Sender = Callable[[UUID, str, dict[str, Any]], Awaitable[Outcome]]


async def queue(session: AsyncSession, app: Application, template: str, params: dict[str, Any]) -> None:
    """Add a message for the applicant to the caller's transaction (none without an account link)."""
    if app.applicant_id is None:
        return
    session.add(
        Notification(
            application_id=app.id,
            subject_id=app.applicant_id,
            template=template,
            params=params,
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
        )
    )


async def deliver(session: AsyncSession, send: Sender, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    statement = (
        select(Notification)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at)
        .limit(BATCH)
    )
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for note in await session.scalars(statement):
        outcome = await send(note.subject_id, note.template, note.params)
        note.attempts += 1
        note.outcome = outcome.status[:32]
        if outcome.accepted:
            note.status = "sent"
            counts["sent"] += 1
        elif outcome.retryable and note.attempts < MAX_ATTEMPTS:
            note.next_attempt_at = now + timedelta(minutes=2**note.attempts)
            counts["retry"] += 1
        else:
            note.status = "failed"
            counts["failed"] += 1
    await session.flush()
    return counts


def identity_sender(tokens: ServiceTokenSource) -> Sender:
    """Messages through identity's notify endpoint with this service's client-credentials token."""

    async def send(subject: UUID, template: str, params: dict[str, Any]) -> Outcome:
        body = {"subject_id": str(subject), "template": template, "params": params}
        try:
            response = await tokens.request("POST", "/identity/v1/notifications", json=body)
        except (ServiceTokenError, httpx.HTTPError) as exc:
            logger.warning("notification not delivered to identity: %s", type(exc).__name__)
            return Outcome(accepted=False, status="unreachable", retryable=True)
        if response.status_code == 202:
            return Outcome(accepted=True, status=str(response.json().get("status", "sent")), retryable=False)
        retryable = response.status_code == 429 or response.status_code >= 500
        logger.warning("identity refused notification %s: HTTP %d", template, response.status_code)
        return Outcome(accepted=False, status=f"http_{response.status_code}", retryable=retryable)

    return send
