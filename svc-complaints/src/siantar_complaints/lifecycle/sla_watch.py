"""The periodic SLA job (`sla-watch`): reminders, escalations of breaches, and closing resolved complaints
after the silence the SLA class allows. Idempotent: a stage is reminded once (`sla_reminded_at`) and
escalated once (`sla_escalated_at`); starting a new stage clears both (sla/clock.py).

- reminder: a running, unpaused verify or follow_up clock due by the end of the next working day gets an
  internal (staff) timeline entry, a `...complaint.sla_reminder` event, and a `complaint_sla_reminder`
  message to the assigned officer (if there is one);
- escalation: a verify or follow_up clock past its due time gets an `sla` timeline entry (staff), the event
  `...complaint.sla_breached` (with the OPD and the assigned officer), a `complaint_sla_breached` message to
  the assigned officer (if there is one), and the OPD's supervisors and the verifier desk get a digest of the
  run's breaches (`notify.escalate`: one message per recipient and OPD, merged while it waits);
- closing: a resolved complaint whose close clock ran out (no reply from the reporter within
  `close_after_silence_days` working days; a reply restarts it) is closed by the system, announced like any
  change of state.

Staff are told through identity's notify, which sends to a subject id: the assigned officer's is on the
complaint; the OPD's supervisors and the verifier desk are listed by identity's staff directory (`directory`,
active accounts only, kept 60 s). When identity cannot list them the run fails and changes nothing: the next
run (a minute later) escalates the same breaches, so none is lost.
Reminder and escalation marks are written with a conditional UPDATE that leaves the complaint's version alone
(a system mark must not make an officer's If-Match stale); closing is a change of state and is version-checked
(a complaint changed meanwhile is left for the next run).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.complaint.states import Status, UpdateKind, UpdateVisibility
from siantar_complaints.lifecycle import notify, service
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.models import Holiday
from siantar_complaints.sla import clock
from siantar_complaints.sla.clock import Stage
from siantar_shared.calendar import WorkingCalendar, load_calendar
from siantar_shared.db import utcnow
from siantar_shared.idempotency import rowcount

BATCH = 500  # complaints per step and run; the job runs every minute
WATCHED = (Stage.verify.value, Stage.follow_up.value)
logger = logging.getLogger("siantar_complaints.lifecycle")


class StaffDirectory(Protocol):
    """Who holds a role (of an OPD): identity's staff directory (`IdentityServices.staff_with_role`)."""

    async def staff_with_role(self, role: str, agency: str | None = None) -> list[UUID]: ...


SUPERVISOR, DESK = "supervisor", "verifier"


@dataclass
class WatchReport:
    reminded: int = 0
    escalated: int = 0
    closed: int = 0


async def watch(
    session: AsyncSession,
    settings: LifecycleSettings,
    *,
    directory: StaffDirectory,
    now: datetime | None = None,
) -> WatchReport:
    now = now or utcnow()
    calendar = await load_calendar(session, Holiday)
    report = WatchReport()
    report.reminded = await remind(session, now, calendar)
    report.escalated = await escalate(session, now, directory)
    report.closed = await close_silent(session, settings, now)
    logger.info(
        "sla-watch: %d reminded, %d escalated, %d closed", report.reminded, report.escalated, report.closed
    )
    return report


def _running(*conditions: ColumnElement[bool]) -> Any:
    return (
        select(Complaint)
        .where(Complaint.sla_stage.in_(WATCHED), Complaint.sla_paused.is_(False), *conditions)
        .order_by(Complaint.sla_due_at)
        .limit(BATCH)
    )


async def remind(session: AsyncSession, now: datetime, calendar: WorkingCalendar) -> int:
    horizon = calendar.add_working_days(now, 1)  # the end of the next working day
    statement = _running(
        Complaint.sla_reminded_at.is_(None), Complaint.sla_due_at > now, Complaint.sla_due_at <= horizon
    )
    done = 0
    for complaint in list(await session.scalars(statement)):
        if await _mark(session, complaint, Complaint.sla_reminded_at, now):
            note = f"Pengingat: tahap {complaint.sla_stage} jatuh tempo {complaint.sla_due_at:%Y-%m-%d %H:%M} UTC"
            await _system_entry(session, complaint, now, note, {"sla": "reminder"})
            await service.emit_event(session, complaint, "sla_reminder", None, None, _sla_data(complaint))
            await notify.tell_officer(session, complaint, notify.SLA_REMINDER, now=now)
            done += 1
    return done


async def escalate(session: AsyncSession, now: datetime, directory: StaffDirectory) -> int:
    statement = _running(Complaint.sla_escalated_at.is_(None), Complaint.sla_due_at < now)
    breached: dict[str, list[str]] = defaultdict(list)  # OPD -> tracking numbers, oldest due first
    for complaint in list(await session.scalars(statement)):
        if await _mark(session, complaint, Complaint.sla_escalated_at, now):
            note = f"Batas waktu tahap {complaint.sla_stage} terlewati ({complaint.sla_due_at:%Y-%m-%d %H:%M} UTC)"
            await _system_entry(session, complaint, now, note, {"sla": "breached"})
            await service.emit_event(session, complaint, "sla_breached", None, None, _sla_data(complaint))
            await notify.tell_officer(session, complaint, notify.SLA_BREACHED, now=now)
            breached[complaint.opd_code].append(complaint.tracking_number)
    if breached:
        desk = await directory.staff_with_role(DESK)
        for opd, numbers in breached.items():
            supervisors = await directory.staff_with_role(SUPERVISOR, opd)
            await notify.escalate(session, [*supervisors, *desk], opd, numbers, now=now)
    return sum(len(numbers) for numbers in breached.values())


async def _mark(session: AsyncSession, complaint: Complaint, column: Any, now: datetime) -> bool:
    """Set a stage's mark once, only if the stage is still the one read (no version bump)."""
    statement = (
        update(Complaint)
        .where(
            Complaint.id == complaint.id,
            column.is_(None),
            Complaint.sla_stage == complaint.sla_stage,
            Complaint.sla_started_at == complaint.sla_started_at,
        )
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return rowcount(await session.execute(statement)) == 1


def _sla_data(complaint: Complaint) -> dict[str, Any]:
    return {
        "stage": complaint.sla_stage,
        "due_at": complaint.sla_due_at,
        "assigned_officer_id": complaint.assigned_officer_id,
    }


async def _system_entry(
    session: AsyncSession,
    complaint: Complaint,
    now: datetime,
    note: str,
    data: dict[str, Any],
    *,
    kind: UpdateKind = UpdateKind.sla,
    visibility: UpdateVisibility = UpdateVisibility.staff,
    from_status: str | None = None,
) -> ComplaintUpdate:
    entry = ComplaintUpdate(
        complaint_id=complaint.id,
        kind=kind.value,
        visibility=visibility.value,
        from_status=from_status,
        to_status=complaint.status if from_status else None,
        note=note,
        actor_id=None,
        actor_role="system",
        actor_client_id=None,
        actor_opd=None,
        data=data,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def close_silent(session: AsyncSession, settings: LifecycleSettings, now: datetime) -> int:
    statement = (
        select(Complaint)
        .where(
            Complaint.status == Status.resolved.value,
            Complaint.sla_stage == Stage.close.value,
            Complaint.sla_due_at < now,
        )
        .order_by(Complaint.sla_due_at)
        .limit(BATCH)
    )
    done = 0
    for complaint in list(await session.scalars(statement)):
        try:
            async with session.begin_nested():
                await _close(session, complaint, settings, now)
            done += 1
        except StaleDataError:
            logger.info("sla-watch: complaint %s changed meanwhile; left for the next run", complaint.id)
    return done


async def _close(
    session: AsyncSession, complaint: Complaint, settings: LifecycleSettings, now: datetime
) -> None:
    days = complaint.sla_budget_days
    complaint.status = Status.closed.value
    complaint.closed_at = complaint.last_activity_at = now
    clock.stop(complaint)
    await session.flush()
    note = f"Ditutup otomatis: tidak ada tanggapan pelapor dalam {days} hari kerja setelah selesai"
    entry = await _system_entry(
        session,
        complaint,
        now,
        note,
        {"closed_by": "silence", "working_days": days},
        kind=UpdateKind.status_change,
        visibility=UpdateVisibility.public,
        from_status=Status.resolved.value,
    )
    await notify.announce_status(session, complaint, actor_id=None, settings=settings, now=now)
    await service.emit_event(
        session, complaint, "closed", entry, Status.resolved.value, {"closed_by": "silence"}
    )
