"""Periodic jobs of svc-identity (cron or a Kubernetes CronJob runs `python -m siantar_identity job NAME`).

Besides the platform's `purge-idempotency-keys`: `purge-authorizations` (expired authorization requests and
codes), `purge-throttle-state` (counters idle for a day and not blocking anyone), `purge-one-time-codes`
(codes used or expired for a day) and `reencrypt-personal-data` (after a rotation of the encryption key or
of the look-up key: re-seals and re-hashes). Each runs under a lease, so two replicas never run the same job at
once.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import OneTimeCode
from siantar_identity.config import Settings
from siantar_identity.models import platform
from siantar_identity.oauth.authorize_exchange import purge_expired_authorizations
from siantar_identity.security.context import Crypto
from siantar_identity.security.reencrypt import reencrypt, rehash
from siantar_identity.throttle.models import ThrottleState
from siantar_shared.jobs import JobRunner, open_job_runner

KEEP_FOR = timedelta(days=1)
LEASE = timedelta(minutes=10)


async def purge_throttle_state(session: AsyncSession) -> None:
    cutoff = datetime.now(UTC) - KEEP_FOR
    await session.execute(
        delete(ThrottleState).where(
            ThrottleState.window_started_at < cutoff,
            or_(ThrottleState.blocked_until.is_(None), ThrottleState.blocked_until < datetime.now(UTC)),
        )
    )


async def purge_one_time_codes(session: AsyncSession) -> None:
    await session.execute(delete(OneTimeCode).where(OneTimeCode.expires_at < datetime.now(UTC) - KEEP_FOR))


@asynccontextmanager
async def open_identity_runner(settings: Settings) -> AsyncIterator[JobRunner]:
    async with open_job_runner(settings, platform) as runner:
        runner.register("purge-authorizations", purge_expired_authorizations, lease=LEASE)
        runner.register("purge-throttle-state", purge_throttle_state, lease=LEASE)
        runner.register("purge-one-time-codes", purge_one_time_codes, lease=LEASE)
        crypto = Crypto.from_settings(settings)

        async def reencrypt_personal_data(session: AsyncSession) -> None:
            await reencrypt(session, crypto.ring)
            await rehash(session, crypto)

        runner.register("reencrypt-personal-data", reencrypt_personal_data, lease=timedelta(hours=1))
        yield runner
