"""The transitions of an application: each checks the state, the caller's role and the version read
(`If-Match`), records who/when/why in `application_event`, restarts or pauses the stage's SLA clock and
announces the change on the event feed, all in the caller's transaction.

Order of a local permit: draft -> submitted -> (completeness) verification -> [technical_review] ->
[inspection] -> [fee_assessment -> awaiting_payment] -> approval (level by level) -> issued. The bracketed
stages exist when the type has a technical OPD, needs an inspection, or has a fee.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_permits.application import sla
from siantar_permits.application.exceptions import NotYourTurn, WrongState
from siantar_permits.application.models import Application, ApplicationEvent, TechnicalTask
from siantar_permits.application.states import OSS_STATUS, TRANSITION_OSS_STATUS, State
from siantar_permits.audit import Actor
from siantar_permits.auth import ISSUING_OPD
from siantar_permits.models import platform
from siantar_permits.permit_type.schemas import FeeMethod, PermitTypeDefinition
from siantar_shared.calendar import WorkingCalendar
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.db import utcnow
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text

EVENT_TYPE = "id.go.pematangsiantar.permits.application.changed"
Issuer = Callable[[Application], Awaitable[None]]


def check_version(app: Application, if_match: str | None) -> None:
    require_match(if_match, version_tag(app.version))


def require_state(app: Application, *states: State) -> None:
    if State(app.state) not in states:
        allowed = ", ".join(s.value for s in states)
        raise WrongState(
            Text(
                f"Permohonan berada pada tahap {app.state}; tindakan ini hanya untuk: {allowed}",
                f"The application is {app.state}; this action needs: {allowed}",
            ),
            extra={"state": app.state},
        )


def pipeline(definition: PermitTypeDefinition) -> list[State]:
    stages = [State.verification]
    if definition.technical_opd:
        stages.append(State.technical_review)
    if definition.inspection_required:
        stages.append(State.inspection)
    if definition.fee.method != FeeMethod.none:
        stages.append(State.fee_assessment)
    stages.append(State.approval)
    return stages


def next_stage(current: State, definition: PermitTypeDefinition) -> State:
    stages = pipeline(definition)
    return stages[stages.index(current) + 1]


def approval_role(app: Application, definition: PermitTypeDefinition) -> str | None:
    if State(app.state) != State.approval or app.approval_level >= len(definition.approval_chain):
        return None
    return str(definition.approval_chain[app.approval_level])


async def transition(
    session: AsyncSession,
    app: Application,
    definition: PermitTypeDefinition,
    *,
    to: State,
    action: str,
    by: Actor,
    now: datetime,
    cal: WorkingCalendar,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    restart_clock: bool = True,
) -> ApplicationEvent:
    """Move `app` to `to` and record it. The UPDATE is conditional on the version read: a concurrent change
    makes it fail with 412, and nothing of this transition is kept."""
    before = app.state
    app.state = to.value
    if restart_clock:
        sla.start(app, definition, now, cal)
    if to in (State.verification, State.technical_review) and before == State.submitted.value:
        app.submitted_at = app.submitted_at or now
    if to == State.technical_review:
        session.add(
            TechnicalTask(application_id=app.id, opd_code=definition.technical_opd, kind="recommendation")
        )
    if to == State.inspection:
        opd = definition.technical_opd or ISSUING_OPD
        session.add(TechnicalTask(application_id=app.id, opd_code=opd, kind="inspection"))
    return await record(session, app, action=action, before=before, by=by, note=note, data=data)


async def record(
    session: AsyncSession,
    app: Application,
    *,
    action: str,
    before: str | None,
    by: Actor,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    bump: bool = True,
) -> ApplicationEvent:
    """Write the history row and the event for an act on `app` (a transition, or e.g. a scheduled
    inspection that leaves the state as it is; its version still grows, so stale copies are refused).
    `bump=False` records an act beside the application (an uploaded document) without changing it."""
    if bump:
        app.modified_at = utcnow()
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text(
                "Permohonan ini baru saja diubah pihak lain",
                "This application was just changed by someone else",
            )
        ) from exc
    oss = TRANSITION_OSS_STATUS.get(action, OSS_STATUS[State(app.state)])
    entry = ApplicationEvent(
        application_id=app.id,
        action=action,
        from_state=before,
        to_state=app.state,
        oss_status=oss,
        actor_id=by.id,
        actor_client_id=by.client_id,
        actor_roles=list(by.roles),
        actor_agency=by.agency,
        note=note,
        data=data or {},
    )
    session.add(entry)
    await session.flush()
    await emit(
        session,
        platform,
        type=EVENT_TYPE,
        subject=str(app.id),
        data={
            "id": app.id,
            "reference": app.reference,
            "type": app.type_code,
            "action": action,
            "from": before,
            "to": app.state,
            "oss_status": oss,
            "version": app.version,
        },
        source=event_source("permits"),
    )
    return entry


def must(condition: bool, id_: str, en: str) -> None:
    if not condition:
        raise NotYourTurn(Text(id_, en))
