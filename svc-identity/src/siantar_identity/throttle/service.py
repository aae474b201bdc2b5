"""Counting sign-in failures and refusing attempts that must wait; the policy is in `throttle.policy`.

Counters are rows of `throttle_state`, locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serialises
writers) in key order, so concurrent attempts on one account count one after another and never deadlock.
"""

import math
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.throttle.exceptions import SignInThrottled
from siantar_identity.throttle.models import ThrottleState
from siantar_identity.throttle.policy import FAILURE_MEMORY, WINDOW, Counter, Policy, account_key


async def begin_attempt(session: AsyncSession, counters: Sequence[Counter], *, at: datetime) -> None:
    """Refuse the attempt (`SignInThrottled`, with the longest wait) if a counter says it must wait; else
    count it as a failure now, to be forgiven by `attempt_succeeded`."""
    rows = await _locked(session, counters, at=at)
    wait = max(_seconds_left(rows[counter.key], at) for counter in counters)
    if wait > 0:
        raise SignInThrottled(wait)
    for counter in counters:
        _count_failure(rows[counter.key], counter.policy, at)
    await session.flush()


async def attempt_succeeded(session: AsyncSession, counters: Sequence[Counter], *, at: datetime) -> None:
    """Forgive the attempt counted by `begin_attempt` and reset the consecutive failures."""
    rows = await _locked(session, counters, at=at)
    for row in rows.values():
        row.failures = 0
        row.window_failures = max(0, row.window_failures - 1)
        row.blocked_until = None
    await session.flush()


async def clear_account(session: AsyncSession, account_id: UUID) -> None:
    """Forget an account's failures (after a password reset proved the person holds the phone or e-mail)."""
    await session.execute(delete(ThrottleState).where(ThrottleState.key == account_key(account_id)))


async def _locked(
    session: AsyncSession, counters: Sequence[Counter], *, at: datetime
) -> dict[str, ThrottleState]:
    keys = sorted({counter.key for counter in counters})
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    fresh = [{"key": key, "failures": 0, "window_started_at": at, "window_failures": 0} for key in keys]
    await session.execute(insert(ThrottleState).values(fresh).on_conflict_do_nothing())
    rows = await session.scalars(
        select(ThrottleState)
        .where(ThrottleState.key.in_(keys))
        .order_by(ThrottleState.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: _forgotten(row, at) for row in rows}


def _forgotten(row: ThrottleState, at: datetime) -> ThrottleState:
    """Forget consecutive failures whose last hour ended `FAILURE_MEMORY` ago; start a new hourly window
    when the last one is over."""
    if at - row.window_started_at >= WINDOW + FAILURE_MEMORY:
        row.failures = 0
    if at - row.window_started_at >= WINDOW:
        row.window_started_at, row.window_failures = at, 0
    return row


def _seconds_left(row: ThrottleState, at: datetime) -> int:
    if row.blocked_until is None or row.blocked_until <= at:
        return 0
    return max(1, math.ceil((row.blocked_until - at).total_seconds()))


def _count_failure(row: ThrottleState, policy: Policy, at: datetime) -> None:
    """Count a failure and set the wait it earns (none for the free ones: concurrent attempts read the clock
    in any order, so a zero wait must not be stored as a moment to wait for)."""
    row.failures += 1
    row.window_failures += 1
    wait = policy.wait(row.failures)
    until = at + wait if wait else None
    if row.window_failures >= policy.max_failures_per_hour:
        until = max(until or at, row.window_started_at + WINDOW)
    row.blocked_until = until
