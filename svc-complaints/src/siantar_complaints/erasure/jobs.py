"""The erasure job, for `python -m siantar_complaints job follow-identity-erasures` (cron or a CronJob; every
minute under `make run`). Register it with `register_erasure_jobs(runner, identity_services)`, the identity
services open for as long as the runner is."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.erasure import service
from siantar_shared.jobs import JobRunner

FOLLOW_IDENTITY_ERASURES = "follow-identity-erasures"
LEASE = timedelta(minutes=10)


def register_erasure_jobs(runner: JobRunner, source: service.EventSource) -> None:
    async def follow(session: AsyncSession) -> None:
        await service.follow_feed(session, source)

    runner.register(FOLLOW_IDENTITY_ERASURES, follow, lease=LEASE)
