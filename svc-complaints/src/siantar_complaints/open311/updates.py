"""POST servicerequestupdates (mySociety extension): a staff system (an OPD's back office, signed in through
identity as an officer or supervisor of the complaint's OPD: a bearer token) posts what happened on a request.

It goes through the lifecycle's own rules (who may act, from which state, If-Match on write, SLA clock,
timeline entry, notifications, event):

- the request's current status (e.g. `IN_PROGRESS` while in progress): a public update with `description`;
- `IN_PROGRESS` from dispositioned/reopened: the `start` transition, `description` as its note;
- `FIXED`: the `resolve` transition, `description` as the public follow-up;
- any other status: 400 (other transitions need what Open311 does not carry: use the native API).

The client's `update_id` and `updated_datetime` are kept on the timeline entry; a retry with the same
`update_id` answers the entry already written instead of writing a second one.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import service as complaint_service
from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.complaint.states import UpdateKind
from siantar_complaints.lifecycle import effects, schemas, service, timeline
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.transitions import Action
from siantar_complaints.open311.params import Params, invalid, parse_datetime
from siantar_complaints.open311.presenter import UPDATE_STATUS
from siantar_shared.auth import Principal
from siantar_shared.i18n import Text

ACTIONS = {"IN_PROGRESS": Action.start, "FIXED": Action.resolve}
KNOWN_STATUSES = frozenset(
    {
        *UPDATE_STATUS.values(),
        "CLOSED",
        "FIXED",
        "PLANNED",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "CANCELLED",
    }
)
UPDATE_ID_KEY = "open311_update_id"
B = TypeVar("B", bound=BaseModel)


def required(params: Params, name: str) -> str:
    value = params.get(name)
    if value is None:
        raise invalid(name, Text("wajib dikirim", "is required"))
    return value


async def post(
    session: AsyncSession, params: Params, principal: Principal, settings: LifecycleSettings
) -> ComplaintUpdate:
    number = required(params, "service_request_id")
    update_id = required(params, "update_id")
    status = required(params, "status").upper()
    description = required(params, "description")
    stated_at = parse_datetime("updated_datetime", required(params, "updated_datetime"))
    if status not in KNOWN_STATUSES:
        raise invalid("status", Text(f"{status} tidak dikenal", f"{status} is not a known status"))
    complaint = await complaint_service.get_visible_by_number(session, number, principal)
    written = await find(session, complaint.id, update_id)
    if written is not None:
        return written
    data = {
        UPDATE_ID_KEY: update_id,
        "open311_updated_datetime": stated_at.isoformat() if stated_at else None,
    }
    if status == UPDATE_STATUS.get(complaint.status):
        body = checked(lambda: schemas.UpdateCreate(kind=UpdateKind.public_update, text=description))
        _, read = await timeline.post_update(session, complaint.id, principal, body, None, settings)
        entry = await session.get_one(ComplaintUpdate, read.id)
        entry.data = {**entry.data, **data}
        await session.flush()
        return entry
    action = ACTIONS.get(status)
    if action is None:
        raise invalid(
            "status",
            Text(
                f"{status} tidak dapat dikirim untuk laporan berstatus {complaint.status}",
                f"{status} cannot be posted on a request in state {complaint.status}",
            ),
        )
    return await transition(session, complaint, action, principal, settings, description, data)


async def transition(
    session: AsyncSession,
    complaint: Complaint,
    action: Action,
    principal: Principal,
    settings: LifecycleSettings,
    description: str,
    data: dict[str, Any],
) -> ComplaintUpdate:
    change = await service.begin(session, complaint.id, action, principal, None, settings, strict=False)
    if action is Action.start:
        effects.start(change, checked(lambda: schemas.NoteBody(note=description)))
    else:
        await effects.resolve(change, checked(lambda: schemas.ResolveBody(public_update=description)))
    change.data = {**change.data, **data}
    await service.commit_change(change)
    entry = await find(session, complaint.id, str(data[UPDATE_ID_KEY]))
    assert entry is not None  # just written by commit_change
    return entry


def checked(build: Callable[[], B]) -> B:
    """A lifecycle body built from Open311 fields; what it refuses is a 400 on `description`."""
    try:
        return build()
    except ValidationError as exc:
        why = "; ".join(str(error["msg"]) for error in exc.errors())
        raise invalid("description", Text(f"tidak sah ({why})", f"is not valid ({why})")) from exc


async def find(session: AsyncSession, complaint_id: UUID, update_id: str) -> ComplaintUpdate | None:
    statement = select(ComplaintUpdate).where(
        ComplaintUpdate.complaint_id == complaint_id,
        ComplaintUpdate.data[UPDATE_ID_KEY].as_string() == update_id,
    )
    return (await session.scalars(statement)).first()
