"""Periodic jobs run by cron or a Kubernetes CronJob (`python -m siantar_identity job purge-idempotency-keys`).

Every replica may be told to run a job; a lease row per job makes sure only one runs it at a time:

- acquire: one conditional UPDATE (`WHERE name = :n AND (lease_expires_at IS NULL OR lease_expires_at <
  now)`), or, the first time ever, an INSERT (a unique violation means another runner just took it); each in
  its own committed transaction, so the lease is visible to every other replica before the job starts;
- run: the job gets a session whose transaction the runner commits (jobs flush, never commit);
- release: record the outcome and clear the lease, only if this run still holds it.

A lease must outlast the job's longest run: past it, another runner may start the job again. Lease times
come from the runner's clock, so replicas need synchronised clocks (NTP), a small fraction of any lease.
`last_error` keeps only the exception's class name: messages can carry personal data; the log has the rest.
"""

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from sqlalchemy import String, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from siantar_shared.db import UTCDateTime, make_engine, make_sessionmaker, utcnow
from siantar_shared.idempotency import purge_expired, rowcount
from siantar_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from siantar_shared.platform_models import PlatformModels

PURGE_IDEMPOTENCY_KEYS = "purge-idempotency-keys"
JobFunc = Callable[[AsyncSession], Awaitable[None]]
logger = logging.getLogger("siantar_shared.jobs")


class JobLeaseMixin:
    """Who holds a job's lease, until when, and how its last run went."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(String(200))


class JobOutcome(StrEnum):
    succeeded = "succeeded"  # took the lease and ran
    skipped = "skipped"  # another holder has a live lease
    failed = "failed"  # took the lease; the job raised


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    func: JobFunc
    lease: timedelta


class JobRunner:
    """Runs registered jobs under their leases. `purge-idempotency-keys` is registered from the start."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], models: "PlatformModels") -> None:
        self.sessionmaker = sessionmaker
        self.models = models
        self.jobs: dict[str, Job] = {}
        self.register(PURGE_IDEMPOTENCY_KEYS, self._purge_idempotency_keys, lease=timedelta(minutes=10))

    def register(self, name: str, func: JobFunc, *, lease: timedelta) -> None:
        """Add a job; `func(session)` does the work and flushes, the runner commits."""
        if name in self.jobs:
            raise ValueError(f"job {name!r} is already registered")
        self.jobs[name] = Job(name, func, lease)

    async def run_once(self, name: str) -> JobOutcome:
        """Run job `name` unless another holder has a live lease on it. Unknown names raise KeyError."""
        job = self.jobs[name]
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        if not await self._acquire(job, holder):
            logger.info("job %s skipped: another runner holds its lease", name)
            return JobOutcome.skipped
        error = None
        try:
            async with self.sessionmaker() as session, session.begin():
                await job.func(session)
        except Exception as exc:
            logger.exception("job %s failed", name)
            error = type(exc).__name__
        await self._release(job, holder, error)
        return JobOutcome.failed if error else JobOutcome.succeeded

    async def run_forever(self, schedule: dict[str, timedelta], stop: asyncio.Event) -> None:
        """Development only: run each job now and then every interval until `stop` is set."""
        missing = set(schedule) - set(self.jobs)
        if missing:
            raise KeyError(f"unknown jobs: {sorted(missing)}")
        clock = asyncio.get_running_loop().time
        due = dict.fromkeys(schedule, clock())
        while not stop.is_set():
            for name in [n for n, at in due.items() if at <= clock()]:
                try:
                    await self.run_once(name)
                except Exception:  # the database is away: try again at the next tick
                    logger.exception("job %s could not be run", name)
                due[name] = clock() + schedule[name].total_seconds()
            timeout = max(0.0, min(due.values(), default=clock() + 3600) - clock())
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout)

    async def _acquire(self, job: Job, holder: str) -> bool:
        model, now = self.models.job_lease, utcnow()
        lease = {"holder": holder, "lease_expires_at": now + job.lease, "last_started_at": now}
        async with self.sessionmaker() as session, session.begin():
            free = or_(model.lease_expires_at.is_(None), model.lease_expires_at < now)
            taken = update(model).where(model.name == job.name, free).values(**lease)
            if rowcount(await session.execute(taken.execution_options(synchronize_session=False))) == 1:
                return True
            if await session.scalar(select(model.name).where(model.name == job.name)) is not None:
                return False
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(insert(model).values(name=job.name, **lease))
        except IntegrityError:
            return False
        return True

    async def _release(self, job: Job, holder: str, error: str | None) -> None:
        model = self.models.job_lease
        outcome = {
            "lease_expires_at": None,
            "last_finished_at": utcnow(),
            "last_status": JobOutcome.failed if error else JobOutcome.succeeded,
            "last_error": error,
        }
        async with self.sessionmaker() as session, session.begin():
            released = update(model).where(model.name == job.name, model.holder == holder).values(**outcome)
            if rowcount(await session.execute(released.execution_options(synchronize_session=False))) != 1:
                logger.warning("job %s outran its lease; another runner took it over", job.name)

    async def _purge_idempotency_keys(self, session: AsyncSession) -> None:
        purged = await purge_expired(session, self.models.idempotency, now=utcnow())
        logger.info("purged %d expired idempotency keys", purged)


RunnerFactory = Callable[[], AbstractAsyncContextManager[JobRunner]]
USAGE = "usage: job <name> | jobs [--every <seconds>]\n"


@asynccontextmanager
async def open_job_runner(settings: ServiceSettings, models: "PlatformModels") -> AsyncIterator[JobRunner]:
    """A runner on its own engine, for a command line; the engine is disposed at the end."""
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.{settings.SERVICE}.jobs")
    try:
        yield JobRunner(make_sessionmaker(engine), models)
    finally:
        await engine.dispose()


def job_main(argv: Sequence[str], runner_factory: RunnerFactory) -> int:
    """`jobs` lists the jobs; `job <name>` runs one. Exit 0 when it ran or was skipped, 1 when it failed, 2
    on a usage error. `jobs --every <seconds>` runs every job now and then at that interval until SIGINT or
    SIGTERM (development: `make run` starts one per service; production schedules `job <name>` with cron or
    Kubernetes CronJobs instead). For a service's `__main__`:

        if sys.argv[1:2] in (["job"], ["jobs"]):
            raise SystemExit(job_main(sys.argv[1:], lambda: open_job_runner(get_settings(), platform)))
    """
    match list(argv):
        case ["jobs"]:
            return asyncio.run(_list_jobs(runner_factory))
        case ["job", name]:
            return asyncio.run(_run_job(runner_factory, name))
        case ["jobs", "--every", seconds] if seconds.isdigit() and int(seconds) > 0:
            return asyncio.run(_run_every(runner_factory, timedelta(seconds=int(seconds))))
        case _:
            sys.stderr.write(USAGE)
            return 2


async def _list_jobs(runner_factory: RunnerFactory) -> int:
    async with runner_factory() as runner:
        for job in runner.jobs.values():
            sys.stdout.write(f"{job.name}\tlease {job.lease}\n")
    return 0


async def _run_every(runner_factory: RunnerFactory, interval: timedelta) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with runner_factory() as runner:
        logger.info("running %d jobs every %s until stopped", len(runner.jobs), interval)
        await runner.run_forever(dict.fromkeys(runner.jobs, interval), stop)
    return 0


async def _run_job(runner_factory: RunnerFactory, name: str) -> int:
    async with runner_factory() as runner:
        if name not in runner.jobs:
            sys.stderr.write(f"unknown job {name!r}; known: {', '.join(runner.jobs)}\n")
            return 2
        outcome = await runner.run_once(name)
    sys.stdout.write(f"{name}: {outcome}\n")
    return 1 if outcome is JobOutcome.failed else 0
