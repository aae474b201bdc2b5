"""A transactional outbox and the pull feed other services read it from (CloudEvents 1.0, JSON format).

`emit()` writes an event in the caller's transaction, so the event exists if and only if the change it
describes was committed. Consumers (service tokens only) poll `GET <prefix>/events?after=<cursor>` and keep
the `next_cursor` of each page; an event is delivered at least once, so consumers de-duplicate on `id`.

Positions are handed out by `UPDATE outbox_sequence SET value = value + 1 ... RETURNING value`, not by an
autoincrement column. The UPDATE locks the sequence row until the emitting transaction ends, so a second
emitter waits for the first to commit (or roll back, in which case it gets the same number and leaves no
gap): positions become visible strictly in order. With a plain autoincrement, transaction A could take
position 7, transaction B position 8, and B commit first; a reader would then see 8, move its cursor past
7, and never see A's event once A commits. The price is that emitting transactions are serialised from
`emit()` to commit: emit as the last write of a transaction and keep that transaction short.

Event types are reverse-DNS names, such as `id.go.pematangsiantar.identity.account.erased`.
"""

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python
from sqlalchemy import JSON, BigInteger, String, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from siantar_shared.auth import ServicePrincipal
from siantar_shared.db import SessionDep, UTCDateTime, insert_row, read_rows, utcnow

if TYPE_CHECKING:
    from siantar_shared.platform_models import PlatformModels

SEQUENCE_NAME = "outbox"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_POSITION = 2**63 - 1
JSON_CONTENT_TYPE = "application/json"
EVENT_TYPE = re.compile(r"[a-z0-9-]+(\.[a-z0-9_-]+){3,}")


class OutboxEventMixin:
    """One event: CloudEvents attributes plus the feed `position` (assigned by `emit`, never reused)."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[UUID] = mapped_column(unique=True, default=uuid4)
    source: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(255))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    datacontenttype: Mapped[str] = mapped_column(String(100), default=JSON_CONTENT_TYPE)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxSequenceMixin:
    """A named counter; the row named `outbox` holds the last position handed out."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def event_source(service: str) -> str:
    """The CloudEvents `source` of a service's events, such as `/identity`."""
    return f"/{service}"


async def emit(
    session: AsyncSession,
    models: "PlatformModels",
    *,
    type: str,  # the CloudEvents attribute's name
    subject: str | None,
    data: dict[str, Any],
    source: str,
) -> OutboxEventMixin:
    """Add an event to the caller's transaction (flushed, never committed). `data` must be JSON-able
    (UUIDs, datetimes and enums are converted); it should carry ids, not personal data."""
    await session.flush()  # the caller's pending changes first, as the flush of `session.add()` did
    event = models.outbox_event(
        position=await next_position(session, models.outbox_sequence),
        **event_values(type=type, subject=subject, data=data, source=source),
    )
    await insert_row(session, event)
    return event


def event_values(*, type: str, subject: str | None, data: dict[str, Any], source: str) -> dict[str, Any]:
    """An event's columns but its position (which `next_position` hands out), checked and made JSON-able."""
    if not EVENT_TYPE.fullmatch(type):
        raise ValueError(
            f"event type {type!r} is not reverse-DNS, e.g. id.go.pematangsiantar.identity.x.created"
        )
    return {
        "id": uuid4(),
        "source": source,
        "type": type,
        "subject": subject,
        "time": utcnow(),
        "datacontenttype": JSON_CONTENT_TYPE,
        "data": to_jsonable_python(data),
    }


async def next_position(
    session: AsyncSession, sequence: type[OutboxSequenceMixin], name: str = SEQUENCE_NAME
) -> int:
    """The next value of counter `name`, locked until the caller's transaction ends (see the module docstring)."""
    bump = position_bump(sequence)
    rows = await read_rows(session, bump, tuple, {"counter": name})
    if rows:
        return int(rows[0][0])
    try:  # the first event ever: create the counter; if another transaction just did, bump theirs
        async with session.begin_nested():
            await session.execute(insert(sequence).values(name=name, value=1))
        return 1
    except IntegrityError:
        return int((await read_rows(session, bump, tuple, {"counter": name}))[0][0])


_BUMPS: dict[type[OutboxSequenceMixin], Any] = {}


def position_bump(sequence: type[OutboxSequenceMixin]) -> Any:
    """The UPDATE that takes the next value of the counter named by bind parameter `counter`, RETURNING it;
    built once per model (its cache key is worked out once)."""
    bump = _BUMPS.get(sequence)
    if bump is None:
        bump = _BUMPS[sequence] = (
            update(sequence)
            .where(sequence.name == bindparam("counter"))
            .values(value=sequence.value + 1)
            .returning(sequence.value)
        )
    return bump


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in the structured JSON format (`subject` is left out when there is none)."""

    model_config = ConfigDict(from_attributes=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID
    source: str
    type: str
    subject: str | None = None
    time: datetime
    datacontenttype: str = JSON_CONTENT_TYPE
    data: dict[str, Any]


class EventPage(BaseModel):
    """A page of the feed; pass `next_cursor` as `after` to get the next one (it stays put at the end)."""

    items: list[CloudEvent]
    next_cursor: str


def events_router(models: "PlatformModels", *, source: str) -> APIRouter:
    """`GET /events`: the outbox of this service (CloudEvents `source` = `source`), for service tokens."""
    router = APIRouter(tags=["events"])
    event = models.outbox_event

    @router.get(
        "/events",
        response_model=EventPage,
        response_model_exclude_none=True,
        summary="Events feed",
        description=(
            f"Events of `{source}` after a cursor, oldest first (CloudEvents 1.0, structured JSON). "
            "Start with `after=0`, then pass each page's `next_cursor`. Delivery is at least once: "
            "de-duplicate on `id`. Service tokens only."
        ),
    )
    async def list_events(
        principal: ServicePrincipal,
        session: SessionDep,
        after: Annotated[
            int, Query(ge=0, le=MAX_POSITION, description="`next_cursor` of the previous page")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}")] = DEFAULT_LIMIT,
    ) -> EventPage:
        """Events after a cursor, oldest first."""
        statement = select(event).where(event.position > after).order_by(event.position).limit(limit)
        rows = list(await session.scalars(statement))
        return EventPage(
            items=[CloudEvent.model_validate(row) for row in rows],
            next_cursor=str(rows[-1].position if rows else after),
        )

    return router
