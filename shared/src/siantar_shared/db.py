"""Async SQLAlchemy: naming convention, record mixin, UTC timestamps, engines and one session per request.

UUID keys (`sqlalchemy.Uuid`) and `UTCDateTime` behave the same on PostgreSQL (asyncpg) and SQLite
(aiosqlite). Every SQLite connection sets WAL, `busy_timeout` and `foreign_keys=ON`, and SQLAlchemy emits
BEGIN itself so that SAVEPOINTs work (the pysqlite/aiosqlite recipe).
"""

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, NoReturn, Self, TypeVar, cast
from uuid import UUID, uuid4

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, Executable, event, insert, make_url
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.sql import compiler as sql_compiler
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 10_000
logger = logging.getLogger("siantar_shared.db")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC. SQLite keeps no offset, so it is added back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.driver == "asyncpg":
            # asyncpg reads a timestamptz as an aware datetime in UTC already: no step per value (a list page
            # reads 150 of them, 0.1 ms; bench/complaints/README.md "Session 5")
            return self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RecordMixin:
    """UUID primary key and creation/modification times for every table."""

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)


def make_engine(url: str, *, app_name: str, pool_size: int = 5) -> AsyncEngine:
    """An engine for PostgreSQL (named in pg_stat_activity) or SQLite (WAL, busy timeout, foreign keys). Its
    errors never show the statement's parameters (`hide_parameters`): they are logged with their traceback,
    and the values are personal data as often as not."""
    if url.startswith("sqlite"):
        ensure_sqlite_folder(url)
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        configure_sqlite(engine)
        return engine
    # 2 x pool_size connections, all kept: overflow connections (the old max_overflow = pool_size) were closed
    # as soon as they came back to a full pool and reopened by the next burst; under 32 clients the bench
    # opened a connection every ~25 requests (bench/complaints/README.md)
    engine = create_async_engine(
        url,
        pool_size=2 * pool_size,
        max_overflow=0,
        connect_args={"server_settings": {"application_name": app_name[:63]}},
        hide_parameters=True,  # a statement's values (names, addresses, texts) never reach an error or a log
    )
    ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool: one that comes back within
    `idle_seconds` of its last use is handed out as it is (that use just proved it alive); an older one is pinged
    first, and a dead one is replaced before the request sees it. SQLAlchemy's `pool_pre_ping` pings on every
    checkout, which on asyncpg is three round trips (BEGIN, `;`, ROLLBACK): about 0.2 ms of a 0.5 ms session
    (bench/complaints/README.md). A server restart can still fail the requests of those first seconds, as it
    fails the requests in flight."""

    @event.listens_for(engine.sync_engine, "checkin")
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is not None and time.monotonic() - since < idle_seconds:
            return
        if since is None:
            return  # a new connection: it was just made
        try:
            dbapi_connection.ping()
        except Exception as exc:  # any failure means this connection is unusable
            raise DisconnectionError(f"pooled connection failed its ping: {type(exc).__name__}") from exc


_IDLE_SINCE = "siantar_idle_since"


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (e.g. `var/`) so that a fresh clone just works.

    Best effort: if the folder cannot be made, the first connection reports it (and /healthz answers 503);
    building the engine never fails on it.
    """
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            logger.warning("cannot create the folder of SQLite database %s: %s", database, exc.strerror)


def configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        # DEFERRED: the write lock is taken at the first write; the process's writing sessions take turns
        # (TurnTakingSession). (BEGIN IMMEDIATE for every session was tried: a request then held the lock across
        # its awaits on other services, and every request, readers too, queued behind it.)
        connection.exec_driver_sql("BEGIN")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions of the engine; on SQLite they take turns (`TurnTakingSession`)."""
    if engine.dialect.name == "sqlite":
        return async_sessionmaker(engine, class_=TurnTakingSession, turns=Turns(), expire_on_commit=False)
    return async_sessionmaker(engine, expire_on_commit=False)


class Turns:
    """One session at a time in the process; the task that has the turn may open more (nested) sessions."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def take(self) -> None:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner, self._depth = task, 1

    def give_back(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class TurnTakingSession(AsyncSession):
    """A SQLite session opened with `async with` waits for its turn: in WAL mode a transaction that read and
    then writes after another one committed fails at once with 'database is locked' (its snapshot is stale; the
    busy timeout does not wait for that), so two submissions at the same moment, or a submission and another
    request's idempotency claim, cost one of them a 500. SQLite has one writer at a time anyway; reads
    (`make_read_sessionmaker`) never wait here, and PostgreSQL sessions are plain ones."""

    def __init__(self, *args: Any, turns: Turns, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = turns

    async def __aenter__(self) -> Self:
        await self._turns.take()
        return self

    async def __aexit__(
        self, type_: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        finally:
            self._turns.give_back()


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session committed when the block ends normally, rolled back when it raises; when it does not commit,
    the undo steps registered with `on_rollback` run (newest first)."""
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            await _undo(session)
            raise
        try:
            await session.commit()
        except BaseException:
            await _undo(session)
            raise
        session.info.pop(_UNDO, None)


def on_rollback(session: AsyncSession, undo: Callable[[], Awaitable[None]]) -> None:
    """Have `undo` run if this session's unit of work does not commit: for work outside the database that a
    rollback cannot take back, such as a file put in object storage before the row that names it."""
    session.info.setdefault(_UNDO, []).append(undo)


async def _undo(session: AsyncSession) -> None:
    for undo in reversed(session.info.pop(_UNDO, [])):
        try:
            await undo()
        except Exception:  # never hide the error that caused the rollback
            logger.exception("an undo step after a rollback failed")


_UNDO = "siantar_undo_on_rollback"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request. Services flush; the framework commits before the response is sent."""
    async with unit_of_work(request.state.sessionmaker) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read. On PostgreSQL their statements run in autocommit mode: a list page
    is then one round trip instead of BEGIN, SELECT, COMMIT (measured in bench/complaints/README.md), each
    statement on its own snapshot. SQLite keeps ordinary sessions (its BEGIN is ours, see `configure_sqlite`)."""
    if engine.dialect.name != "postgresql":
        return async_sessionmaker(engine, expire_on_commit=False)  # reads never take turns (WAL)
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def make_single_statement_sessionmaker(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    """Sessions for a unit of work that is one statement (an idempotency claim, say): on PostgreSQL in
    autocommit, where one statement is atomic on its own (one round trip instead of three); elsewhere the
    service's own `sessionmaker` (SQLite's writers take turns). Commit them as any (`unit_of_work`)."""
    if engine.dialect.name != "postgresql":
        return sessionmaker
    return make_read_sessionmaker(engine)


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One read-only session per request (`make_read_sessionmaker`); without one in the state (tests run every
    request inside their own transaction) the ordinary request session. Only for endpoints that never write."""
    sessionmaker = getattr(request.state, "read_sessionmaker", None) or request.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


async def get_atomic_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request for an endpoint whose writes are a single statement (the complaint submission on
    PostgreSQL: `svc-complaints` `complaint.writing`): on PostgreSQL in autocommit, so that its reads and that
    statement are one round trip each, without BEGIN and COMMIT; elsewhere the ordinary request session
    (`make_single_statement_sessionmaker`). Its writes must be one statement on PostgreSQL: a second one would
    commit on its own."""
    sessionmaker = getattr(request.state, "single_statement_sessionmaker", None) or request.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        yield session


AtomicWriteSessionDep = Annotated[AsyncSession, Depends(get_atomic_write_session, scope="function")]


R = TypeVar("R", bound=tuple[Any, ...])


async def read_rows(
    session: AsyncSession,
    statement: Executable,
    make: Callable[[Iterable[Any]], R],
    params: Mapping[str, Any] | None = None,
) -> list[R]:
    """The rows of a statement of columns, each made into `make(values)` (a `NamedTuple`'s `_make`, say), on the
    session's connection, with the session's transaction if it has one. `statement` is a SELECT, or an
    INSERT/UPDATE/DELETE (with RETURNING for rows; without, the answer is `[]`); `params` gives the values of
    its `bindparam()`s, so that a statement built once at import is compiled once and reused as it is.

    On asyncpg the statement goes straight to the driver: SQLAlchemy still compiles it (through the engine's
    statement cache) and binds and converts its values with the same type processors, but its execution
    context, cursor adapter and result rows are skipped: 0.07-0.11 ms of CPU less for a list page of 50 rows
    (bench/complaints/README.md, "Session 5"), and more for a write, whose ORM flush it also skips. Anything
    else runs through SQLAlchemy as usual: SQLite, a statement SQLAlchemy would render at run time beyond
    expanding IN lists, and one whose columns have Python-side defaults to compute (give every value). A
    driver error is translated by SQLAlchemy as its own execution does (`sqlalchemy.exc.IntegrityError` for a
    unique violation, a dead connection invalidated)."""
    connection = await session.connection()
    if connection.dialect.driver == "asyncpg" and not _watched(connection):
        direct = await _read_direct(connection, statement, params)
        if direct is not None:
            values, processors = direct
            if not processors:
                return [make(record) for record in values]
            return [make(_processed(record, processors)) for record in values]
    result = await connection.execute(statement, params)
    return [make(row) for row in result.all()] if result.returns_rows else []


async def insert_row(session: AsyncSession, row: Any) -> None:
    """INSERT a new ORM object now, as one statement (`read_rows`: straight to the driver on asyncpg), and keep
    it in the session as a loaded one: later changes to it are flushed as an UPDATE (version checks included).

    The cheaper write for a row of a hot path than `session.add()` and a flush (the submission's complaint, its
    first timeline entry, an event: bench/complaints/README.md, "Session 6"). Every column is written
    (`row_values`). Nothing else pending in the session is flushed by it."""
    await read_rows(session, _insert_of(row.__table__), tuple, row_values(row))
    keep_loaded(session, row)


def row_values(row: Any) -> dict[str, Any]:
    """Every column's value of a new ORM object, to INSERT it: the object's value, else the column's Python
    default (`default=`, then also set on the object), else NULL; a column with only a server default must be
    given (its value would stay unknown to the object)."""
    table = row.__table__
    state = sa_inspect(row)
    if state.key is not None or state.session is not None:
        raise ValueError("a new object is needed, not one a session knows already")
    given = row.__dict__
    values: dict[str, Any] = {}
    for column in table.columns:
        key = column.key
        if key in given:
            values[key] = given[key]
        elif column.default is not None:
            default = column.default
            values[key] = default.arg(None) if default.is_callable else default.arg
            setattr(row, key, values[key])
        elif column.server_default is not None:
            raise ValueError(f"{table.name}.{key} has a server default only: give its value")
        else:
            values[key] = None
            setattr(row, key, None)
    return values


def keep_loaded(session: AsyncSession, row: Any) -> None:
    """Put a new object whose row was just INSERTed, with every column set (`row_values`), into the session as a
    loaded one, as if read back (no statement)."""
    make_transient_to_detached(row)
    session.add(row)


_INSERTS: dict[Any, Any] = {}


def _insert_of(table: Any) -> Any:
    """One INSERT statement object per table, so that SQLAlchemy's cache key is worked out once."""
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table)
    return statement


def _watched(connection: AsyncConnection) -> bool:
    """Whether something listens for statements on this connection (a test counting them, say), which a
    statement sent to the driver directly would not tell."""
    dispatch = connection.sync_connection.dispatch if connection.sync_connection else None
    return dispatch is None or bool(
        dispatch.before_execute or dispatch.before_cursor_execute or dispatch.after_cursor_execute
        or dispatch.after_execute
    )  # fmt: skip


_Processors = list[tuple[int, Callable[[Any], Any]]]
_RESULT_PROCESSORS: "weakref.WeakKeyDictionary[Compiled, _Processors]" = weakref.WeakKeyDictionary()


async def _read_direct(
    connection: AsyncConnection, statement: Executable, params: Mapping[str, Any] | None = None
) -> tuple[list[Any], _Processors] | None:
    """`statement`'s driver records and the result processors of its columns, or None to leave it to SQLAlchemy.

    The steps are those of SQLAlchemy's own execution (`DefaultExecutionContext._init_compiled`), which the
    tests compare row for row with it on PostgreSQL; they use SQLAlchemy internals, pinned by the lockfile."""
    raw = await connection.get_raw_connection()
    driver, adapter = raw.driver_connection, raw.dbapi_connection
    if driver is None or adapter is None:
        return None
    if adapter._transaction is None:
        # the session's first statement: its transaction begins on the driver now (a no-op in autocommit), as
        # SQLAlchemy's cursor would begin it (`AsyncAdapt_asyncpg_cursor._prepare_and_execute`)
        try:
            await adapter._start_transaction()
        except Exception as error:  # noqa: BLE001 - translated, as SQLAlchemy's cursor does
            await _raise_translated(connection, raw, error, "BEGIN", [])
    dialect = connection.dialect
    compiled, extracted, collected, _ = cast("Any", statement)._compile_w_cache(
        dialect=dialect,
        compiled_cache=connection.sync_engine._compiled_cache,
        column_keys=sorted(params) if params else [],
        for_executemany=False,
        linting=dialect.compiler_linting | sql_compiler.WARN_LINTING,
    )
    assert isinstance(compiled, sql_compiler.SQLCompiler)
    if (
        compiled.literal_execute_params
        or not compiled.positional
        or compiled.schema_translate_map
        or compiled.insert_prefetch
        or compiled.update_prefetch
    ):
        return None
    parameters: MutableMapping[str, Any] = compiled.construct_params(
        params, extracted_parameters=extracted, escape_names=False, _collected_params=collected
    )
    text, order = compiled.string, cast("Sequence[str] | None", compiled.positiontup)
    binders = _binders(compiled._bind_processors)
    if len(binders) != len(compiled._bind_processors):  # a tuple's processors: SQLAlchemy's business
        return None
    if compiled.post_compile_params:  # expanding IN lists
        expanded = compiled._process_parameters_for_postcompile(parameters)
        text, order, parameters = expanded.statement, expanded.positiontup, dict(expanded.parameters)
        binders = {**binders, **_binders(expanded.processors)}
    if order is None:
        return None
    arguments = [binders[name](parameters[name]) if name in binders else parameters[name] for name in order]
    try:
        processors = _RESULT_PROCESSORS.get(compiled)
        # once per statement: the columns' type codes, as SQLAlchemy's cursor gets them
        if processors is None:
            described = (await driver.prepare(text)).get_attributes()
            processors = _RESULT_PROCESSORS[compiled] = [
                (index, process)
                for index, (column, attribute) in enumerate(
                    zip(compiled._result_columns, described, strict=True)
                )
                if (process := column.type._cached_result_processor(dialect, attribute.type.oid)) is not None
            ]
        records = await driver.fetch(text, *arguments)
    except Exception as error:  # noqa: BLE001 - translated below, as SQLAlchemy's cursor does
        await _raise_translated(connection, raw, error, text, arguments)
    return records, processors


async def _raise_translated(
    connection: AsyncConnection, raw: Any, error: Exception, text: str, arguments: list[Any]
) -> NoReturn:
    """Raise a driver error as SQLAlchemy's execution would: the dialect makes it a DBAPI error, the connection
    makes that a `sqlalchemy.exc` one and invalidates itself on a disconnect (in a greenlet: closing the
    driver's connection is awaited through SQLAlchemy's bridge)."""
    try:
        raw.dbapi_connection._handle_exception(error)
    except Exception as dbapi_error:  # noqa: BLE001 - the DBAPI form, handed on for SQLAlchemy's own
        sync = connection.sync_connection
        assert sync is not None
        await greenlet_spawn(sync._handle_dbapi_exception, dbapi_error, text, tuple(arguments), None, None)
    raise AssertionError("unreachable: the error was raised above")  # pragma: no cover


def _binders(processors: Mapping[str, Any]) -> dict[str, Callable[[Any], Any]]:
    return {name: process for name, process in processors.items() if callable(process)}


def _processed(record: Iterable[Any], processors: _Processors) -> list[Any]:
    values = list(record)
    for index, process in processors:
        values[index] = process(values[index])
    return values
