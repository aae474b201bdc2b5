"""`db.read_rows`: on asyncpg the statement goes to the driver directly; the rows must be exactly what
SQLAlchemy's own execution gives (values and their types), for every column type we use, with expanding IN
lists, inside a transaction and in autocommit, and a driver error must still come out as SQLAlchemy's.

Runs on PostgreSQL when TEST_DATABASE_URL is set (the direct path), else on a temporary SQLite file (where
`read_rows` is SQLAlchemy's execution and the comparisons hold trivially).
"""

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import pytest
from sqlalchemy import (
    JSON,
    MetaData,
    Numeric,
    String,
    bindparam,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from siantar_shared import db
from siantar_shared.db import (
    NAMING_CONVENTION,
    UTCDateTime,
    insert_row,
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
    read_rows,
)
from siantar_shared.errors import database_unavailable
from siantar_shared.pagination import CursorParams, SortKey, paginate_rows
from siantar_shared.testing.databases import fresh_database

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
BASE_TIME = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
DIRECT = [True] if ON_POSTGRES else []  # `direct_reads` of one read: SQLite never tries


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Thing(Base):
    __tablename__ = "thing"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    label: Mapped[str] = mapped_column(String(40))
    rank: Mapped[int]
    ratio: Mapped[float | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    flag: Mapped[bool]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    owner_id: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Tracked(Base):
    """A row written by `insert_row` and changed afterwards: Python defaults, a version column."""

    __tablename__ = "tracked"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    label: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ServerDefaulted(Base):
    __tablename__ = "server_defaulted"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    count: Mapped[int] = mapped_column(server_default="0")


COLUMNS = tuple(Thing.__table__.columns)


class ThingRow(NamedTuple):
    id: UUID
    label: str
    rank: int
    ratio: float | None
    amount: Decimal | None
    flag: bool
    data: dict[str, Any] | None
    owner_id: UUID | None
    created_at: datetime
    due_at: datetime | None


def seeded() -> list[Thing]:
    return [
        Thing(
            id=uuid4(),
            label=f"label {n}",
            rank=n % 4,
            ratio=None if n % 3 == 0 else n / 7,
            amount=None if n % 5 == 0 else Decimal(n) / 4,
            flag=n % 2 == 0,
            data=None if n % 4 == 0 else {"n": n, "words": ["a", "b"], "nested": {"ok": True}},
            owner_id=None if n % 2 else uuid4(),
            created_at=BASE_TIME + timedelta(minutes=n),
            due_at=None if n % 3 else BASE_TIME + timedelta(days=n),
        )
        for n in range(12)
    ]


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_database(f"shared_read_rows_{WORKER}") as url:
        engine = make_engine(url, app_name="test.shared-read-rows")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with make_sessionmaker(engine)() as session:
            session.add_all(seeded())
            await session.commit()
        yield engine
        await engine.dispose()


@pytest.fixture
def direct_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per `read_rows` call: whether the driver ran it directly."""
    taken: list[bool] = []
    original = db._read_direct

    async def spy(connection: Any, statement: Any, params: Any = None) -> Any:
        result = await original(connection, statement, params)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(db, "_read_direct", spy)
    return taken


async def through_sqlalchemy(session: AsyncSession, statement: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in (await session.execute(statement)).all()]


def typed(rows: list[tuple[Any, ...]]) -> list[list[tuple[type, Any]]]:
    # asyncpg answers UUIDs as its own subclass of uuid.UUID: compare as uuid.UUID, like the rest of the code
    return [[(UUID if isinstance(v, UUID) else type(v), v) for v in row] for row in rows]


STATEMENTS = {
    "every column": lambda: select(*COLUMNS).order_by(Thing.created_at),
    "a filter on a time": lambda: select(*COLUMNS).where(Thing.created_at >= BASE_TIME + timedelta(minutes=5)),
    "an IN list": lambda: select(*COLUMNS).where(Thing.rank.in_([1, 3])).order_by(Thing.id),
    "an empty IN list": lambda: select(*COLUMNS).where(Thing.rank.in_([])),
    "a limit and a UUID": lambda: select(Thing.id, Thing.owner_id).where(Thing.owner_id.is_not(None)).limit(3),
    "expressions": lambda: select(Thing.label, (Thing.rank + 1).label("next"), literal("x")).order_by(Thing.label),
}  # fmt: skip


@pytest.mark.parametrize("name", list(STATEMENTS))
async def test_rows_are_sqlalchemys_rows_in_a_transaction(
    engine: AsyncEngine, name: str, direct_reads: list[bool]
) -> None:
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))  # the transaction has begun on the driver
        expected = await through_sqlalchemy(session, STATEMENTS[name]())
        got = await read_rows(session, STATEMENTS[name](), tuple)
    assert typed(got) == typed(expected)
    assert direct_reads == DIRECT


@pytest.mark.parametrize("name", list(STATEMENTS))
async def test_rows_are_sqlalchemys_rows_in_autocommit(
    engine: AsyncEngine, name: str, direct_reads: list[bool]
) -> None:
    async with make_read_sessionmaker(engine)() as session:
        expected = await through_sqlalchemy(session, STATEMENTS[name]())
        got = await read_rows(session, STATEMENTS[name](), tuple)
    assert typed(got) == typed(expected)
    assert direct_reads == DIRECT


async def test_the_same_statement_again_with_other_values(engine: AsyncEngine) -> None:
    # the compiled statement is cached: new values must be bound, not the first call's
    async with make_read_sessionmaker(engine)() as session:
        for rank in (0, 1, 2, 3, 9):
            statement = select(Thing.rank).where(Thing.rank == rank)
            assert await read_rows(session, statement, tuple) == await through_sqlalchemy(session, statement)
        for ranks in ([0], [1, 2], [3, 0, 1]):
            statement = select(Thing.rank).where(Thing.rank.in_(ranks)).order_by(Thing.rank)
            assert await read_rows(session, statement, tuple) == await through_sqlalchemy(session, statement)


async def test_times_are_aware_and_in_utc(engine: AsyncEngine) -> None:
    async with make_read_sessionmaker(engine)() as session:
        rows = await read_rows(session, select(Thing.created_at, Thing.due_at), tuple)
    stamps = [value for row in rows for value in row if value is not None]
    assert stamps
    assert all(stamp.utcoffset() == timedelta(0) for stamp in stamps)
    assert min(stamps) == BASE_TIME


async def test_a_named_tuple_and_a_page(engine: AsyncEngine, direct_reads: list[bool]) -> None:
    keys = (SortKey(Thing.created_at, True), SortKey(Thing.id, True))  # type: ignore[arg-type]
    async with make_read_sessionmaker(engine)() as session:
        first, cursor = await paginate_rows(
            session, select(*COLUMNS), CursorParams(limit=5, cursor=None), keys, ThingRow._make
        )
        second, _ = await paginate_rows(
            session, select(*COLUMNS), CursorParams(limit=5, cursor=cursor), keys, ThingRow._make
        )
    assert [row.label for row in first + second] == [f"label {n}" for n in range(11, 1, -1)]
    assert isinstance(first[0], ThingRow)
    assert cursor is not None
    assert direct_reads == DIRECT * 2


async def test_a_listener_on_statements_still_hears_them(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    heard: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        heard.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with make_read_sessionmaker(engine)() as session:
            await read_rows(session, select(Thing.id), tuple)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
    assert any("FROM thing" in statement for statement in heard)
    assert direct_reads == []  # not even tried


@pytest.mark.parametrize("maker", [make_read_sessionmaker, make_sessionmaker])
async def test_a_driver_error_is_sqlalchemys_error(engine: AsyncEngine, maker: Any) -> None:
    # division by zero fails on PostgreSQL; SQLite answers NULL, which is then the row
    statement = select((Thing.rank / (Thing.rank - Thing.rank)).label("boom"))
    async with maker(engine)() as session:
        await session.execute(select(literal(1)))
        if ON_POSTGRES:
            with pytest.raises(DBAPIError):
                await read_rows(session, statement, tuple)
        else:
            assert all(row == (None,) for row in await read_rows(session, statement, tuple))


async def test_an_in_list_of_uuids(engine: AsyncEngine, direct_reads: list[bool]) -> None:
    async with make_read_sessionmaker(engine)() as session:
        ids = [row[0] for row in await through_sqlalchemy(session, select(Thing.id).order_by(Thing.id))]
        statement = select(*COLUMNS).where(Thing.id.in_(ids[:3])).order_by(Thing.id)
        expected = await through_sqlalchemy(session, statement)
        got = await read_rows(session, statement, tuple)
    assert len(got) == 3
    assert typed(got) == typed(expected)
    assert direct_reads == DIRECT


# writes, and statements built once with bindparam()s (the submission's statements, svc-complaints)

INSERT_THING = insert(Thing).values(
    id=bindparam("id"), label=bindparam("label"), rank=bindparam("rank"), ratio=bindparam("ratio"),
    amount=bindparam("amount"), flag=bindparam("flag"), data=bindparam("data"), owner_id=bindparam("owner_id"),
    created_at=bindparam("created_at"), due_at=bindparam("due_at"),
)  # fmt: skip
RANKED = select(Thing.label).where(
    Thing.rank == bindparam("rank"), Thing.label.in_(bindparam("labels", expanding=True))
)


def new_thing(**changes: Any) -> dict[str, Any]:
    values = {
        "id": uuid4(), "label": "new", "rank": 7, "ratio": 0.5, "amount": Decimal("2.25"), "flag": True,
        "data": {"k": [1, 2], "s": "x"}, "owner_id": uuid4(), "created_at": BASE_TIME, "due_at": None,
    }  # fmt: skip
    return {**values, **changes}


async def test_an_insert_with_returning_stores_what_sqlalchemy_would(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    values = new_thing(label="returned")
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))
        got = await read_rows(session, INSERT_THING.returning(*COLUMNS), tuple, values)
        stored = await through_sqlalchemy(session, select(*COLUMNS).where(Thing.id == values["id"]))
        await session.rollback()
    assert typed(got) == typed(stored)
    assert ThingRow._make(stored[0])._asdict() == values
    assert direct_reads == DIRECT


async def test_an_insert_without_returning_and_an_update(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    values = new_thing(label="plain", data=None, amount=None)
    bump = update(Thing).where(Thing.id == bindparam("the_id")).values(rank=Thing.rank + bindparam("by"))
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))
        assert await read_rows(session, INSERT_THING, tuple, values) == []
        assert await read_rows(
            session, bump.returning(Thing.rank), tuple, {"the_id": values["id"], "by": 3}
        ) == [(10,)]
        stored = await through_sqlalchemy(session, select(*COLUMNS).where(Thing.id == values["id"]))
        await session.rollback()
    assert ThingRow._make(stored[0])._asdict() == {**values, "rank": 10}
    assert direct_reads == DIRECT * 2


async def test_a_statement_built_once_takes_new_values_each_time(engine: AsyncEngine) -> None:
    async with make_read_sessionmaker(engine)() as session:
        for rank, labels in ((0, ["label 0", "label 4", "label 5"]), (1, ["label 1", "label 5"]), (2, ["x"])):
            got = await read_rows(session, RANKED, tuple, {"rank": rank, "labels": labels})
            expected = await session.execute(RANKED, {"rank": rank, "labels": labels})
            assert sorted(got) == sorted(tuple(row) for row in expected.all())
    assert sorted(got) == []  # the last: rank 2 has no label "x"


async def test_a_unique_violation_is_sqlalchemys_integrity_error(engine: AsyncEngine) -> None:
    values = new_thing(label="twice")
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))
        await read_rows(session, INSERT_THING, tuple, values)
        with pytest.raises(IntegrityError):
            await read_rows(session, INSERT_THING, tuple, values)
        await session.rollback()  # the session is usable as after any failed statement
        assert await read_rows(session, select(Thing.id).where(Thing.id == values["id"]), tuple) == []


async def test_python_side_defaults_leave_it_to_sqlalchemy(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    # Thing.id has a Python default (uuid4): a statement that does not give it is SQLAlchemy's to run
    values = new_thing()
    del values["id"]
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))
        rows = await read_rows(session, insert(Thing).returning(Thing.id), tuple, values)
        await session.rollback()
    assert isinstance(rows[0][0], UUID)
    assert direct_reads == ([False] if ON_POSTGRES else [])


async def test_insert_row_writes_every_column_and_the_object_stays_loaded(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    row = Tracked(label="first")
    async with make_sessionmaker(engine)() as session:
        await session.execute(select(literal(1)))
        await insert_row(session, row)
        assert (row.data, row.note, row.version) == ({}, None, 1)  # defaults given to the object as written
        stored = await through_sqlalchemy(session, select(Tracked.label, Tracked.data, Tracked.version))
        assert stored == [("first", {}, 1)]
        row.note = "changed"  # a change to it is an UPDATE of the row, with its version checked and bumped
        await session.flush()
        assert await through_sqlalchemy(session, select(Tracked.note, Tracked.version)) == [("changed", 2)]
        bump = update(Tracked).values(version=Tracked.version + 1)  # someone else's change
        await session.execute(bump.execution_options(synchronize_session=False))
        row.note = "lost update"
        with pytest.raises(StaleDataError):
            await session.flush()
        await session.rollback()
    assert direct_reads == DIRECT


async def test_insert_row_refuses_what_it_cannot_write(engine: AsyncEngine) -> None:
    async with make_sessionmaker(engine)() as session:
        with pytest.raises(ValueError, match="server default only"):
            await insert_row(session, ServerDefaulted())
        known = Tracked(label="known")
        session.add(known)
        with pytest.raises(ValueError, match="a new object is needed"):
            await insert_row(session, known)
        await session.rollback()


async def test_the_first_statement_of_a_session_begins_its_transaction(
    engine: AsyncEngine, direct_reads: list[bool]
) -> None:
    values = new_thing(label="rolled back")
    mine = select(Thing.id).where(Thing.id == values["id"])
    async with make_sessionmaker(engine)() as session:
        await read_rows(session, INSERT_THING, tuple, values)  # nothing before it in this session
        assert await read_rows(session, mine, tuple) == [(values["id"],)]
        async with make_read_sessionmaker(engine)() as other:  # not committed: nobody else sees it
            assert await read_rows(other, mine, tuple) == []
        await session.rollback()
        assert await read_rows(session, mine, tuple) == []  # a new transaction, begun the same way
    assert direct_reads == DIRECT * 4


@pytest.mark.postgres
@pytest.mark.parametrize("maker", [make_read_sessionmaker, make_sessionmaker])
async def test_a_lost_connection_is_invalidated_and_reads_as_the_database_unavailable(
    engine: AsyncEngine, maker: Any
) -> None:
    # a backend killed under a session (a database restart): the direct path's error is SQLAlchemy's, with the
    # connection invalidated, so the request answers 503 (errors.database_unavailable) and the pool replaces it
    async with maker(engine)() as session:
        pid = (await read_rows(session, select(func.pg_backend_pid()), tuple))[0][0]
        async with engine.connect() as killer:
            await killer.execute(select(func.pg_terminate_backend(pid)))
        with pytest.raises(DBAPIError) as raised:
            await read_rows(session, INSERT_THING, tuple, new_thing(label="never"))
        assert raised.value.connection_invalidated
        assert database_unavailable(raised.value)
    async with maker(engine)() as session:  # the pool hands out a live connection again
        assert (await read_rows(session, select(func.pg_backend_pid()), tuple))[0][0] != pid
