"""A submission's writes as one statement, on PostgreSQL.

A submission writes five things: the year's tracking counter (UPDATE under its row lock), the complaint, its
first timeline entry, the `complaint.submitted` event (with the next outbox position, under that counter's row
lock) and the receipt to the reporter. Sent one by one they are five round trips and, inside a transaction,
BEGIN and COMMIT too; here they are one statement of data-modifying CTEs, atomic on its own, so a request in
autocommit mode sends one round trip for all of them (bench/complaints/README.md, "Session 6").

What is written is decided by `service.submit` alone and is the same on both paths: the rows come from the same
objects (`db.row_values`); the tracking number (`numbering.number_sql`, the same format as `next_number`)
and the outbox position are taken inside the statement, and the number is merged into the event's data and the
receipt's parameters there. A test compares every column written by both paths. SQLite, which has no
data-modifying CTEs, writes them one by one (`service.submit`).

Both counters are bumped only when both rows exist (each UPDATE checks the other row); when one is missing (the
first complaint of a year, the first event ever) nothing is written, the missing row is created, and the
statement runs again.
"""

from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Select,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from siantar_complaints.complaint import numbering
from siantar_complaints.complaint.models import Complaint, ComplaintUpdate, TrackingCounter
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import platform
from siantar_shared.db import read_rows, row_values
from siantar_shared.events import SEQUENCE_NAME, position_bump

NUMBER = "tracking_number"  # merged into the event's data and the receipt's parameters


def available(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def write(
    session: AsyncSession,
    *,
    complaint: Complaint,
    entry: ComplaintUpdate,
    event: dict[str, Any],
    receipt: NotificationOutbox,
    prefix: str,
    year: str,
) -> str:
    """Write the submission's rows (the complaint's `tracking_number` and the event's `position` are taken here)
    and answer the tracking number."""
    params: dict[str, Any] = {"counter": SEQUENCE_NAME, "counter_scope": year, "guard_scope": year}
    params["number_year"] = year
    params["number_prefix"] = prefix
    complaint_values = row_values(complaint)
    del complaint_values[NUMBER]
    params.update(_prefixed("c", complaint_values))
    params.update(_prefixed("u", row_values(entry)))
    params.update(_prefixed("e", event))
    params.update(_prefixed("n", row_values(receipt)))
    for _ in range(2):
        rows = await read_rows(session, _statement(), tuple, params)
        if rows:
            return str(rows[0][0])
        await _create_counters(session, year)
    raise RuntimeError("the tracking counter or the outbox sequence is still missing")


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{key}": value for key, value in values.items()}


async def _create_counters(session: AsyncSession, year: str) -> None:
    """The year's tracking counter and the outbox sequence, where missing (another request may create them at
    the same moment: ON CONFLICT DO NOTHING)."""
    sequence = platform.outbox_sequence
    for statement in (
        pg_insert(TrackingCounter).values(scope=year, value=0).on_conflict_do_nothing(),
        pg_insert(sequence).values(name=SEQUENCE_NAME, value=0).on_conflict_do_nothing(),
    ):
        await read_rows(session, statement, tuple)


@cache
def _statement() -> Select[Any]:
    """Built once (SQLAlchemy works its cache key out once); `write` binds the values."""
    sequence, event_model = platform.outbox_sequence, platform.outbox_event
    counter_exists = exists().where(TrackingCounter.scope == bindparam("guard_scope", type_=String()))
    sequence_exists = exists().where(sequence.name == SEQUENCE_NAME)
    num = numbering.INCREMENT.where(sequence_exists).cte("num")
    seq = position_bump(sequence).where(counter_exists).cte("seq")

    number = numbering.number_sql(
        bindparam("number_prefix", type_=String()), bindparam("number_year", type_=String()), num.c.value
    )
    complaint_columns = _binds("c", Complaint, skip={NUMBER})
    complaint = (
        insert(Complaint)
        .from_select(
            [*complaint_columns, NUMBER],
            select(*complaint_columns.values(), number).select_from(num).join(seq, true()),
        )
        .returning(Complaint.tracking_number)
        .cte("complaint")
    )
    entry_columns = _binds("u", ComplaintUpdate)
    entry = (
        insert(ComplaintUpdate)
        .from_select(list(entry_columns), select(*entry_columns.values()).select_from(complaint))
        .cte("entry")
    )
    event_columns = _binds("e", event_model, skip={"position", "data"})
    event = (
        insert(event_model)
        .from_select(
            ["position", *event_columns, "data"],
            select(seq.c.value, *event_columns.values(), _with_number("e_data", complaint.c.tracking_number))
            .select_from(seq)
            .join(complaint, true()),
        )
        .cte("event")
    )
    receipt_columns = _binds("n", NotificationOutbox, skip={"params"})
    receipt = (
        insert(NotificationOutbox)
        .from_select(
            [*receipt_columns, "params"],
            select(
                *receipt_columns.values(), _with_number("n_params", complaint.c.tracking_number)
            ).select_from(complaint),
        )
        .cte("receipt")
    )
    return select(complaint.c.tracking_number).add_cte(entry, event, receipt)


def _binds(prefix: str, model: Any, skip: Collection[str] = ()) -> dict[str, Any]:
    """A bind parameter per column of `model`'s table, typed as the column (JSON, UUIDs and aware times bind as
    they do)."""
    return {
        column.key: bindparam(f"{prefix}_{column.key}", type_=column.type)
        for column in model.__table__.columns
        if column.key not in skip
    }


def _with_number(name: str, number: ColumnElement[str]) -> ColumnElement[Any]:
    """The JSON object bound as `name` with the tracking number added (`"tracking_number": <number>`)."""
    merged = bindparam(name, type_=JSONB).op("||", return_type=JSONB)(
        func.jsonb_build_object(literal_column(f"'{NUMBER}'"), number)
    )
    return cast(merged, JSON)
