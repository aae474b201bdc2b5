"""db.py: UTCDateTime, the engine (SQLite pragmas, PostgreSQL application name), SAVEPOINTs, get_session.

Runs on PostgreSQL when TEST_DATABASE_URL is set, else on a temporary SQLite file.
"""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import ForeignKey, MetaData, String, delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from siantar_shared.db import (
    NAMING_CONVENTION,
    SQLITE_BUSY_TIMEOUT_MS,
    RecordMixin,
    SessionDep,
    TurnTakingSession,
    UTCDateTime,
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
    on_rollback,
    ping_when_idle,
    unit_of_work,
    utcnow,
)
from siantar_shared.errors import Conflict, install_error_handlers
from siantar_shared.testing.databases import fresh_database, is_postgres
from siantar_shared.testing.plugin import StateInjector

WIB = timezone(timedelta(hours=7), "WIB")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Ward(RecordMixin, Base):
    __tablename__ = "ward"
    name: Mapped[str] = mapped_column(String(50), unique=True)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Resident(RecordMixin, Base):
    __tablename__ = "resident"
    ward_id: Mapped[UUID] = mapped_column(ForeignKey("ward.id"))


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_database(f"shared_db_{WORKER}") as url:
        engine = make_engine(url, app_name="test.shared-db")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield engine
        await engine.dispose()


@pytest.fixture
async def clean(engine: AsyncEngine) -> AsyncIterator[None]:
    """These tests commit on purpose (that is what they check), so each one empties the tables afterwards."""
    yield
    async with engine.begin() as connection:
        await connection.execute(delete(Resident))
        await connection.execute(delete(Ward))


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


async def ward_names(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Ward.name).order_by(Ward.name)))


@pytest.mark.usefixtures("clean")
class TestUTCDateTime:
    async def test_aware_round_trip_to_utc(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        local = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=WIB)
        async with sessionmaker() as session:
            ward = Ward(name="Bantan", visited_at=local)
            session.add(ward)
            await session.commit()
        async with sessionmaker() as session:
            stored = await session.scalar(select(Ward.visited_at).where(Ward.name == "Bantan"))
        assert stored == local
        assert stored is not None
        assert stored.utcoffset() == timedelta(0)
        assert stored.tzinfo == UTC
        assert (stored.hour, stored.microsecond) == (2, 123456)

    async def test_stored_as_utc(
        self, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="Sukadame", visited_at=datetime(2026, 1, 1, 6, 0, tzinfo=WIB)))
            await session.commit()
        async with engine.connect() as connection:
            if is_postgres():
                raw = await connection.scalar(
                    text("SELECT to_char(visited_at AT TIME ZONE 'UTC', 'HH24:MI') FROM ward")
                )
                assert raw == "23:00"
            else:
                raw = await connection.scalar(text("SELECT visited_at FROM ward"))
                assert str(raw).startswith("2025-12-31 23:00:00")

    async def test_naive_refused(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="Naive", visited_at=datetime(2026, 1, 1, 12, 0)))  # noqa: DTZ001
            with pytest.raises(StatementError, match="naive datetime"):
                await session.flush()
        assert await ward_names(sessionmaker) == []

    async def test_naive_refused_in_a_filter(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            with pytest.raises(StatementError, match="naive datetime"):
                await session.scalars(select(Ward).where(Ward.visited_at < datetime(2026, 1, 1)))  # noqa: DTZ001

    @pytest.mark.parametrize("value", ["2026-01-01T00:00:00+07:00", 1767225600, "not a date"])
    async def test_non_datetime_refused(
        self, sessionmaker: async_sessionmaker[AsyncSession], value: object
    ) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="Odd", visited_at=value))
            with pytest.raises(StatementError):
                await session.flush()

    async def test_none_stays_none(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            ward = Ward(name="Empty")
            session.add(ward)
            await session.commit()
        async with sessionmaker() as session:
            assert await session.scalar(select(Ward.visited_at)) is None

    async def test_comparisons_use_the_instant(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            session.add_all(
                [
                    Ward(name="early", visited_at=datetime(2026, 3, 1, 8, 0, tzinfo=WIB)),  # 01:00 UTC
                    Ward(name="late", visited_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
                ]
            )
            await session.commit()
            cutoff = datetime(2026, 3, 1, 9, 0, tzinfo=WIB)  # 02:00 UTC
            before = await session.scalars(select(Ward.name).where(Ward.visited_at < cutoff))
            assert list(before) == ["early"]
            ordered = await session.scalars(select(Ward.name).order_by(Ward.visited_at))
            assert list(ordered) == ["early", "late"]

    async def test_record_mixin_defaults(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        started = utcnow()
        async with sessionmaker() as session:
            ward = Ward(name="Mixin")
            session.add(ward)
            await session.commit()
            assert isinstance(ward.id, UUID)
            assert ward.modified_at is None
            ward.name = "Mixin 2"
            await session.commit()
        async with sessionmaker() as session:
            stored = await session.get_one(Ward, ward.id)
        assert stored.created_at.tzinfo == UTC
        assert started - timedelta(seconds=1) <= stored.created_at <= utcnow()
        assert stored.modified_at is not None
        assert stored.modified_at >= stored.created_at

    def test_utcnow_is_aware(self) -> None:
        assert utcnow().tzinfo == UTC


class TestEngine:
    @pytest.mark.skipif(is_postgres(), reason="SQLite pragmas")
    async def test_sqlite_pragmas(self, engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (
                await connection.exec_driver_sql("PRAGMA busy_timeout")
            ).scalar() == SQLITE_BUSY_TIMEOUT_MS

    async def test_sqlite_pragmas_on_every_new_connection(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/fresh.db", app_name="x")
        try:
            for _ in range(2):
                async with engine.connect() as connection:
                    assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
                await engine.dispose()  # the next connect opens a new DBAPI connection
        finally:
            await engine.dispose()

    @pytest.mark.postgres
    async def test_idle_connection_is_pinged_and_replaced_when_dead(self, engine: AsyncEngine) -> None:
        url = engine.url.render_as_string(hide_password=False)
        for idle_seconds, replaced in ((0.0, True), (60.0, False)):
            pooled = create_async_engine(url, pool_size=1, max_overflow=0)
            ping_when_idle(pooled, idle_seconds)
            try:
                async with pooled.connect() as connection:
                    first = await connection.scalar(text("SELECT pg_backend_pid()"))
                async with engine.connect() as killer:
                    await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
                if replaced:  # idle longer than the window: pinged, found dead, replaced before use
                    async with pooled.connect() as connection:
                        assert await connection.scalar(text("SELECT pg_backend_pid()")) != first
                else:  # used moments ago: handed out as it is (the trade-off documented in ping_when_idle)
                    with pytest.raises(DBAPIError):
                        async with pooled.connect() as connection:
                            await connection.scalar(text("SELECT 1"))
            finally:
                await pooled.dispose()

    @pytest.mark.postgres
    async def test_read_sessions_run_each_statement_on_its_own(self, engine: AsyncEngine) -> None:
        """PostgreSQL read sessions autocommit: after a statement their connection is `idle`, where an ordinary
        session's is `idle in transaction` (seen from another connection)."""
        state = text("SELECT state FROM pg_stat_activity WHERE pid = :pid")
        for maker, expected in ((make_read_sessionmaker(engine), "idle"),
                                (make_sessionmaker(engine), "idle in transaction")):  # fmt: skip
            async with maker() as session:
                pid = await session.scalar(text("SELECT pg_backend_pid()"))
                async with engine.connect() as observer:
                    assert await observer.scalar(state, {"pid": pid}) == expected

    async def test_read_sessions_see_committed_rows(self, engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE IF NOT EXISTS read_probe (n INTEGER)"))
            await connection.execute(text("DELETE FROM read_probe"))
            await connection.execute(text("INSERT INTO read_probe (n) VALUES (7)"))
        try:
            async with make_read_sessionmaker(engine)() as session:
                assert await session.scalar(text("SELECT n FROM read_probe")) == 7
        finally:
            async with engine.begin() as connection:
                await connection.execute(text("DROP TABLE read_probe"))

    @pytest.mark.postgres
    async def test_postgres_application_name(self, engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SHOW application_name")) == "test.shared-db"

    @pytest.mark.postgres
    async def test_long_application_name_truncated(self, engine: AsyncEngine) -> None:
        """PostgreSQL keeps 63 bytes of application_name; longer names are cut, never refused."""
        url = engine.url.render_as_string(hide_password=False)
        long_named = make_engine(url, app_name="siantar-" + "x" * 100, pool_size=2)
        try:
            async with long_named.connect() as connection:
                assert await connection.scalar(text("SHOW application_name")) == ("siantar-" + "x" * 100)[:63]
            # 2 x pool_size kept, no overflow connections (closed and reopened under bursts)
            assert long_named.pool.size() == 4  # type: ignore[attr-defined]
            assert long_named.pool._max_overflow == 0  # type: ignore[attr-defined]
        finally:
            await long_named.dispose()

    async def test_sqlite_folder_created(self, tmp_path: Path) -> None:
        database = tmp_path / "fresh-clone" / "var" / "service.db"
        engine = make_engine(f"sqlite+aiosqlite:///{database}", app_name="x")
        try:
            assert database.parent.is_dir()
            async with engine.connect() as connection:
                assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
            assert database.is_file()
        finally:
            await engine.dispose()

    async def test_sqlite_folder_impossible_fails_on_connect(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        engine = make_engine(f"sqlite+aiosqlite:///{blocker}/db/service.db", app_name="x")  # does not raise
        try:
            with pytest.raises(OperationalError):
                async with engine.connect():
                    pass
        finally:
            await engine.dispose()

    @pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
    async def test_sqlite_in_memory(self, url: str) -> None:
        engine = make_engine(url, app_name="x")
        try:
            async with engine.connect() as connection:
                assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        finally:
            await engine.dispose()

    def test_driver_chosen_by_url(self) -> None:
        assert make_engine("postgresql+asyncpg://u@127.0.0.1:1/x", app_name="x").dialect.driver == "asyncpg"
        assert make_engine("sqlite+aiosqlite:///x.db", app_name="x").dialect.driver == "aiosqlite"

    @pytest.mark.usefixtures("clean")
    async def test_foreign_keys_enforced(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            session.add(Resident(ward_id=uuid4()))
            with pytest.raises(IntegrityError):
                await session.commit()

    @pytest.mark.usefixtures("clean")
    async def test_savepoint(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="outer"))
            await session.flush()
            savepoint = await session.begin_nested()
            session.add(Ward(name="inner"))
            await session.flush()
            await savepoint.rollback()
            async with session.begin_nested():
                session.add(Ward(name="kept"))
            await session.commit()
        assert await ward_names(sessionmaker) == ["kept", "outer"]

    @pytest.mark.usefixtures("clean")
    async def test_savepoint_recovers_from_integrity_error(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="dup"))
            await session.flush()
            with pytest.raises(IntegrityError):
                async with session.begin_nested():
                    session.add(Ward(name="dup"))
            session.add(Ward(name="after"))
            await session.commit()
        assert await ward_names(sessionmaker) == ["after", "dup"]

    @pytest.mark.usefixtures("clean")
    async def test_rollback_discards(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            session.add(Ward(name="gone"))
            await session.flush()
            await session.rollback()
        assert await ward_names(sessionmaker) == []

    @pytest.mark.usefixtures("clean")
    async def test_no_expiry_on_commit(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with sessionmaker() as session:
            ward = Ward(name="fresh")
            session.add(ward)
            await session.commit()
            assert ward.name == "fresh"  # no lazy refresh (which async would refuse)


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/wards/{name}", status_code=201)
    async def create(name: str, session: SessionDep) -> dict[str, str]:
        session.add(Ward(name=name))
        await session.flush()
        return {"name": name}

    @app.post("/wards/{name}/conflict")
    async def create_then_conflict(name: str, session: SessionDep) -> None:
        session.add(Ward(name=name))
        await session.flush()
        raise Conflict("sudah ada")

    @app.post("/wards/{name}/crash")
    async def create_then_crash(name: str, session: SessionDep) -> None:
        session.add(Ward(name=name))
        await session.flush()
        raise RuntimeError("boom")

    @app.post("/wards/{name}/unflushed-duplicate")
    async def duplicate_at_commit(name: str, session: SessionDep) -> dict[str, str]:
        session.add(Ward(name=name))
        session.add(Ward(name=name))  # only the commit finds the duplicate
        return {"name": name}

    @app.get("/wards/count")
    async def count(session: SessionDep) -> dict[str, int]:
        return {"count": await session.scalar(select(func.count()).select_from(Ward)) or 0}

    return app


@pytest.fixture
async def client(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = StateInjector(build_app(), {"engine": engine, "sessionmaker": sessionmaker})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.usefixtures("clean")
class TestGetSession:
    async def test_commits_on_success(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        response = await client.post("/wards/Martoba")
        assert response.status_code == 201
        assert await ward_names(sessionmaker) == ["Martoba"]

    async def test_rolls_back_on_app_error(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        response = await client.post("/wards/Siantar/conflict")
        assert response.status_code == 409
        assert await ward_names(sessionmaker) == []

    async def test_rolls_back_on_crash(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        response = await client.post("/wards/Timur/crash")
        assert response.status_code == 500
        assert await ward_names(sessionmaker) == []

    async def test_failed_commit_is_never_a_success(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        response = await client.post("/wards/Barat/unflushed-duplicate")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert await ward_names(sessionmaker) == []

    async def test_one_request_does_not_leak_into_the_next(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/wards/A/conflict")).status_code == 409
        assert (await client.post("/wards/A")).status_code == 201
        assert (await client.get("/wards/count")).json() == {"count": 1}


class TestUndoOnRollback:
    """`on_rollback`: work outside the database (a stored file) is undone when the unit of work does not
    commit, newest first, and never when it commits."""

    async def test_undone_when_the_block_raises_and_not_when_it_commits(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        undone: list[str] = []

        def undo(name: str) -> Callable[[], Awaitable[None]]:
            async def step() -> None:
                undone.append(name)

            return step

        async def failing() -> None:
            async with unit_of_work(sessionmaker) as session:
                session.add(Ward(name="Sitalasari"))
                on_rollback(session, undo("file-1"))
                on_rollback(session, undo("file-2"))
                raise RuntimeError("after the files were stored")

        with pytest.raises(RuntimeError):
            await failing()
        assert undone == ["file-2", "file-1"]
        async with unit_of_work(sessionmaker) as session:
            session.add(Ward(name="Martoba"))
            on_rollback(session, undo("kept"))
        assert undone == ["file-2", "file-1"]
        assert await ward_names(sessionmaker) == ["Martoba"]

    async def test_undone_when_the_commit_fails_and_a_failing_step_hides_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            session.add(Ward(name="Bahu"))
        undone: list[str] = []

        async def broken() -> None:
            raise OSError("storage is down")

        async def step() -> None:
            undone.append("file")

        async def duplicate() -> None:
            async with unit_of_work(sessionmaker) as session:
                session.add(Ward(name="Bahu"))  # unique: fails at the commit's flush
                on_rollback(session, step)
                on_rollback(session, broken)

        with pytest.raises(IntegrityError):
            await duplicate()
        assert undone == ["file"]


class TestSqliteRequestSessionsTakeTurns:
    """Two requests that read and then write, at the same moment, on a SQLite file with their own connections:
    in WAL mode the one whose snapshot went stale fails with 'database is locked' (now a 503 with Retry-After,
    as across processes, where turns cannot help; a 500 before); with the process's `TurnTakingSession`
    (make_sessionmaker) they take turns. The first reads, then writes only once the second
    has answered (or after a second: with turns the second cannot answer before the first is done)."""

    def build(self, first_read: asyncio.Event, go: asyncio.Event) -> FastAPI:
        app = FastAPI()
        install_error_handlers(app)

        @app.post("/wards/{name}", status_code=201)
        async def add(name: str, session: SessionDep) -> dict[str, int]:
            count = await session.scalar(select(func.count()).select_from(Ward)) or 0  # the read
            if name == "first":
                first_read.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(go.wait(), 1.0)
            session.add(Ward(name=name))  # then the write
            await session.flush()
            return {"seen": count}

        return app

    async def race(self, tmp_path: Path, *, turns: bool) -> list[int]:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/race.db", app_name="race")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            plain = async_sessionmaker(engine, expire_on_commit=False)
            state = {"sessionmaker": make_sessionmaker(engine) if turns else plain}
            first_read, go = asyncio.Event(), asyncio.Event()
            app = StateInjector(self.build(first_read, go), state)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as client:
                first = asyncio.create_task(client.post("/wards/first"))
                await asyncio.wait_for(first_read.wait(), 5.0)
                second = await client.post("/wards/second")  # reads and writes after the first's read
                go.set()
                return [(await first).status_code, second.status_code]
        finally:
            await engine.dispose()

    async def test_without_turns_the_stale_one_fails(self, tmp_path: Path) -> None:
        assert await self.race(tmp_path, turns=False) == [503, 201]  # to be sent again (Retry-After)

    async def test_with_turns_both_are_written(self, tmp_path: Path) -> None:
        assert await self.race(tmp_path, turns=True) == [201, 201]

    async def test_only_sqlite_sessions_take_turns(self, tmp_path: Path) -> None:
        postgresql = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", app_name="x")
        sqlite = make_engine(f"sqlite+aiosqlite:///{tmp_path}/turns.db", app_name="x")
        try:
            assert make_sessionmaker(postgresql).class_ is AsyncSession
            assert make_sessionmaker(sqlite).class_ is TurnTakingSession
            assert make_read_sessionmaker(sqlite).class_ is AsyncSession  # reads never wait (WAL)
        finally:
            await postgresql.dispose()
            await sqlite.dispose()

    async def test_a_nested_session_of_the_same_task_does_not_wait_for_itself(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/nested.db", app_name="x")
        sessions = make_sessionmaker(engine)
        try:
            async with sessions() as outer, sessions() as inner:
                assert await outer.scalar(text("SELECT 1")) == await inner.scalar(text("SELECT 1")) == 1

            async def other_task() -> None:
                async with sessions():
                    pass

            async with sessions():  # another task waits for the turn, and has it afterwards
                waiting = asyncio.create_task(other_task())
                await asyncio.sleep(0.02)
                assert not waiting.done()
            await asyncio.wait_for(waiting, 1.0)
        finally:
            await engine.dispose()


async def test_errors_never_show_the_statements_values(engine: AsyncEngine) -> None:
    """`hide_parameters`: a failing statement's values (here a name) stay out of the error, and so of the log."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    async with engine.connect() as connection:
        with pytest.raises(DBAPIError) as failure:
            await connection.execute(
                text("SELECT * FROM no_such_table WHERE name = :name"), {"name": "Rina Siregar"}
            )
    assert "Rina Siregar" not in str(failure.value)
    assert "hidden due to hide_parameters" in str(failure.value)
