"""The SLA clock of one complaint, kept on its row: which step runs, since when, for how many working days, its
pauses, and the due time that gives (`sla_due_at`, stored so that queues and the SLA job can query it).

Steps and their budgets (from the complaint's SLA class, never literals): `verify` (submitted until
dispositioned), `follow_up` (dispositioned until resolved; paused while waiting for the citizen) and `close`
(resolved until closed by silence). The rules of counting are `siantar_shared.calendar.SlaClock`'s.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.sla.models import SlaClass
from siantar_shared.calendar import SlaClock, WorkingCalendar


class Stage(StrEnum):
    verify = "verify"
    follow_up = "follow_up"
    close = "close"


AT_RISK_WORKING_DAYS = 1  # a clock due within this many working days is at risk (the reminder's moment)


def budget_of(sla_class: SlaClass, stage: Stage) -> int:
    match stage:
        case Stage.verify:
            return sla_class.verify_days
        case Stage.follow_up:
            return sla_class.follow_up_days
        case Stage.close:
            return sla_class.close_after_silence_days


def clock_of(complaint: Complaint) -> SlaClock | None:
    if complaint.sla_stage is None or complaint.sla_started_at is None or complaint.sla_budget_days is None:
        return None
    pauses = [
        (datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
        for start, end in complaint.sla_pauses
        if start is not None
    ]
    return SlaClock(complaint.sla_started_at, complaint.sla_budget_days, pauses)


def start_stage(
    complaint: Complaint, stage: Stage, *, sla_class: SlaClass, now: datetime, calendar: WorkingCalendar
) -> None:
    """Start `stage`'s clock at `now` (replacing the running one)."""
    complaint.sla_stage = stage.value
    complaint.sla_started_at = now
    complaint.sla_budget_days = budget_of(sla_class, stage)
    complaint.sla_pauses = []
    complaint.sla_paused = False
    complaint.sla_reminded_at = None
    complaint.sla_escalated_at = None
    _recompute(complaint, now, calendar)


def pause(complaint: Complaint, *, now: datetime, calendar: WorkingCalendar) -> None:
    """Stop the running clock (waiting for the citizen); a paused clock stays paused."""
    if complaint.sla_stage is None or complaint.sla_paused:
        return
    complaint.sla_pauses = [*complaint.sla_pauses, [now.isoformat(), None]]
    complaint.sla_paused = True
    _recompute(complaint, now, calendar)


def resume(complaint: Complaint, *, now: datetime, calendar: WorkingCalendar) -> None:
    if complaint.sla_stage is None or not complaint.sla_paused:
        return
    pauses = [list(pair) for pair in complaint.sla_pauses]
    pauses[-1][1] = now.isoformat()
    complaint.sla_pauses = pauses
    complaint.sla_paused = False
    _recompute(complaint, now, calendar)


def stop(complaint: Complaint) -> None:
    """No clock runs (closed, rejected, duplicate, redirected)."""
    complaint.sla_stage = None
    complaint.sla_started_at = None
    complaint.sla_budget_days = None
    complaint.sla_pauses = []
    complaint.sla_paused = False
    complaint.sla_due_at = None


def _recompute(complaint: Complaint, now: datetime, calendar: WorkingCalendar) -> None:
    clock = clock_of(complaint)
    complaint.sla_due_at = clock.due_at(calendar, now=now) if clock is not None else None


@dataclass(frozen=True, slots=True)
class SlaState:
    stage: str | None
    due_at: datetime | None
    paused: bool
    breached: bool
    at_risk: bool
    remaining_working_days: int | None


def state(complaint: Complaint, *, now: datetime, calendar: WorkingCalendar) -> SlaState:
    """The clock as of `now`: a paused clock is due as if resumed now."""
    clock = clock_of(complaint)
    if clock is None:
        return SlaState(complaint.sla_stage, None, False, False, False, None)
    due = clock.due_at(calendar, now=now)
    remaining = clock.remaining_working_days(now, calendar)
    breached = now > due
    return SlaState(
        stage=complaint.sla_stage,
        due_at=due,
        paused=clock.is_paused,
        breached=breached,
        at_risk=not breached and remaining <= AT_RISK_WORKING_DAYS,
        remaining_working_days=remaining,
    )
