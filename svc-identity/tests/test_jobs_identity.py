"""svc-identity's periodic jobs: registered, and purging only what is old."""

import base64
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.jobs import purge_one_time_codes, purge_throttle_state
from siantar_identity.security.fieldcrypt import KeyRing
from siantar_identity.security.reencrypt import reencrypt
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


class TestReencrypt:
    async def test_rotation_reseals_with_the_new_key(self, session: AsyncSession) -> None:
        old = KeyRing.parse("old:" + base64.b64encode(b"o" * 32).decode())
        account = await save(
            session,
            Account(kind="citizen", phone_ciphertext=old.encrypt("+6281234567890", context="account.phone")),
        )
        rotated = KeyRing.parse(
            "new:" + base64.b64encode(b"n" * 32).decode() + ",old:" + base64.b64encode(b"o" * 32).decode()
        )
        assert await reencrypt(session, rotated) == 1
        assert account.phone_ciphertext is not None
        assert rotated.key_id(account.phone_ciphertext) == "new"
        only_new = KeyRing.parse("new:" + base64.b64encode(b"n" * 32).decode())
        assert only_new.decrypt(account.phone_ciphertext, context="account.phone") == "+6281234567890"
        assert await reencrypt(session, rotated) == 0  # nothing left: the old key can go
