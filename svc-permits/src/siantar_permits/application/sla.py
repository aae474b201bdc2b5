"""Working-day SLA clocks per stage: started on entering a stage, paused while the applicant corrects,
resumed when they answer, evaluated by the periodic job (at risk: one working day or less left)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import Application
from siantar_permits.application.states import STAGE_OF, State
from siantar_permits.models import Holiday
from siantar_permits.permit_type.schemas import PermitTypeDefinition
from siantar_shared.calendar import SlaClock, WorkingCalendar, load_calendar

AT_RISK_DAYS = 1


async def calendar(session: AsyncSession) -> WorkingCalendar:
    return await load_calendar(session, Holiday)


def clock(app: Application, definition: PermitTypeDefinition) -> SlaClock | None:
    stage = STAGE_OF.get(State(app.state))
    if stage is None or app.sla_started_at is None:
        return None
    pauses = [
        (datetime.fromisoformat(str(start)), datetime.fromisoformat(end) if end else None)
        for start, end in app.sla_pauses
    ]
    return SlaClock(app.sla_started_at, definition.sla_days.days(stage), pauses)


def start(app: Application, definition: PermitTypeDefinition, now: datetime, cal: WorkingCalendar) -> None:
    """Start the clock of the stage the application has just entered (none for states without one)."""
    app.sla_pauses = []
    app.sla_started_at = now if State(app.state) in STAGE_OF else None
    _recompute(app, definition, now, cal)


def pause(app: Application, now: datetime) -> None:
    app.sla_pauses = [*app.sla_pauses, [now.isoformat(), None]]


def resume(app: Application, definition: PermitTypeDefinition, now: datetime, cal: WorkingCalendar) -> None:
    if app.sla_pauses and app.sla_pauses[-1][1] is None:
        app.sla_pauses = [*app.sla_pauses[:-1], [app.sla_pauses[-1][0], now.isoformat()]]
    _recompute(app, definition, now, cal)


def _recompute(
    app: Application, definition: PermitTypeDefinition, now: datetime, cal: WorkingCalendar
) -> None:
    sla = clock(app, definition)
    app.sla_due_at = sla.due_at(cal, now=now) if sla is not None else None
    app.sla_flag = flag(app, definition, now, cal) if sla is not None else None


def flag(
    app: Application, definition: PermitTypeDefinition, now: datetime, cal: WorkingCalendar
) -> str | None:
    """on_time, at_risk (due within a working day), breached (past due), or paused; None without a clock."""
    sla = clock(app, definition)
    if sla is None:
        return None
    if sla.is_paused:
        return "paused"
    if sla.is_overdue(now, cal):
        return "breached"
    return "at_risk" if sla.remaining_working_days(now, cal) <= AT_RISK_DAYS else "on_time"
