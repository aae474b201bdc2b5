"""Who hears of a change, with which of identity's templates: written to the notification outbox in the
change's transaction (delivery: `delivery.py`).

- the reporter hears of every change of state, except their own; asked for information they get
  `complaint_needs_information` (the question), at a resolution `complaint_resolved` (a link to rate it);
- followers hear of every change of state except their own, and only while the report is public (a complaint
  made restricted later stops telling its followers anything);
- identity's status choices (`COMPLAINT_STATUS` in svc-identity notify/templates.py) name `redirected`
  `not_our_responsibility`, and have no `waiting_for_citizen`: followers are not told of a question to the
  reporter.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintFollow
from siantar_complaints.complaint.states import ReportVisibility, Status
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.models import NotificationOutbox

STATUS_CHANGED = "complaint_status_changed"
NEEDS_INFORMATION = "complaint_needs_information"
RESOLVED = "complaint_resolved"
# our states as identity's COMPLAINT_STATUS choice codes; a state missing here is not announced to followers
STATUS_CODES: dict[str, str] = {
    **{s.value: s.value for s in Status if s not in (Status.redirected, Status.waiting_for_citizen)},
    Status.redirected.value: "not_our_responsibility",
}


async def enqueue(
    session: AsyncSession,
    complaint: Complaint,
    recipients: Iterable[UUID],
    template: str,
    params: dict[str, Any],
    *,
    now: datetime,
) -> int:
    """One pending message per recipient (duplicates dropped), in the caller's transaction."""
    rows = [
        {
            "complaint_id": complaint.id,
            "recipient_id": recipient,
            "template": template,
            "params": params,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for recipient in dict.fromkeys(recipients)
    ]
    if rows:
        await session.execute(insert(NotificationOutbox), rows)
    return len(rows)


async def followers(session: AsyncSession, complaint: Complaint) -> list[UUID]:
    statement = select(ComplaintFollow.account_id).where(ComplaintFollow.complaint_id == complaint.id)
    return list(await session.scalars(statement))


async def announce_status(
    session: AsyncSession,
    complaint: Complaint,
    *,
    actor_id: UUID | None,
    settings: LifecycleSettings,
    now: datetime,
    question: str | None = None,
) -> None:
    """Tell the reporter and the followers (never the actor) that `complaint.status` is now what it is."""
    number = complaint.tracking_number
    status = complaint.status
    reporter = complaint.reporter_id
    if reporter is not None and reporter != actor_id:
        template, params = _reporter_message(complaint, settings, question)
        await enqueue(session, complaint, [reporter], template, params, now=now)
    code = STATUS_CODES.get(status)
    if code is None or complaint.report_visibility != ReportVisibility.public.value:
        return
    audience = [f for f in await followers(session, complaint) if f not in (actor_id, reporter)]
    await enqueue(
        session, complaint, audience, STATUS_CHANGED, {"tracking_number": number, "status": code}, now=now
    )


def _reporter_message(
    complaint: Complaint, settings: LifecycleSettings, question: str | None
) -> tuple[str, dict[str, Any]]:
    number = complaint.tracking_number
    if complaint.status == Status.waiting_for_citizen.value:
        return NEEDS_INFORMATION, {"tracking_number": number, "question": (question or "")[:300]}
    if complaint.status == Status.resolved.value:
        return RESOLVED, {"tracking_number": number, "rating_url": rating_url(complaint, settings)}
    return STATUS_CHANGED, {"tracking_number": number, "status": STATUS_CODES[complaint.status]}


def rating_url(complaint: Complaint, settings: LifecycleSettings) -> str:
    return settings.RATING_URL.format(tracking_number=complaint.tracking_number, id=complaint.id)
