"""Who hears of a change, with which of identity's templates: written to the notification outbox in the
change's transaction (delivery: `delivery.py`).

- the reporter hears of every change of state, except their own; asked for information they get
  `complaint_needs_information` (the question), at a resolution `complaint_resolved` (a link to rate it);
- followers hear of every change of state except their own (a question to the reporter as the status
  `waiting_for_citizen`, never the question), and only while the report is public (a complaint made
  restricted later stops telling its followers anything);
- a public update of the OPD (`complaint_updated`, with an excerpt of it): the reporter and, while the report
  is public, the followers; never its author;
- staff: the assigned officer hears of an SLA reminder and a breach (`sla_watch.py`, `tell_officer`); the
  OPD's supervisors and the verifier desk get a digest of the breaches (`complaint_sla_escalation`: how many,
  of which OPD, up to `DIGEST_NUMBERS` tracking numbers), one per recipient and OPD waiting in the outbox at a
  time: breaches found while one waits are added to it, so a storm of breaches stays within identity's
  per-person hourly limit.
No message names the reporter: parameters are the tracking number, a status code, a date, a rating link, or
text that is already public (an update) or the reporter's own (a question to them). Free text goes out as one
line of at most `EXCERPT_LENGTH` characters, as identity's templates require.
"""

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintFollow
from siantar_complaints.complaint.states import ReportVisibility, Status
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_shared.calendar import local_date
from siantar_shared.db import read_rows

# identity's template names (svc-identity notify/templates.py SERVICE_TEMPLATES)
STATUS_CHANGED = "complaint_status_changed"
NEEDS_INFORMATION = "complaint_needs_information"
RESOLVED = "complaint_resolved"
UPDATED = "complaint_updated"
SLA_REMINDER = "complaint_sla_reminder"
SLA_BREACHED = "complaint_sla_breached"
SLA_ESCALATION = "complaint_sla_escalation"
DIGEST_NUMBERS = 5  # tracking numbers named in an escalation digest; the count says how many in all
MORE = "…"
# our states as identity's COMPLAINT_STATUS choice codes (the same names); one missing is not announced
STATUS_CODES: dict[str, str] = {s.value: s.value for s in Status}
EXCERPT_LENGTH = 300  # identity's limit for a quoted question or update


async def enqueue(
    session: AsyncSession,
    complaint: Complaint | None,
    recipients: Iterable[UUID],
    template: str,
    params: dict[str, Any],
    *,
    now: datetime,
) -> int:
    """One pending message per recipient (duplicates dropped), in the caller's transaction; `complaint` is None
    for a message about several (a digest)."""
    complaint_id = complaint.id if complaint is not None else None
    rows = [
        message(complaint_id, recipient, template, params, now=now) for recipient in dict.fromkeys(recipients)
    ]
    if len(rows) == 1:  # the usual case (a receipt, a reply): one statement straight to the driver
        await read_rows(session, _INSERT, tuple, rows[0])
    elif rows:
        await session.execute(insert(NotificationOutbox), rows)
    return len(rows)


_INSERT = insert(NotificationOutbox)


def message(
    complaint_id: UUID | None, recipient: UUID, template: str, params: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """A pending message's row."""
    return {
        "id": uuid4(),
        "complaint_id": complaint_id,
        "recipient_id": recipient,
        "template": template,
        "params": params,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


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
        return NEEDS_INFORMATION, {"tracking_number": number, "question": excerpt(question or "")}
    if complaint.status == Status.resolved.value:
        return RESOLVED, {"tracking_number": number, "rating_url": rating_url(complaint, settings)}
    return STATUS_CHANGED, {"tracking_number": number, "status": STATUS_CODES[complaint.status]}


def rating_url(complaint: Complaint, settings: LifecycleSettings) -> str:
    return settings.RATING_URL.format(tracking_number=complaint.tracking_number, id=complaint.id)


async def announce_update(
    session: AsyncSession, complaint: Complaint, text: str, *, actor_id: UUID | None, now: datetime
) -> None:
    """Tell the reporter and, while the report is public, the followers (never the author) of a public update."""
    reporter = complaint.reporter_id
    audience = [reporter] if reporter is not None else []
    if complaint.report_visibility == ReportVisibility.public.value:
        audience += await followers(session, complaint)
    params = {"tracking_number": complaint.tracking_number, "excerpt": excerpt(text)}
    await enqueue(session, complaint, [r for r in audience if r != actor_id], UPDATED, params, now=now)


async def tell_officer(session: AsyncSession, complaint: Complaint, template: str, *, now: datetime) -> bool:
    """An SLA message (`SLA_REMINDER`, `SLA_BREACHED`) to the complaint's assigned officer, if it has one; the
    due date is the city's (WIB) date of the stage's due time."""
    officer = complaint.assigned_officer_id
    if officer is None or complaint.sla_due_at is None:
        return False
    params = {
        "tracking_number": complaint.tracking_number,
        "due_date": local_date(complaint.sla_due_at).isoformat(),
    }
    return await enqueue(session, complaint, [officer], template, params, now=now) == 1


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """`text` as one line of at most `limit` characters: invisible format characters dropped, every run of
    spaces and line breaks one space, a longer text cut at a word and ended with "…"."""
    visible = "".join(c for c in text if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    line = " ".join(visible.split())
    if not line:
        return "…"
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"


async def escalate(
    session: AsyncSession, recipients: Iterable[UUID], opd: str, numbers: list[str], *, now: datetime
) -> int:
    """Tell each recipient (an OPD's supervisors, the verifier desk) that the complaints `numbers` of `opd` have
    passed their deadline: added to the recipient's digest of that OPD still waiting in the outbox, else a new
    one. A digest being delivered right now is locked by the delivery job and skipped here (a new one is made)."""
    told = 0
    for recipient in dict.fromkeys(recipients):
        statement = (
            select(NotificationOutbox)
            .where(
                NotificationOutbox.status == "pending",
                NotificationOutbox.recipient_id == recipient,
                NotificationOutbox.template == SLA_ESCALATION,
            )
            .with_for_update(skip_locked=True)
        )
        waiting = [
            message for message in await session.scalars(statement) if message.params.get("opd") == opd
        ]
        if waiting:
            message = waiting[0]
            count = int(message.params["count"]) + len(numbers)
            named = [n for n in str(message.params["tracking_numbers"]).split(", ") if n and n != MORE]
            message.params = digest(opd, count, named + numbers)
        else:
            await enqueue(
                session, None, [recipient], SLA_ESCALATION, digest(opd, len(numbers), numbers), now=now
            )
        told += 1
    return told


def digest(opd: str, count: int, numbers: list[str]) -> dict[str, Any]:
    """The parameters of `complaint_sla_escalation`: how many, of which OPD, the first `DIGEST_NUMBERS`."""
    named = list(dict.fromkeys(numbers))[:DIGEST_NUMBERS]
    listed = ", ".join(named + ([MORE] if count > len(named) else []))
    return {"count": str(count), "opd": opd, "tracking_numbers": listed}
