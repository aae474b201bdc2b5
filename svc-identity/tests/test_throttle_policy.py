"""The throttle's policy and counters, without HTTP: waits, hourly caps, forgetting, keys."""

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.clock import FrozenClock
from siantar_identity.throttle.exceptions import SignInThrottled
from siantar_identity.throttle.models import ThrottleState
from siantar_identity.throttle.policy import (
    ADDRESS_POLICY,
    MAX_WAIT,
    WINDOW,
    Counter,
    Policy,
    account_key,
    account_policy,
    address_key,
)
from siantar_identity.throttle.service import attempt_succeeded, begin_attempt, clear_account


class TestPolicy:
    def test_free_failures_then_doubling_waits_capped(self) -> None:
        policy = account_policy(100)
        waits = [policy.wait(n).total_seconds() for n in range(1, 17)]
        assert waits == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
        assert policy.wait(10_000) == MAX_WAIT == timedelta(minutes=15)

    def test_addresses_get_more_room(self) -> None:
        assert ADDRESS_POLICY.free_failures > account_policy(100).free_failures
        assert ADDRESS_POLICY.max_failures_per_hour > 100

    @pytest.mark.parametrize(
        ("address", "key"),
        [
            ("203.0.113.7", "ip:203.0.113.7"),
            ("2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::/64"),
            ("2001:db8:1:2:bbbb::9", "ip:2001:db8:1:2::/64"),  # the same /64: one counter
            ("::ffff:203.0.113.7", "ip:203.0.113.7"),
            (None, "ip:unknown"),
            ("testclient", "ip:testclient"),
        ],
    )
    def test_address_keys(self, address: str | None, key: str) -> None:
        assert address_key(address) == key


class TestCounters:
    async def test_hourly_cap_holds_until_the_window_ends(
        self, session: AsyncSession, clock: FrozenClock
    ) -> None:
        counters = [Counter("account:cap", Policy(free_failures=1000, max_failures_per_hour=3))]
        start = clock.now()
        for _ in range(3):
            await begin_attempt(session, counters, at=clock.now())
            clock.advance(timedelta(minutes=1))
        with pytest.raises(SignInThrottled) as refused:
            await begin_attempt(session, counters, at=clock.now())
        assert refused.value.retry_after == int((start + WINDOW - clock.now()).total_seconds())
        assert refused.value.headers == {"Retry-After": str(refused.value.retry_after)}
        clock.current = start + WINDOW  # never permanent: the next window starts afresh
        await begin_attempt(session, counters, at=clock.now())

    async def test_success_forgives_the_attempt_and_resets_the_run(
        self, session: AsyncSession, clock: FrozenClock
    ) -> None:
        counters = [Counter("account:ok", account_policy(100))]
        for _ in range(4):
            await begin_attempt(session, counters, at=clock.now())
        await begin_attempt(session, counters, at=clock.now())
        await attempt_succeeded(session, counters, at=clock.now())
        row = await session.get(ThrottleState, "account:ok")
        assert row is not None
        assert (row.failures, row.window_failures, row.blocked_until) == (0, 4, None)

    async def test_free_failures_store_no_wait(self, session: AsyncSession, clock: FrozenClock) -> None:
        """Concurrent attempts read the clock in any order: a free failure stamped a little later than
        another attempt's clock reading must not make that attempt wait."""
        counters = [Counter("ip:203.0.113.9", ADDRESS_POLICY)]
        await begin_attempt(session, counters, at=clock.now() + timedelta(milliseconds=20))
        await begin_attempt(session, counters, at=clock.now())

    async def test_old_failures_are_forgotten_after_twelve_hours(
        self, session: AsyncSession, clock: FrozenClock
    ) -> None:
        counters = [Counter("account:old", account_policy(100))]
        for _ in range(8):
            clock.advance(timedelta(minutes=20))
            await begin_attempt(session, counters, at=clock.now())
        clock.advance(timedelta(hours=13))  # the last attempt's hour ended 12 hours ago
        await begin_attempt(session, counters, at=clock.now())
        row = await session.get(ThrottleState, "account:old")
        assert row is not None
        assert row.failures == 1

    async def test_the_longest_wait_wins_and_nothing_is_counted_while_waiting(
        self, session: AsyncSession, clock: FrozenClock
    ) -> None:
        account, address = (
            Counter("account:a", account_policy(100)),
            Counter("ip:198.51.100.1", ADDRESS_POLICY),
        )
        for attempt in range(7):  # at 0, 4, ... 24 s: the 6th failure asks 2 s, the 7th 4 s
            if attempt:
                clock.advance(timedelta(seconds=4))
            await begin_attempt(session, [account], at=clock.now())
        with pytest.raises(SignInThrottled) as refused:
            await begin_attempt(session, [account, address], at=clock.now())
        assert refused.value.retry_after == 4  # 7 failures: 2^2 seconds
        row = await session.get(ThrottleState, "ip:198.51.100.1")
        assert row is not None
        assert row.window_failures == 0

    async def test_clear_account(self, session: AsyncSession, clock: FrozenClock) -> None:
        account_id = uuid4()
        counters = [Counter(account_key(account_id), account_policy(100))]
        for _ in range(6):
            await begin_attempt(session, counters, at=clock.now())
        with pytest.raises(SignInThrottled):
            await begin_attempt(session, counters, at=clock.now())
        await clear_account(session, account_id)
        await begin_attempt(session, counters, at=clock.now())  # no wait any more
