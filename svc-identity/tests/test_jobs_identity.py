"""svc-identity's periodic jobs: registered, and purging only what is old."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.jobs import purge_one_time_codes, purge_throttle_state
from siantar_identity.throttle.models import ThrottleState
from siantar_shared.testing.plugin import save


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ThrottleState)) or 0)


class TestPurgeThrottleState:
    async def test_old_idle_rows_go_recent_and_blocking_stay(self, session: AsyncSession) -> None:
        now = datetime.now(UTC)
        await save(session, ThrottleState(key="ip:old", window_started_at=now - timedelta(days=2)))
        await save(session, ThrottleState(key="ip:recent", window_started_at=now - timedelta(hours=1)))
        await save(
            session,
            ThrottleState(
                key="account:blocked",
                window_started_at=now - timedelta(days=2),
                blocked_until=now + timedelta(hours=1),
            ),
        )
        await purge_throttle_state(session)
        keys = set((await session.scalars(select(ThrottleState.key))).all())
        assert keys == {"ip:recent", "account:blocked"}

    async def test_codes_job_runs(self, session: AsyncSession) -> None:
        await purge_one_time_codes(session)  # nothing to purge: must not fail on an empty table
