import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from siantar_shared.db import make_engine, make_sessionmaker, utcnow
from siantar_shared.idempotency import IdempotencyState
from siantar_shared.jobs import PURGE_IDEMPOTENCY_KEYS, JobFunc, JobOutcome, JobRunner, job_main
from siantar_shared.platform_models import PlatformModels

LEASE = timedelta(minutes=5)


class Calls:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, session: AsyncSession) -> None:
        self.count += 1


@pytest.fixture
def runner(sessionmaker: async_sessionmaker[AsyncSession], platform: PlatformModels) -> JobRunner:
    return JobRunner(sessionmaker, platform)


class TestRunOnce:
    async def test_runs_and_records_success(
        self, runner: JobRunner, session: AsyncSession, platform: PlatformModels
    ) -> None:
        calls = Calls()
        runner.register("count", calls, lease=LEASE)

        assert await runner.run_once("count") is JobOutcome.succeeded
        assert await runner.run_once("count") is JobOutcome.succeeded  # released: the next run may start
        lease = await session.get(platform.job_lease, "count", populate_existing=True)
        assert calls.count == 2
        assert lease is not None
        assert (lease.last_status, lease.last_error, lease.lease_expires_at) == ("succeeded", None, None)
        assert lease.last_started_at is not None
        assert lease.last_finished_at is not None
        assert lease.last_started_at <= lease.last_finished_at

    async def test_lease_excludes_a_second_runner(
        self, runner: JobRunner, sessionmaker: async_sessionmaker[AsyncSession], platform: PlatformModels
    ) -> None:
        other = JobRunner(sessionmaker, platform)
        outcomes: list[JobOutcome] = []

        async def job(session: AsyncSession) -> None:
            outcomes.append(await other.run_once("exclusive"))

        runner.register("exclusive", job, lease=LEASE)
        other.register("exclusive", job, lease=LEASE)

        assert await runner.run_once("exclusive") is JobOutcome.succeeded
        assert outcomes == [JobOutcome.skipped]

    async def test_live_lease_of_another_holder_skips(
        self, runner: JobRunner, session: AsyncSession, platform: PlatformModels
    ) -> None:
        session.add(platform.job_lease(name="count", holder="pod-b:7", lease_expires_at=utcnow() + LEASE))
        await session.flush()
        calls = Calls()
        runner.register("count", calls, lease=LEASE)

        assert await runner.run_once("count") is JobOutcome.skipped
        assert calls.count == 0

    async def test_expired_lease_can_be_taken(
        self, runner: JobRunner, session: AsyncSession, platform: PlatformModels
    ) -> None:
        crashed = platform.job_lease(
            name="count", holder="pod-b:7", lease_expires_at=utcnow() - timedelta(seconds=1)
        )
        session.add(crashed)
        await session.flush()
        calls = Calls()
        runner.register("count", calls, lease=LEASE)

        assert await runner.run_once("count") is JobOutcome.succeeded
        lease = await session.get(platform.job_lease, "count", populate_existing=True)
        assert calls.count == 1
        assert lease is not None
        assert lease.holder != "pod-b:7"

    async def test_failure_is_recorded_without_its_message(
        self, runner: JobRunner, session: AsyncSession, platform: PlatformModels
    ) -> None:
        async def failing(session: AsyncSession) -> None:
            raise ValueError("NIK 1271010101900001 not found")

        runner.register("failing", failing, lease=LEASE)

        assert await runner.run_once("failing") is JobOutcome.failed
        lease = await session.get(platform.job_lease, "failing", populate_existing=True)
        assert lease is not None
        assert (lease.last_status, lease.last_error, lease.lease_expires_at) == ("failed", "ValueError", None)

    async def test_work_is_committed_and_failed_work_rolled_back(
        self, runner: JobRunner, session: AsyncSession, widget_model: Any
    ) -> None:
        def job(name: str, *, fail: bool) -> JobFunc:
            async def run(session: AsyncSession) -> None:
                session.add(widget_model(name=name))
                await session.flush()
                if fail:
                    raise RuntimeError("after the write")

            return run

        runner.register("writes", job("kept", fail=False), lease=LEASE)
        runner.register("writes-then-fails", job("lost", fail=True), lease=LEASE)
        await runner.run_once("writes")
        await runner.run_once("writes-then-fails")

        assert list(await session.scalars(select(widget_model.name))) == ["kept"]

    async def test_unknown_and_duplicate_names(self, runner: JobRunner) -> None:
        with pytest.raises(KeyError):
            await runner.run_once("nope")
        with pytest.raises(ValueError, match="already registered"):
            runner.register(PURGE_IDEMPOTENCY_KEYS, Calls(), lease=LEASE)

    async def test_purge_idempotency_keys(
        self, runner: JobRunner, session: AsyncSession, platform: PlatformModels
    ) -> None:
        now = utcnow()
        for name, expires_at in (("old", now - timedelta(minutes=1)), ("new", now + timedelta(hours=1))):
            session.add(
                platform.idempotency(
                    scope_hash=name * 16,
                    fingerprint="f",
                    state=IdempotencyState.completed,
                    locked_at=now,
                    expires_at=expires_at,
                )
            )
        await session.flush()

        assert await runner.run_once(PURGE_IDEMPOTENCY_KEYS) is JobOutcome.succeeded
        assert list(await session.scalars(select(platform.idempotency.scope_hash))) == ["new" * 16]


async def test_run_forever_until_stopped(runner: JobRunner) -> None:
    stop = asyncio.Event()
    calls = Calls()

    async def job(session: AsyncSession) -> None:
        await calls(session)
        if calls.count == 3:
            stop.set()

    runner.register("tick", job, lease=LEASE)
    await asyncio.wait_for(runner.run_forever({"tick": timedelta(milliseconds=10)}, stop), timeout=5)
    assert calls.count == 3


async def test_job_main(
    engine: AsyncEngine, platform: PlatformModels, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line runs its own event loop: call it from a worker thread, as a CronJob would run it."""
    url = engine.url.render_as_string(hide_password=False)

    @asynccontextmanager
    async def runner_factory() -> AsyncIterator[JobRunner]:
        own_engine = make_engine(url, app_name="test.jobs")
        runner = JobRunner(make_sessionmaker(own_engine), platform)
        runner.register("hello", Calls(), lease=LEASE)
        try:
            yield runner
        finally:
            async with runner.sessionmaker.begin() as session:
                await session.execute(delete(platform.job_lease))
            await own_engine.dispose()

    assert await asyncio.to_thread(job_main, ["jobs"], runner_factory) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{PURGE_IDEMPOTENCY_KEYS}\tlease 0:10:00",
        "hello\tlease 0:05:00",
    ]
    assert await asyncio.to_thread(job_main, ["job", "hello"], runner_factory) == 0
    assert capsys.readouterr().out == "hello: succeeded\n"
    assert await asyncio.to_thread(job_main, ["job", "nope"], runner_factory) == 2
    assert await asyncio.to_thread(job_main, ["run"], runner_factory) == 2
    assert "usage" in capsys.readouterr().err
